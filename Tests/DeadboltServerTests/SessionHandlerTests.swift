@testable import DeadboltServer
import DeadboltProtocol
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import XCTest

/// The connection handler on an EmbeddedChannel: bytes in, exact frames out,
/// fed all at once and one byte at a time.
final class SessionHandlerTests: XCTestCase {
    private var stateDirectory = ""

    override func setUp() {
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("deadbolt-handler-\(UUID().uuidString.prefix(8))").path
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    private func makeChannel() throws -> EmbeddedChannel {
        let loop = EmbeddedEventLoop()
        let store = StateStore(directory: stateDirectory)
        try store.prepare()
        var configuration = ServerConfiguration(listener: .path("/unused"), stateDirectory: stateDirectory)
        configuration.serverName = "test"
        let service = LockService(
            configuration: configuration, fencingFloor: 0, graceUntil: nil, stateStore: store, eventLoop: loop,
            logger: Logger(label: "test")
        )
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(SessionHandler(service: service))
        try channel.connect(to: SocketAddress(unixDomainSocketPath: "/unused")).wait()
        return channel
    }

    private func frame(_ id: UInt32, _ request: Request) -> [UInt8] {
        var body = ByteBuffer()
        RequestFrame(requestID: id, request: request).encode(into: &body)
        var framed = ByteBuffer()
        framed.writeInteger(UInt32(body.readableBytes))
        framed.writeBuffer(&body)
        return Array(framed.readableBytesView)
    }

    /// Every frame written so far, decoded.
    private func written(_ channel: EmbeddedChannel) throws -> [ServerMessage] {
        var stream = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { stream.writeBuffer(&chunk) }
        var messages: [ServerMessage] = []
        while let length = stream.readInteger(as: UInt32.self) {
            var body = try XCTUnwrap(stream.readSlice(length: Int(length)))
            messages.append(try ServerMessage.decode(from: &body))
        }
        XCTAssertEqual(stream.readableBytes, 0, "a partial frame was written")
        return messages
    }

    private func exchange(byteByByte: Bool) throws {
        let channel = try makeChannel()
        let bytes = frame(1, .hello(HelloRequest(protocolVersion: 1, clientName: "embedded")))
            + frame(2, .acquire(AcquireRequest(resource: "db", owner: "", mode: .exclusive, flags: [], ttlMilliseconds: 0, waitMilliseconds: 0)))
            + frame(3, .acquire(AcquireRequest(resource: "db", owner: "", mode: .exclusive, flags: [], ttlMilliseconds: 0, waitMilliseconds: 0)))
            + frame(4, .release(ReleaseRequest(resource: "db", owner: "")))
            + frame(5, .ping(PingRequest()))
        if byteByByte {
            for byte in bytes { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        } else {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
        }
        let answers = try written(channel)
        XCTAssertEqual(answers.count, 5)
        guard case .response(1, .hello(let hello)) = answers[0] else { return XCTFail("\(answers[0])") }
        XCTAssertEqual(hello.protocolVersion, 1)
        XCTAssertEqual(hello.serverName, "test")
        XCTAssertEqual(answers[1], .response(requestID: 2, .acquire(AcquireResponse(fencingToken: 1, holdCount: 1, ttlMilliseconds: 0))))
        XCTAssertEqual(answers[2], .failure(requestID: 3, type: .acquire, status: .alreadyHeld, message: "this owner already holds db"))
        XCTAssertEqual(answers[3], .response(requestID: 4, .release(ReleaseResponse(remainingHoldCount: 0))))
        XCTAssertEqual(answers[4], .response(requestID: 5, .ping(PingResponse())))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testAnExchangeFedAllAtOnce() throws {
        try exchange(byteByByte: false)
    }

    func testTheSameExchangeFedOneByteAtATime() throws {
        try exchange(byteByByte: true)
    }

    func testAnOverlongLengthGetsAnErrorFrameAndTheConnectionCloses() throws {
        let channel = try makeChannel()
        // The handler answers the framing error itself; it does not travel further.
        try channel.writeInbound(ByteBuffer(bytes: [0x7F, 0xFF, 0xFF, 0xFF]))
        let answers = try written(channel)
        XCTAssertEqual(answers.count, 1)
        XCTAssertEqual(answers.first?.status, .protocolError)
        XCTAssertFalse(channel.isActive)
    }

    func testOneTurnHandlesAtMostFramesPerTurnAndTheRestAfterOtherConnectionsHadTheirs() throws {
        let channel = try makeChannel()
        let loop = try XCTUnwrap(channel.eventLoop as? EmbeddedEventLoop)
        let count = SessionHandler.framesPerTurn + 44
        var bytes = frame(1, .hello(HelloRequest(protocolVersion: 1, clientName: "embedded")))
        for id in 2...UInt32(count) { bytes += frame(id, .ping(PingRequest())) }
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        XCTAssertEqual(try written(channel).count, SessionHandler.framesPerTurn, "one turn's worth")
        loop.advanceTime(by: .nanoseconds(Int64(LockService.stepGapNanoseconds)))
        let rest = try written(channel)
        XCTAssertEqual(rest.count, count - SessionHandler.framesPerTurn)
        XCTAssertEqual(rest.last, .response(requestID: UInt32(count), .ping(PingResponse())), "in order, none lost")
    }

    func testThePartialFrameDeadlineCountsOnlyTimeTheDaemonSpendsReading() throws {
        let channel = try makeChannel()
        let loop = try XCTUnwrap(channel.eventLoop as? EmbeddedEventLoop)
        try channel.writeInbound(ByteBuffer(bytes: frame(1, .hello(HelloRequest(protocolVersion: 1, clientName: "embedded")))))
        XCTAssertEqual(try written(channel).count, 1)
        let ping = frame(2, .ping(PingRequest()))
        let deadlineMilliseconds = ServerConfiguration(listener: .path("/unused"), stateDirectory: "/unused").partialFrameTimeoutMilliseconds
        try channel.writeInbound(ByteBuffer(bytes: ping.prefix(3)))  // read just before the answers back up

        // Backed up: the daemon reads nothing, so the rest of the frame
        // cannot arrive, and its deadline does not run.
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        loop.advanceTime(by: .seconds(60))
        XCTAssertTrue(channel.isActive, "closed for a frame the daemon did not read")
        XCTAssertEqual(try written(channel), [])

        // Reading again: the peer now has the whole deadline to finish it.
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        loop.advanceTime(by: .milliseconds(deadlineMilliseconds - 1))
        XCTAssertTrue(channel.isActive)
        try channel.writeInbound(ByteBuffer(bytes: ping.dropFirst(3)))
        XCTAssertEqual(try written(channel), [.response(requestID: 2, .ping(PingResponse()))])

        // A frame left incomplete while the daemon reads is closed at its deadline.
        try channel.writeInbound(ByteBuffer(bytes: ping.prefix(3)))
        loop.advanceTime(by: .milliseconds(deadlineMilliseconds))
        guard case .error(0, .protocolError, _)? = try written(channel).first else { return XCTFail("no ERROR at the deadline") }
    }
}
