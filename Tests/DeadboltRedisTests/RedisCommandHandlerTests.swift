@testable import DeadboltRedis
import NIOCore
import NIOEmbedded
import XCTest

/// The command handler on an EmbeddedChannel, behind the real decoder and encoder: the bytes
/// it writes, and how it matches what Redis sends. Tests read like transcripts.
final class RedisCommandHandlerTests: XCTestCase {
    private var channel: EmbeddedChannel!
    private var pushes: PushRecorder!

    /// Where a reply or failure lands.
    private final class Answer: @unchecked Sendable {  // touched only on the embedded loop, the test's thread
        var result: Result<RESPValue, any Error>?

        func reply() throws -> RESPValue? {
            try self.result?.get()
        }

        var errorCode: RedisError.Code? {
            guard case .failure(let error) = self.result else { return nil }
            return (error as? RedisError)?.code
        }
    }

    private final class PushRecorder: @unchecked Sendable {
        var values: [RESPValue] = []  // only touched on the embedded loop's (the test's) thread
    }

    override func tearDown() {
        _ = try? self.channel?.finish()
    }

    private func makeChannel(commandTimeoutMilliseconds: Int64? = nil, isPubSub: Bool = false) throws {
        let pushes = PushRecorder()
        self.pushes = pushes
        self.channel = EmbeddedChannel()
        try self.channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(RESPDecoder()),
            MessageToByteHandler(RESPEncoder()),
            RedisCommandHandler(
                peerDescription: "unix:///redis.sock",
                commandTimeout: commandTimeoutMilliseconds.map { .milliseconds($0) },
                isPubSub: isPubSub,
                onPush: { pushes.values.append($0) }
            ),
        ])
        try self.channel.connect(to: SocketAddress(unixDomainSocketPath: "/redis.sock")).wait()
    }

    private func send(_ arguments: [any RedisArgumentConvertible]) -> Answer {
        let promise = self.channel.eventLoop.makePromise(of: RESPValue.self)
        let answer = Answer()
        promise.futureResult.whenComplete { answer.result = $0 }
        self.channel.writeAndFlush(RedisRequest(command: RedisCommand(arguments), promise: promise), promise: nil)
        return answer
    }

    private func sent() throws -> String? {
        try self.channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }
    }

    /// Redis's bytes, one at a time.
    private func receive(_ text: String) throws {
        for byte in text.utf8 {
            try self.channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
    }

    // MARK: - Pipelining

    func testRepliesAreMatchedFirstInFirstOut() throws {
        try self.makeChannel()
        let set = self.send(["SET", "k", "v"])
        let incr = self.send(["INCR", "n"])
        let eval = self.send(["EVALSHA", "abc", 0])
        XCTAssertEqual(try self.sent(), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
        XCTAssertEqual(try self.sent(), "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n")
        XCTAssertEqual(try self.sent(), "*3\r\n$7\r\nEVALSHA\r\n$3\r\nabc\r\n$1\r\n0\r\n")
        XCTAssertNil(try self.sent())

        try self.receive("+OK\r\n:4")
        XCTAssertEqual(try set.reply(), .simpleString("OK"))
        XCTAssertNil(incr.result)
        try self.receive("\r\n-NOSCRIPT No matching script. Please use EVAL.\r\n")
        XCTAssertEqual(try incr.reply(), .integer(4))
        // An error reply is a reply, not a failure.
        XCTAssertEqual(try eval.reply()?.errorReply?.prefix, "NOSCRIPT")
        XCTAssertTrue(try self.channel.finish().isClean)
    }

    func testAReplyWithNothingOutstandingIsAProtocolError() throws {
        try self.makeChannel()
        try self.receive("+OK\r\n")
        XCTAssertFalse(self.channel.isActive)
        let late = self.send(["PING"])
        XCTAssertEqual(late.errorCode, .unavailable)
    }

    // MARK: - The end

    func testACloseFailsOutstandingCommandsAndRefusesLaterOnes() throws {
        try self.makeChannel()
        let first = self.send(["GET", "a"])
        let second = self.send(["GET", "b"])
        try self.receive("$1\r\n1\r\n")
        XCTAssertEqual(try first.reply(), bulk("1"))
        try self.channel.close().wait()
        XCTAssertEqual(second.errorCode, .connectionClosed)
        let third = self.send(["GET", "c"])
        XCTAssertEqual(third.errorCode, .unavailable)
    }

    func testBytesThatAreNotRESPFailOutstandingCommandsAndClose() throws {
        try self.makeChannel()
        let get = self.send(["GET", "a"])
        try self.receive("?")  // the handler reports it by failing the commands, then closes
        XCTAssertEqual(get.errorCode, .protocolError)
        XCTAssertFalse(self.channel.isActive)
    }

    // MARK: - Timeouts

    func testALateReplyFailsWithTimeoutAndClosesTheConnection() throws {
        try self.makeChannel(commandTimeoutMilliseconds: 100)
        let first = self.send(["GET", "a"])
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(60))
        let second = self.send(["GET", "b"])
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(39))
        XCTAssertNil(first.result)
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        XCTAssertEqual(first.errorCode, .timeout)
        XCTAssertEqual(second.errorCode, .connectionClosed)
        XCTAssertFalse(self.channel.isActive)
    }

    func testTheCheckMovesOnToTheNextCommand() throws {
        try self.makeChannel(commandTimeoutMilliseconds: 100)
        let first = self.send(["GET", "a"])
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(50))
        let second = self.send(["GET", "b"])
        try self.receive("$-1\r\n")
        XCTAssertEqual(try first.reply(), .null)
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(50))  // first's deadline: second is not due
        XCTAssertNil(second.result)
        XCTAssertTrue(self.channel.isActive)
        self.channel.embeddedEventLoop.advanceTime(by: .milliseconds(50))
        XCTAssertEqual(second.errorCode, .timeout)
    }

    // MARK: - Out-of-band values

    func testRESP3PushesAreNotReplies() throws {
        try self.makeChannel()
        let get = self.send(["GET", "a"])
        try self.receive(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n$1\r\nv\r\n")
        XCTAssertEqual(self.pushes.values, [.push([bulk("invalidate"), .array([bulk("a")])])])
        XCTAssertEqual(try get.reply(), bulk("v"))
    }

    func testOnACommandConnectionAMessageArrayIsAReply() throws {
        try self.makeChannel()
        let range = self.send(["LRANGE", "l", 0, -1])
        try self.receive("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n")
        XCTAssertEqual(try range.reply(), .array([bulk("message"), bulk("c"), bulk("p")]))
        XCTAssertEqual(self.pushes.values, [])
    }

    func testPubSubInRESP2() throws {
        try self.makeChannel(isPubSub: true)
        let subscribe = self.send(["SUBSCRIBE", "lock:a"])
        XCTAssertEqual(try self.sent(), "*2\r\n$9\r\nSUBSCRIBE\r\n$6\r\nlock:a\r\n")
        try self.receive("*3\r\n$9\r\nsubscribe\r\n$6\r\nlock:a\r\n:1\r\n")
        XCTAssertEqual(try subscribe.reply(), .array([bulk("subscribe"), bulk("lock:a"), .integer(1)]))
        try self.receive("*3\r\n$7\r\nmessage\r\n$6\r\nlock:a\r\n$8\r\nreleased\r\n")
        XCTAssertEqual(self.pushes.values, [.array([bulk("message"), bulk("lock:a"), bulk("released")])])
        XCTAssertEqual(RedisPubSubMessage(self.pushes.values[0]), RedisPubSubMessage(channel: "lock:a", payload: ByteBuffer(string: "released")))
        let unsubscribe = self.send(["UNSUBSCRIBE", "lock:a"])
        try self.receive("*3\r\n$11\r\nunsubscribe\r\n$6\r\nlock:a\r\n:0\r\n")
        XCTAssertEqual(try unsubscribe.reply()?.elements?.first, bulk("unsubscribe"))
    }

    func testPubSubInRESP3() throws {
        try self.makeChannel(isPubSub: true)
        let subscribe = self.send(["SUBSCRIBE", "lock:a"])
        try self.receive(">3\r\n$9\r\nsubscribe\r\n$6\r\nlock:a\r\n:1\r\n")
        XCTAssertEqual(try subscribe.reply(), .push([bulk("subscribe"), bulk("lock:a"), .integer(1)]))
        try self.receive(">3\r\n$7\r\nmessage\r\n$6\r\nlock:a\r\n$8\r\nreleased\r\n")
        XCTAssertEqual(self.pushes.values.compactMap(RedisPubSubMessage.init), [
            RedisPubSubMessage(channel: "lock:a", payload: ByteBuffer(string: "released")),
        ])
        let ping = self.send(["PING"])
        try self.receive("+PONG\r\n")
        XCTAssertEqual(try ping.reply(), .simpleString("PONG"))
    }
}
