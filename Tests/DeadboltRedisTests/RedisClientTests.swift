import DeadboltRedis
import DeadboltTestKit
import NIOCore
import XCTest

/// ``RedisClient`` against a real redis-server that is killed and restarted under it.
final class RedisClientTests: XCTestCase {
    private var sandbox: RedisSandbox!
    private var client: RedisClient?

    override func tearDown() async throws {
        await self.client?.close()
        self.sandbox?.cleanUp()
    }

    /// A started client, and its events from before the start.
    private func startClient(url: RedisURL? = nil) -> (RedisClient, Inbox<RedisConnectionEvent>) {
        let client = RedisClient(url: url ?? self.sandbox.url(), configuration: testConfiguration)
        self.client = client
        let events = Inbox(client.connectionEvents())
        client.start()
        return (client, events)
    }

    func testCommandsBeforeStartAndAfterClose() async throws {
        self.sandbox = try RedisSandbox()
        let client = RedisClient(url: self.sandbox.url())
        XCTAssertFalse(client.isConnected)
        await assertEqual(await redisError { try await client.send(["PING"]) }?.code, .unavailable)
        let events = Inbox(client.connectionEvents())
        client.start()
        await assertEqual(try await events.next(), .connected)
        XCTAssertTrue(client.isConnected)
        await assertEqual(try await client.send(["PING"]), .simpleString("PONG"))
        await client.close()
        XCTAssertFalse(client.isConnected)
        await assertEqual(await redisError { try await client.send(["PING"]) }?.code, .clientClosed)
        do {
            _ = try await events.next(timeoutSeconds: 5)
            XCTFail("the event stream should have finished")
        } catch is Inbox<RedisConnectionEvent>.Finished {}
    }

    func testWhileRedisIsDownSendFailsPromptlyAndAfterARestartTheSameClientWorks() async throws {
        self.sandbox = try RedisSandbox()
        let (client, events) = self.startClient()
        await assertEqual(try await events.next(), .connected)
        await assertEqual(try await client.send(["SET", "k", "before"]), .simpleString("OK"))

        self.sandbox.server.kill()
        // Before the client has even noticed: prompt, and never a hang.
        let right = Stopwatch()
        let immediate = await redisError { try await client.send(["GET", "k"]) }
        XCTAssertTrue([.unavailable, .connectionClosed].contains(immediate?.code), "\(String(describing: immediate))")
        XCTAssertLessThan(right.elapsedMilliseconds, 500)

        await assertEqual(try await events.next(), .disconnected)
        XCTAssertFalse(client.isConnected)
        for _ in 0..<20 {  // across several reconnection attempts
            let stopwatch = Stopwatch()
            let error = await redisError { try await client.send(["GET", "k"]) }
            XCTAssertEqual(error?.code, .unavailable, "\(String(describing: error))")
            XCTAssertLessThan(stopwatch.elapsedMilliseconds, 100)
        }

        try self.sandbox.server.restart()
        await assertEqual(try await events.next(), .connected)
        XCTAssertTrue(client.isConnected)
        await assertEqual(try await client.send(["GET", "k"]), .null, "a fresh Redis without persistence")
        await assertEqual(try await client.send(["SET", "k", "after"]), .simpleString("OK"))
        await assertEqual(try await client.send(["GET", "k"]).string, "after")
    }

    func testAClientStartedWhileRedisIsDownConnectsWhenItComesUp() async throws {
        self.sandbox = try RedisSandbox()
        self.sandbox.server.stop()
        let (client, events) = self.startClient()
        let error = await redisError { try await client.send(["PING"]) }
        XCTAssertEqual(error?.code, .unavailable)
        try self.sandbox.server.restart()
        await assertEqual(try await events.next(), .connected)
        await assertEqual(try await client.send(["PING"]), .simpleString("PONG"))
    }

    func testReconnectionLogsInAgain() async throws {
        self.sandbox = try RedisSandbox(arguments: ["--requirepass", "s3cret"])
        let (client, events) = self.startClient(url: self.sandbox.url(password: "s3cret", database: 2))
        await assertEqual(try await events.next(), .connected)
        await assertEqual(try await client.send(["SET", "db", "two"]), .simpleString("OK"))
        self.sandbox.server.kill()
        await assertEqual(try await events.next(), .disconnected)
        try self.sandbox.server.restart()
        await assertEqual(try await events.next(), .connected)
        await assertEqual(try await client.send(["SET", "db", "two"]), .simpleString("OK"))
        // The key is in database 2: SELECT was sent again.
        let zero = try await RedisConnection.connect(to: self.sandbox.url(password: "s3cret"))
        await assertEqual(try await zero.send(["GET", "db"]), .null)
        await assertEqual(try await zero.send(["SELECT", 2]), .simpleString("OK"))
        await assertEqual(try await zero.send(["GET", "db"]).string, "two")
        await zero.close()
    }

    func testPipeliningThroughTheClient() async throws {
        self.sandbox = try RedisSandbox()
        let (client, events) = self.startClient()
        await assertEqual(try await events.next(), .connected)
        let replies = (1...1_000).map { _ -> EventLoopFuture<RESPValue> in client.send(["INCR", "n"]) }
        let values = try await EventLoopFuture.whenAllSucceed(replies, on: client.eventLoop).get()
        XCTAssertEqual(values, (1...1_000).map { RESPValue.integer(Int64($0)) })
    }

    // MARK: - Scripts

    private static let increment = RedisScript(source: "return redis.call('INCRBY', KEYS[1], ARGV[1])")

    func testEvalScriptRecoversFromAScriptFlushMidRun() async throws {
        self.sandbox = try RedisSandbox()
        let (client, events) = self.startClient()
        await assertEqual(try await events.next(), .connected)
        for run in 1...200 {
            if run == 101 {
                await assertEqual(try await client.send(["SCRIPT", "FLUSH"]), .simpleString("OK"))
            }
            let reply = try await client.evalScript(Self.increment, keys: ["counter"], arguments: [1])
            XCTAssertEqual(reply, .integer(Int64(run)))
        }
        // Concurrent runs across a flush: each still runs exactly once.
        try await withThrowingTaskGroup(of: RESPValue.self) { group in
            for index in 0..<100 {
                group.addTask {
                    if index == 50 {
                        _ = try await client.send(["SCRIPT", "FLUSH"])
                    }
                    return try await client.evalScript(Self.increment, keys: ["counter"], arguments: [1])
                }
            }
            for try await reply in group {
                XCTAssertNil(reply.errorReply, "\(reply)")
            }
        }
        await assertEqual(try await client.send(["GET", "counter"]).string, "300")
    }

    func testEvalScriptAfterARedisRestart() async throws {
        self.sandbox = try RedisSandbox()
        let (client, events) = self.startClient()
        await assertEqual(try await events.next(), .connected)
        await assertEqual(try await client.evalScript(Self.increment, keys: ["n"], arguments: [5]), .integer(5))
        self.sandbox.server.kill()
        await assertEqual(try await events.next(), .disconnected)
        try self.sandbox.server.restart()
        await assertEqual(try await events.next(), .connected)
        await assertEqual(try await client.evalScript(Self.increment, keys: ["n"], arguments: [5]), .integer(5))
    }

    func testScriptErrorsAreReplies() async throws {
        self.sandbox = try RedisSandbox()
        let (client, events) = self.startClient()
        await assertEqual(try await events.next(), .connected)
        let failing = try await client.evalScript(RedisScript(source: "return redis.call('NOSUCHCOMMAND')"))
        XCTAssertNotNil(failing.errorReply, "\(failing)")
        let broken = try await client.evalScript(RedisScript(source: "this is not lua"))
        XCTAssertEqual(broken.errorReply?.prefix, "ERR", "\(broken)")
        let table = try await client.evalScript(RedisScript(source: "return {KEYS[1], ARGV[1], 3}"), keys: ["k"], arguments: ["a"])
        XCTAssertEqual(table, .array([bulk("k"), bulk("a"), .integer(3)]))
    }
}
