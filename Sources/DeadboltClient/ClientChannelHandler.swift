import DeadboltProtocol
import NIOCore

/// The client's protocol handler, after ``FrameDecoder`` has cut frames and before
/// ``FrameEncoder`` prefixes them.
///
/// It keeps the table of outstanding requests by request id: ids are chosen here, on the
/// event loop, and never reused while a request with that id is outstanding. Answers are
/// matched by id, never by order, so any number of requests may be in flight, and a waiting
/// ACQUIRE does not hold up later requests. LOST events go to the lost-lock stream.
///
/// Invariants: every promise in the table is completed exactly once, by its answer or by the
/// connection's end; once the channel is inactive the table is empty, every later request
/// fails with ``DeadboltError/Code/connectionClosed``, and the lost-lock stream is finished.
final class ClientChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ClientCommand
    typealias OutboundOut = ByteBuffer

    /// A request sent and not answered yet.
    private struct Outstanding {
        /// The request's type; its answer must be of the matching response type.
        var type: MessageType
        /// `nil` for the CANCELs the handler sends on its own: nobody awaits their answers.
        var promise: EventLoopPromise<Response>?
        /// An ACQUIRE's cancellation state, which tells a CANCEL meant for it from one meant
        /// for an earlier request that had the same id.
        var cancellation: AcquireCancellation?
    }

    private var outstanding: [UInt32: Outstanding] = [:]
    /// The last request id handed out; ids count up from 1, wrap, and skip 0 and ids in use.
    private var lastRequestID: UInt32 = 0
    /// The largest request body the daemon accepts: its default until HELLO announces it.
    private var maxFrameBytes = FrameDecoder.defaultMaxFrameBytes
    /// Why the connection ended, once something on this side ended it (a malformed frame, an
    /// ERROR frame tied to no request); outstanding requests fail with it.
    private var failure: DeadboltError?
    private var isClosed = false
    private let lostLocks: AsyncStream<LostLock>.Continuation

    /// - Parameter lastRequestID: the id before the first one handed out; tests start near
    ///   the wrap.
    init(lostLocks: AsyncStream<LostLock>.Continuation, lastRequestID: UInt32 = 0) {
        self.lostLocks = lostLocks
        self.lastRequestID = lastRequestID
    }

    // MARK: - Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .request(let request, let response, let cancellation):
            guard !self.isClosed else {
                response.fail(DeadboltError(code: .connectionClosed, message: "the connection to the daemon is closed"))
                promise?.fail(ChannelError.ioOnClosedChannel)
                return
            }
            let requestID = self.nextRequestID()
            var body = context.channel.allocator.buffer(capacity: 64)
            RequestFrame(requestID: requestID, request: request).encode(into: &body)
            guard body.readableBytes <= self.maxFrameBytes else {
                response.fail(DeadboltError(
                    code: .nameTooLong,
                    message: "a \(request.type.name) of \(body.readableBytes) bytes exceeds the daemon's maximum frame of \(self.maxFrameBytes) bytes"
                ))
                promise?.succeed(())
                return
            }
            self.outstanding[requestID] = Outstanding(type: request.type, promise: response, cancellation: cancellation)
            context.write(self.wrapOutboundOut(body), promise: promise)
            if cancellation?.sent(requestID: requestID) == true {
                self.writeCancel(of: requestID, context: context)
            }
        case .cancel(let targetRequestID, let cancellation):
            // An ACQUIRE answered meanwhile needs no CANCEL, and its id may have been given to
            // another request since.
            if !self.isClosed, let target = self.outstanding[targetRequestID], target.cancellation === cancellation {
                self.writeCancel(of: targetRequestID, context: context)
            }
            promise?.succeed(())
        }
    }

    private func writeCancel(of targetRequestID: UInt32, context: ChannelHandlerContext) {
        let requestID = self.nextRequestID()
        var body = context.channel.allocator.buffer(capacity: 16)
        RequestFrame(requestID: requestID, request: .cancel(CancelRequest(targetRequestID: targetRequestID))).encode(into: &body)
        self.outstanding[requestID] = Outstanding(type: .cancel, promise: nil, cancellation: nil)
        context.write(self.wrapOutboundOut(body), promise: nil)
    }

    private func nextRequestID() -> UInt32 {
        repeat {
            self.lastRequestID &+= 1
        } while self.lastRequestID == MessageHeader.unsolicitedRequestID || self.outstanding[self.lastRequestID] != nil
        return self.lastRequestID
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isClosed else { return }  // ended from this side; the rest of the batch is moot
        var body = self.unwrapInboundIn(data)
        let message: ServerMessage
        do {
            message = try ServerMessage.decode(from: &body)
        } catch {
            return self.fail(DeadboltError(code: .protocolError, message: "the daemon sent an unreadable frame: \(error)"), context: context)
        }
        switch message {
        case .lost(let event):
            self.lostLocks.yield(LostLock(event))
        case .response(let requestID, let response):
            if case .hello(let hello) = response {
                self.maxFrameBytes = Int(hello.maxFrameBytes)
            }
            self.complete(requestID, type: response.requestType, with: .success(response), context: context)
        case .failure(let requestID, let type, let status, let message):
            self.complete(requestID, type: type, with: .failure(DeadboltError(status: status, message: message)), context: context)
        case .error(let requestID, let status, let message):
            let error = DeadboltError(status: status, message: message)
            if requestID != MessageHeader.unsolicitedRequestID, let request = self.outstanding.removeValue(forKey: requestID) {
                request.promise?.fail(error)
            } else {
                // Tied to no request of ours: the daemon refuses the connection (its connection
                // limit, shutdown, HELLO timeout) or could not read our bytes; it closes next.
                self.fail(error, context: context)
            }
        }
    }

    /// Completes the request `requestID` of type `type`; an answer to no outstanding request,
    /// or of the wrong type, means the stream cannot be trusted, so the connection is closed.
    private func complete(
        _ requestID: UInt32,
        type: MessageType,
        with result: Result<Response, DeadboltError>,
        context: ChannelHandlerContext
    ) {
        guard let request = self.outstanding[requestID], request.type == type else {
            return self.fail(
                DeadboltError(code: .protocolError, message: "the daemon answered \(type.name) request \(requestID), which is not outstanding"),
                context: context
            )
        }
        self.outstanding[requestID] = nil
        switch result {
        case .success(let response): request.promise?.succeed(response)
        case .failure(let error): request.promise?.fail(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.closeDown()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.closeDown()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let framing = error as? FrameDecodingError {
            self.fail(DeadboltError(code: .protocolError, message: "the daemon sent a bad frame: \(framing)"), context: context)
        } else {
            self.fail(DeadboltError(code: .connectionClosed, message: "the connection to the daemon failed: \(error)"), context: context)
        }
    }

    // MARK: - The end

    /// Ends the connection from this side: outstanding requests fail with `error`.
    private func fail(_ error: DeadboltError, context: ChannelHandlerContext) {
        if self.failure == nil {
            self.failure = error
        }
        self.isClosed = true
        self.failOutstanding()
        context.close(promise: nil)
    }

    /// The channel is gone: fail what is outstanding, refuse what comes, end the LOST stream.
    private func closeDown() {
        self.isClosed = true
        self.failOutstanding()
        self.lostLocks.finish()
    }

    private func failOutstanding() {
        let error = self.failure ?? DeadboltError(code: .connectionClosed, message: "the daemon closed the connection")
        let requests = self.outstanding
        self.outstanding.removeAll()
        for request in requests.values {
            request.promise?.fail(error)
        }
    }
}
