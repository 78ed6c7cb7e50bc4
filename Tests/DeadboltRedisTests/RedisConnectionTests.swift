import DeadboltRedis
import DeadboltTestKit
import NIOCore
import XCTest

/// One ``RedisConnection`` against a real redis-server on a temp Unix socket.
final class RedisConnectionTests: XCTestCase {
    private var sandbox: RedisSandbox!

    override func tearDown() {
        self.sandbox?.cleanUp()
    }

    private func start(_ arguments: [String] = []) throws {
        self.sandbox = try RedisSandbox(arguments: arguments)
    }

    func testAThousandPipelinedIncrementsAreAnsweredInOrder() async throws {
        try self.start()
        let connection = try await RedisConnection.connect(to: self.sandbox.url())
        let replies = (1...1_000).map { _ -> EventLoopFuture<RESPValue> in connection.send(["INCR", "counter"]) }
        let values = try await EventLoopFuture.whenAllSucceed(replies, on: connection.eventLoop).get()
        XCTAssertEqual(values, (1...1_000).map { RESPValue.integer(Int64($0)) })
        await connection.close()
    }

    func testAnErrorReplyIsReturnedNotThrown() async throws {
        try self.start()
        let connection = try await RedisConnection.connect(to: self.sandbox.url())
        let unknown = try await connection.send(["NOSUCHCOMMAND"])
        XCTAssertEqual(unknown.errorReply?.prefix, RedisErrorReply.generic)
        _ = try await connection.send(["SET", "s", "text"])
        let wrongType = try await connection.send(["INCR", "s"])
        XCTAssertEqual(wrongType.errorReply?.prefix, "ERR")
        _ = try await connection.send(["LPUSH", "l", "x"])
        await assertEqual(try await connection.send(["INCR", "l"]).errorReply?.prefix, RedisErrorReply.wrongType)
        await assertEqual(try await connection.send(["PING"]), .simpleString("PONG"))
        await connection.close()
    }

    func testBinaryAndLargeValuesRoundTrip() async throws {
        try self.start()
        let connection = try await RedisConnection.connect(to: self.sandbox.url())
        let binary = ByteBuffer(bytes: (0...255).map { UInt8($0) } + [0x0D, 0x0A])
        await assertEqual(try await connection.send(["SET", "binary", binary]), .simpleString("OK"))
        await assertEqual(try await connection.send(["GET", "binary"]), .bulkString(binary))
        let large = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4 << 20)  // arrives in many reads
        await assertEqual(try await connection.send(["SET", "large", large]), .simpleString("OK"))
        await assertEqual(try await connection.send(["GET", "large"]), .bulkString(large))
        await assertEqual(try await connection.send(["GET", "missing"]), .null)
        await assertEqual(
            try await connection.send(["MGET", "binary", "missing"]),
            .array([.bulkString(binary), .null])
        )
        await connection.close()
    }

    func testCommandsAfterCloseAreNotSent() async throws {
        try self.start()
        let connection = try await RedisConnection.connect(to: self.sandbox.url())
        await connection.close()
        XCTAssertFalse(connection.isActive)
        let error = await redisError { try await connection.send(["PING"]) }
        XCTAssertEqual(error?.code, .unavailable)
    }

    // MARK: - Handshake

    func testRequirePass() async throws {
        try self.start(["--requirepass", "s3cret"])
        let connection = try await RedisConnection.connect(to: self.sandbox.url(password: "s3cret"))
        await assertEqual(try await connection.send(["PING"]), .simpleString("PONG"))
        await connection.close()

        let wrong = await redisError { try await RedisConnection.connect(to: self.sandbox.url(password: "wrong-guess")) }
        XCTAssertEqual(wrong?.code, .authenticationFailed)
        XCTAssertTrue(wrong?.message.contains("WRONGPASS") ?? false, "\(String(describing: wrong))")
        XCTAssertFalse(wrong?.message.contains("wrong-guess") ?? true, "the message shows the password")

        let none = await redisError { try await RedisConnection.connect(to: self.sandbox.url()) }
        XCTAssertEqual(none?.code, .authenticationFailed)
        XCTAssertTrue(none?.message.contains("NOAUTH") ?? false, "\(String(describing: none))")
    }

    func testACLUserThroughUnixURLParameters() async throws {
        try self.start()
        let admin = try await RedisConnection.connect(to: self.sandbox.url())
        await assertEqual(try await admin.send(["ACL", "SETUSER", "deadbolt", "on", ">secret", "~*", "&*", "+@all"]), .simpleString("OK"))
        await admin.close()

        let url = try RedisURL("unix://\(self.sandbox.server.socketPath)?user=deadbolt&password=secret")
        let connection = try await RedisConnection.connect(to: url)
        await assertEqual(try await connection.send(["ACL", "WHOAMI"]).string, "deadbolt")
        await connection.close()

        let wrong = try RedisURL("unix://\(self.sandbox.server.socketPath)?user=deadbolt&password=nope")
        let error = await redisError { try await RedisConnection.connect(to: wrong) }
        XCTAssertEqual(error?.code, .authenticationFailed)
        XCTAssertTrue(error?.message.contains("WRONGPASS") ?? false, "\(String(describing: error))")
        XCTAssertTrue(error?.message.contains("user \"deadbolt\"") ?? false, "\(String(describing: error))")
    }

    func testSelect() async throws {
        try self.start()
        let three = try await RedisConnection.connect(to: self.sandbox.url(database: 3))
        await assertEqual(try await three.send(["SET", "where", "three"]), .simpleString("OK"))
        let zero = try await RedisConnection.connect(to: self.sandbox.url())
        await assertEqual(try await zero.send(["GET", "where"]), .null)
        let threeAgain = try await RedisConnection.connect(to: try RedisURL("unix://\(self.sandbox.server.socketPath)?db=3"))
        await assertEqual(try await threeAgain.send(["GET", "where"]).string, "three")
        for connection in [three, zero, threeAgain] {
            await connection.close()
        }

        let outOfRange = await redisError { try await RedisConnection.connect(to: self.sandbox.url(database: 99)) }
        XCTAssertEqual(outOfRange?.code, .connectFailed)
        XCTAssertTrue(outOfRange?.message.contains("SELECT 99") ?? false, "\(String(describing: outOfRange))")
    }

    func testNothingListening() async throws {
        try self.start()
        let url = RedisURL(address: .unixSocket(path: self.sandbox.directory + "/nothing.sock"))
        let error = await redisError { try await RedisConnection.connect(to: url) }
        XCTAssertEqual(error?.code, .connectFailed)
    }

    // MARK: - Timeouts

    func testALateReplyTimesOut() async throws {
        try self.start()
        var configuration = RedisConnection.Configuration()
        configuration.commandTimeoutMilliseconds = 200
        let pauser = try await RedisConnection.connect(to: self.sandbox.url())
        let connection = try await RedisConnection.connect(to: self.sandbox.url(), configuration: configuration)
        // Redis answers no client's command for 1 s.
        await assertEqual(try await pauser.send(["CLIENT", "PAUSE", 1_000, "ALL"]), .simpleString("OK"))
        let stopwatch = Stopwatch()
        let error = await redisError { try await connection.send(["PING"]) }
        XCTAssertEqual(error?.code, .timeout)
        XCTAssertGreaterThanOrEqual(stopwatch.elapsedMilliseconds, 199)
        XCTAssertLessThan(stopwatch.elapsedMilliseconds, 1_500)
        XCTAssertFalse(connection.isActive)
        await pauser.close()
    }
}
