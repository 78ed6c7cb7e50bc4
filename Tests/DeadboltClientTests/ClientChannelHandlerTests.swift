@testable import DeadboltClient
import DeadboltProtocol
import NIOCore
import NIOEmbedded
import XCTest

/// The handler on an EmbeddedChannel: the frames it writes, and how it matches what the
/// daemon sends to outstanding requests. Tests read like transcripts.
final class ClientChannelHandlerTests: XCTestCase {
    private var channel: EmbeddedChannel!
    private var lostLocks: AsyncStream<LostLock>!

    override func setUpWithError() throws {
        try self.makeChannel()
    }

    override func tearDown() {
        _ = try? channel?.finish()  // fails what is still outstanding, as a close does
    }

    private func makeChannel(lastRequestID: UInt32 = 0, framed: Bool = false) throws {
        let (stream, continuation) = AsyncStream.makeStream(of: LostLock.self)
        lostLocks = stream
        channel = EmbeddedChannel()
        if framed {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
            try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
        }
        try channel.pipeline.syncOperations.addHandler(ClientChannelHandler(lostLocks: continuation, lastRequestID: lastRequestID))
        try channel.connect(to: SocketAddress(unixDomainSocketPath: "/deadbolt.sock")).wait()
    }

    // MARK: - Helpers

    /// Writes a request through the handler; returns where its answer will be.
    private func send(_ request: Request, cancellation: AcquireCancellation? = nil) -> Answer {
        let promise = channel.eventLoop.makePromise(of: Response.self)
        let answer = Answer()
        promise.futureResult.whenComplete { answer.result = $0 }
        channel.writeAndFlush(ClientCommand.request(request, promise: promise, cancellation: cancellation), promise: nil)
        return answer
    }

    /// The next frame body the handler wrote, decoded.
    private func sentFrame() throws -> RequestFrame? {
        guard var body = try channel.readOutbound(as: ByteBuffer.self) else { return nil }
        return try RequestFrame.decode(from: &body)
    }

    private func receive(_ message: ServerMessage) throws {
        var body = ByteBuffer()
        message.encode(into: &body)
        try channel.writeInbound(body)
    }

    private static let acquire = Request.acquire(AcquireRequest(resource: "r", waitMilliseconds: AcquireRequest.waitForever))
    private static let granted = Response.acquire(AcquireResponse(fencingToken: 7, holdCount: 1, ttlMilliseconds: 0))

    // MARK: - Ids and pipelining

    func testRequestsGetFreshIdsAndAnswersAreMatchedByIdNotOrder() throws {
        let first = send(Self.acquire)
        let second = send(.ping(PingRequest()))
        let third = send(.query(QueryRequest(resource: "r")))
        XCTAssertEqual(try sentFrame(), RequestFrame(requestID: 1, request: Self.acquire))
        XCTAssertEqual(try sentFrame(), RequestFrame(requestID: 2, request: .ping(PingRequest())))
        XCTAssertEqual(try sentFrame(), RequestFrame(requestID: 3, request: .query(QueryRequest(resource: "r"))))
        XCTAssertNil(try sentFrame())

        try receive(.response(requestID: 3, .query(QueryResponse(holders: [], waiters: []))))
        try receive(.response(requestID: 2, .ping(PingResponse())))
        XCTAssertNil(first.result)
        XCTAssertEqual(try second.response(), .ping(PingResponse()))
        XCTAssertEqual(try third.response(), .query(QueryResponse(holders: [], waiters: [])))
        try receive(.response(requestID: 1, Self.granted))
        XCTAssertEqual(try first.response(), Self.granted)
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testIdsWrapPastZero() throws {
        try makeChannel(lastRequestID: UInt32.max - 2)
        _ = send(Self.acquire)
        _ = send(.ping(PingRequest()))
        _ = send(.ping(PingRequest()))
        XCTAssertEqual(try sentFrame()?.requestID, UInt32.max - 1)
        XCTAssertEqual(try sentFrame()?.requestID, UInt32.max)
        XCTAssertEqual(try sentFrame()?.requestID, 1, "0 is reserved for LOST events")
    }

    func testTheSameWireBytesFedOneAtATime() throws {
        try makeChannel(framed: true)
        let answer = send(.ping(PingRequest()))
        var written = try XCTUnwrap(channel.readOutbound(as: ByteBuffer.self))
        XCTAssertEqual(Array(written.readableBytesView), [0, 0, 0, 5, 0x08, 0, 0, 0, 1])
        written.clear()

        var reply = ByteBuffer()
        ServerMessage.response(requestID: 1, .ping(PingResponse())).encode(into: &reply)
        var frame = ByteBuffer()
        try FrameEncoder().encode(data: reply, out: &frame)
        for byte in frame.readableBytesView {
            XCTAssertNil(answer.result)
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        XCTAssertEqual(try answer.response(), .ping(PingResponse()))
        XCTAssertTrue(try channel.finish().isClean)
    }

    // MARK: - Failures

    func testEveryFailureStatusBecomesItsCode() throws {
        let expected: [(WireStatus, DeadboltError.Code)] = [
            (.notGranted, .notGranted), (.waitTimeout, .waitTimeout), (.lockUnexist, .lockUnexist),
            (.lockBelongToOthers, .lockBelongToOthers), (.alreadyHeld, .alreadyHeld), (.cancelled, .cancelled),
            (.shuttingDown, .shuttingDown), (.invalidArgument, .invalidArgument), (.nameTooLong, .nameTooLong),
            (.quotaExceeded, .quotaExceeded), (.permissionDenied, .permissionDenied),
            (.upstreamUnavailable, .upstreamUnavailable), (.protocolError, .protocolError),
            (.unsupportedVersion, .unsupportedVersion), (.internal, .internal),
        ]
        XCTAssertEqual(expected.count, WireStatus.allKnown.count - 1, "every status but OK")
        for (index, (status, code)) in expected.enumerated() {
            let answer = send(Self.acquire)
            let id = try XCTUnwrap(sentFrame()).requestID
            try receive(.failure(requestID: id, type: .acquire, status: status, message: "because \(index)"))
            XCTAssertEqual(answer.error?.code, code, "\(status)")
            XCTAssertEqual(answer.error?.message, "because \(index)")
            XCTAssertEqual(answer.error?.code.description, status.name)
        }
        let unknown = send(.ping(PingRequest()))
        try receive(.failure(requestID: try XCTUnwrap(sentFrame()).requestID, type: .ping, status: WireStatus(rawValue: 99), message: ""))
        XCTAssertEqual(unknown.error?.code.description, "STATUS_99")
        XCTAssertTrue(channel.isActive, "failure statuses leave the connection open")
    }

    func testAnErrorFrameForARequestFailsThatRequestOnly() throws {
        let failed = send(.ping(PingRequest()))
        let other = send(.ping(PingRequest()))
        try receive(.error(requestID: 1, status: .protocolError, message: "unknown message type"))
        XCTAssertEqual(failed.error?.code, .protocolError)
        XCTAssertNil(other.result)
        XCTAssertTrue(channel.isActive)
    }

    func testAnErrorFrameTiedToNoRequestFailsEverythingWithItsStatusAndCloses() throws {
        let hello = send(.hello(HelloRequest(clientName: "t")))
        try receive(.error(requestID: 0, status: .quotaExceeded, message: "too many connections"))
        XCTAssertEqual(hello.error?.code, .quotaExceeded)
        XCTAssertFalse(channel.isActive)
    }

    func testAnAnswerToNoOutstandingRequestIsAProtocolErrorAndCloses() throws {
        let waiting = send(Self.acquire)
        try receive(.response(requestID: 42, .ping(PingResponse())))
        XCTAssertEqual(waiting.error?.code, .protocolError)
        XCTAssertFalse(channel.isActive)
    }

    func testAnAnswerOfTheWrongTypeIsAProtocolErrorAndCloses() throws {
        let waiting = send(Self.acquire)
        try receive(.response(requestID: 1, .ping(PingResponse())))
        XCTAssertEqual(waiting.error?.code, .protocolError)
        XCTAssertFalse(channel.isActive)
    }

    func testAnUnreadableFrameIsAProtocolErrorAndCloses() throws {
        let waiting = send(Self.acquire)
        try channel.writeInbound(ByteBuffer(bytes: [0x82, 0, 0]))
        XCTAssertEqual(waiting.error?.code, .protocolError)
        XCTAssertFalse(channel.isActive)
    }

    func testARequestLargerThanTheDaemonsFrameIsRefusedUnsent() throws {
        let hello = send(.hello(HelloRequest(clientName: "t")))
        _ = try sentFrame()
        try receive(.response(requestID: 1, .hello(HelloResponse(
            protocolVersion: 1, sessionID: 9, maxFrameBytes: 100, maxNameBytes: 255,
            maxLocksPerConnection: 10, maxWaitersPerConnection: 10, serverName: "test"
        ))))
        XCTAssertNotNil(try hello.response())
        let big = send(.query(QueryRequest(resource: String(repeating: "x", count: 100))))
        XCTAssertEqual(big.error?.code, .nameTooLong)
        XCTAssertNil(try sentFrame())
        let small = send(.query(QueryRequest(resource: String(repeating: "x", count: 80))))
        XCTAssertNil(small.result)
        XCTAssertNotNil(try sentFrame())
    }

    // MARK: - Close

    func testCloseFailsOutstandingRequestsEndsTheLostStreamAndRefusesNewOnes() async throws {
        let waiting = send(Self.acquire)
        try receive(.lost(LostEvent(resource: "r", owner: "", fencingToken: 3, reason: .leaseExpired)))
        channel.close(promise: nil)
        XCTAssertEqual(waiting.error?.code, .connectionClosed)
        let late = send(.ping(PingRequest()))
        XCTAssertEqual(late.error?.code, .connectionClosed)

        var events = lostLocks.makeAsyncIterator()
        let lost = await events.next()
        XCTAssertEqual(lost?.token, 3)
        XCTAssertNil(lost?.owner)
        XCTAssertEqual(lost?.reason, .leaseExpired)
        let end = await events.next()
        XCTAssertNil(end, "the stream finishes with the connection")
    }

    // MARK: - Cancel

    func testCancelOfAnOutstandingAcquireSendsCancelAndOfAnAnsweredOneNothing() throws {
        let cancellation = AcquireCancellation()
        XCTAssertTrue(cancellation.beginWriting())
        _ = send(Self.acquire, cancellation: cancellation)
        _ = try sentFrame()
        channel.writeAndFlush(ClientCommand.cancel(targetRequestID: 1, cancellation: cancellation), promise: nil)
        XCTAssertEqual(try sentFrame(), RequestFrame(requestID: 2, request: .cancel(CancelRequest(targetRequestID: 1))))
        try receive(.failure(requestID: 1, type: .acquire, status: .cancelled, message: "cancelled by request 2"))
        try receive(.response(requestID: 2, .cancel(CancelResponse(removedWaiter: true))))

        channel.writeAndFlush(ClientCommand.cancel(targetRequestID: 1, cancellation: cancellation), promise: nil)
        XCTAssertNil(try sentFrame(), "nothing to withdraw")
        XCTAssertTrue(channel.isActive, "the CANCEL's own answer was expected")
    }

    func testACancelMeantForAnEarlierRequestWithTheSameIdIsNotSent() throws {
        try makeChannel(lastRequestID: UInt32.max)
        let answered = AcquireCancellation()
        let current = AcquireCancellation()
        XCTAssertTrue(current.beginWriting())
        _ = send(Self.acquire, cancellation: current)
        XCTAssertEqual(try sentFrame()?.requestID, 1)
        channel.writeAndFlush(ClientCommand.cancel(targetRequestID: 1, cancellation: answered), promise: nil)
        XCTAssertNil(try sentFrame())
    }

    func testACancelThatArrivesWhileTheAcquireIsOnItsWayFollowsIt() throws {
        let cancellation = AcquireCancellation()
        XCTAssertTrue(cancellation.beginWriting())
        XCTAssertNil(cancellation.cancel(), "no id yet: the handler owes the CANCEL")
        _ = send(Self.acquire, cancellation: cancellation)
        XCTAssertEqual(try sentFrame()?.request, Self.acquire)
        XCTAssertEqual(try sentFrame(), RequestFrame(requestID: 2, request: .cancel(CancelRequest(targetRequestID: 1))))
    }

    func testACancelAfterTheAcquireWasSentNamesItsId() throws {
        let cancellation = AcquireCancellation()
        XCTAssertTrue(cancellation.beginWriting())
        _ = send(Self.acquire, cancellation: cancellation)
        XCTAssertEqual(cancellation.cancel(), 1)
        XCTAssertNil(cancellation.cancel(), "one CANCEL only")
    }

    func testAnAcquireCancelledBeforeWritingIsNotWritten() {
        let cancellation = AcquireCancellation()
        XCTAssertNil(cancellation.cancel())
        XCTAssertFalse(cancellation.beginWriting())
    }
}

/// Where a request's answer lands; the embedded loop completes promises on the test's thread.
private final class Answer: @unchecked Sendable {
    var result: Result<Response, any Error>?

    func response() throws -> Response? {
        try result?.get()
    }

    var error: DeadboltError? {
        guard case .failure(let error) = result else { return nil }
        return error as? DeadboltError
    }
}
