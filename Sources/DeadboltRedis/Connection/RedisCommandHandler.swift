import NIOCore

/// Matches replies to commands, after ``RESPDecoder`` and before ``RESPEncoder``.
///
/// Redis answers a connection's commands in the order it received them, so the handler keeps
/// the outstanding commands in a FIFO and gives each reply to the oldest: any number of
/// commands may be in flight (pipelining). An error reply is a reply like any other.
///
/// Values that answer no command go to `onPush`: RESP3 push frames, and, on a pub/sub
/// connection (`isPubSub`), RESP2's `message`, `pmessage` and `smessage` arrays. On a pub/sub
/// connection the confirmations of `SUBSCRIBE` and `UNSUBSCRIBE` (arrays in RESP2, pushes in
/// RESP3) are replies, one per channel: send one channel per command.
///
/// With a command timeout, the oldest outstanding command is checked at its deadline; a late
/// reply closes the connection, since the replies after it could not be trusted to match.
///
/// Invariants: every promise is completed exactly once; once the channel is inactive the FIFO
/// is empty, and every later command fails with ``RedisError/Code/unavailable`` unsent.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = RedisCommand

    private struct Outstanding {
        var promise: EventLoopPromise<RESPValue>
        var deadline: NIODeadline
        var name: String
    }

    /// Oldest first.
    private var outstanding = CircularBuffer<Outstanding>(initialCapacity: 16)
    private var isClosed = false
    /// Why this side closed the connection; outstanding commands fail with it.
    private var closeError: RedisError?
    private let commandTimeout: TimeAmount?
    private var timeoutCheck: Scheduled<Void>?
    private let isPubSub: Bool
    private let onPush: (@Sendable (RESPValue) -> Void)?
    /// Where Redis is, for messages.
    private let peerDescription: String

    init(
        peerDescription: String,
        commandTimeout: TimeAmount?,
        isPubSub: Bool = false,
        onPush: (@Sendable (RESPValue) -> Void)? = nil
    ) {
        self.peerDescription = peerDescription
        self.commandTimeout = commandTimeout
        self.isPubSub = isPubSub
        self.onPush = onPush
    }

    // MARK: - Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = self.unwrapOutboundIn(data)
        guard !self.isClosed else {
            request.promise.fail(RedisError(
                code: .unavailable,
                message: "the connection to Redis at \(self.peerDescription) is closed; \(request.command.name) was not sent"
            ))
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let deadline = self.commandTimeout.map { context.eventLoop.now + $0 } ?? .distantFuture
        self.outstanding.append(Outstanding(promise: request.promise, deadline: deadline, name: request.command.name))
        context.write(self.wrapOutboundOut(request.command), promise: promise)
        self.scheduleTimeoutCheck(context: context)
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isClosed else { return }  // ended from this side; the rest is moot
        let value = self.unwrapInboundIn(data)
        if self.isOutOfBand(value) {
            self.onPush?(value)
            return
        }
        guard let oldest = self.outstanding.popFirst() else {
            return self.fail(
                RedisError(code: .protocolError, message: "Redis at \(self.peerDescription) sent a reply when no command was outstanding"),
                context: context
            )
        }
        oldest.promise.succeed(value)
    }

    private static let messageKinds: Set<String> = ["message", "pmessage", "smessage"]
    private static let confirmationKinds: Set<String> = [
        "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe",
    ]

    private func isOutOfBand(_ value: RESPValue) -> Bool {
        switch value {
        case .push(let elements):
            guard self.isPubSub, let kind = elements.first?.string else { return true }
            return !Self.confirmationKinds.contains(kind)
        case .array(let elements) where self.isPubSub:
            guard let kind = elements.first?.string else { return false }
            return Self.messageKinds.contains(kind)
        default:
            return false
        }
    }

    // MARK: - Timeouts

    /// Schedules a check at the oldest command's deadline, unless one is scheduled: the check
    /// reschedules itself for the next oldest.
    private func scheduleTimeoutCheck(context: ChannelHandlerContext) {
        guard self.timeoutCheck == nil, let oldest = self.outstanding.first, oldest.deadline != .distantFuture else { return }
        self.timeoutCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: oldest.deadline) { [self] in
            self.timeoutCheck = nil
            guard !self.isClosed, let oldest = self.outstanding.first else { return }
            guard oldest.deadline <= context.eventLoop.now else { return self.scheduleTimeoutCheck(context: context) }
            let milliseconds = (self.commandTimeout?.nanoseconds ?? 0) / 1_000_000
            self.outstanding.removeFirst()
            // Closed first, so that whoever hears of the timeout finds the connection closed.
            self.fail(
                RedisError(code: .connectionClosed, message: "the connection to Redis at \(self.peerDescription) was closed after \(oldest.name) timed out"),
                context: context
            )
            oldest.promise.fail(RedisError(
                code: .timeout,
                message: "Redis at \(self.peerDescription) did not answer \(oldest.name) within \(milliseconds) ms; the connection is closed"
            ))
        }
    }

    // MARK: - The end

    func channelInactive(context: ChannelHandlerContext) {
        self.closeDown()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.closeDown()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let decoding = error as? RESPDecodingError {
            self.fail(RedisError(code: .protocolError, message: "Redis at \(self.peerDescription) sent bytes that are not RESP: \(decoding)"), context: context)
        } else {
            self.fail(RedisError(code: .connectionClosed, message: "the connection to Redis at \(self.peerDescription) failed: \(error)"), context: context)
        }
    }

    /// Ends the connection from this side: outstanding commands fail with `error`.
    private func fail(_ error: RedisError, context: ChannelHandlerContext) {
        if self.closeError == nil {
            self.closeError = error
        }
        self.closeDown()
        context.close(promise: nil)
    }

    private func closeDown() {
        self.isClosed = true
        self.timeoutCheck?.cancel()
        self.timeoutCheck = nil
        while let request = self.outstanding.popFirst() {
            request.promise.fail(self.closeError ?? RedisError(
                code: .connectionClosed,
                message: "the connection to Redis at \(self.peerDescription) closed before \(request.name) was answered"
            ))
        }
    }
}
