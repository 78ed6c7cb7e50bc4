import DeadboltRedis
import DeadboltTestKit
import NIOCore
import XCTest

/// ``RedisSubscriber`` against a real redis-server, with a ``RedisConnection`` to publish.
final class RedisSubscriberTests: XCTestCase {
    private var sandbox: RedisSandbox!
    private var subscriber: RedisSubscriber?

    override func tearDown() async throws {
        await self.subscriber?.close()
        self.sandbox?.cleanUp()
    }

    private func startSubscriber(url: RedisURL? = nil) -> (RedisSubscriber, Inbox<RedisConnectionEvent>, Inbox<RedisPubSubMessage>) {
        let subscriber = RedisSubscriber(url: url ?? self.sandbox.url(), configuration: testConfiguration)
        self.subscriber = subscriber
        let events = Inbox(subscriber.connectionEvents())
        let messages = Inbox(subscriber.messages)
        subscriber.start()
        return (subscriber, events, messages)
    }

    /// Publishes with a connection of its own; returns how many subscribers received it.
    private func publish(_ channel: String, _ payload: String) async throws -> Int64? {
        let publisher = try await RedisConnection.connect(to: self.sandbox.url())
        defer { publisher.close() }
        return try await publisher.send(["PUBLISH", channel, payload]).integer
    }

    private func message(_ channel: String, _ payload: String) -> RedisPubSubMessage {
        RedisPubSubMessage(channel: channel, payload: ByteBuffer(string: payload))
    }

    func testAPublishedMessageArrives() async throws {
        self.sandbox = try RedisSandbox()
        let (subscriber, events, messages) = self.startSubscriber()
        await assertEqual(try await events.next(), .connected)
        XCTAssertTrue(subscriber.isConnected)
        try await subscriber.subscribe("lock:a")
        try await subscriber.subscribe("lock:b")
        await assertEqual(try await self.publish("lock:a", "released"), 1)
        await assertEqual(try await self.publish("lock:b", "granted"), 1)
        await assertEqual(try await self.publish("lock:c", "nobody"), 0)
        await assertEqual(try await messages.next(), self.message("lock:a", "released"))
        await assertEqual(try await messages.next(), self.message("lock:b", "granted"))

        try await subscriber.unsubscribe("lock:a")
        await assertEqual(try await self.publish("lock:a", "unheard"), 0)
        await assertEqual(try await self.publish("lock:b", "heard"), 1)
        await assertEqual(try await messages.next(), self.message("lock:b", "heard"))
    }

    func testAfterARestartEveryChannelIsSubscribedAgain() async throws {
        self.sandbox = try RedisSandbox()
        let (subscriber, events, messages) = self.startSubscriber()
        await assertEqual(try await events.next(), .connected)
        for channel in ["lock:a", "lock:b", "lock:c"] {
            try await subscriber.subscribe(channel)
        }
        try await subscriber.unsubscribe("lock:c")
        await assertEqual(try await self.publish("lock:a", "one"), 1)
        await assertEqual(try await messages.next(), self.message("lock:a", "one"))

        self.sandbox.server.kill()
        await assertEqual(try await events.next(), .disconnected)
        XCTAssertFalse(subscriber.isConnected)
        try self.sandbox.server.restart()
        // Reported only once the channels are subscribed again.
        await assertEqual(try await events.next(), .connected)
        XCTAssertTrue(subscriber.isConnected)
        await assertEqual(try await self.publish("lock:a", "two"), 1)
        await assertEqual(try await self.publish("lock:b", "three"), 1)
        await assertEqual(try await self.publish("lock:c", "forgotten"), 0)
        await assertEqual(try await messages.next(), self.message("lock:a", "two"))
        await assertEqual(try await messages.next(), self.message("lock:b", "three"))
    }

    func testAChannelAskedForWhileDownIsSubscribedAtTheNextConnect() async throws {
        self.sandbox = try RedisSandbox()
        let (subscriber, events, messages) = self.startSubscriber()
        await assertEqual(try await events.next(), .connected)
        self.sandbox.server.kill()
        await assertEqual(try await events.next(), .disconnected)
        let error = await redisError { try await subscriber.subscribe("lock:later") }
        XCTAssertEqual(error?.code, .unavailable)
        try self.sandbox.server.restart()
        await assertEqual(try await events.next(), .connected)
        await assertEqual(try await self.publish("lock:later", "now"), 1)
        await assertEqual(try await messages.next(), self.message("lock:later", "now"))
    }

    func testBinaryPayloads() async throws {
        self.sandbox = try RedisSandbox()
        let (subscriber, events, messages) = self.startSubscriber()
        await assertEqual(try await events.next(), .connected)
        try await subscriber.subscribe("bin")
        let payload = ByteBuffer(bytes: [0x00, 0x0D, 0x0A, 0xFF])
        let publisher = try await RedisConnection.connect(to: self.sandbox.url())
        await assertEqual(try await publisher.send(["PUBLISH", "bin", payload]), .integer(1))
        await publisher.close()
        await assertEqual(try await messages.next(), RedisPubSubMessage(channel: "bin", payload: payload))
    }

    func testAForbiddenChannelIsRefusedAndForgotten() async throws {
        self.sandbox = try RedisSandbox()
        let admin = try await RedisConnection.connect(to: self.sandbox.url())
        await assertEqual(
            try await admin.send(["ACL", "SETUSER", "waiter", "on", ">pw", "resetchannels", "&lock:*", "+@all", "~*"]),
            .simpleString("OK")
        )
        await admin.close()
        let (subscriber, events, _) = self.startSubscriber(url: self.sandbox.url(user: "waiter", password: "pw"))
        await assertEqual(try await events.next(), .connected)
        try await subscriber.subscribe("lock:a")
        let error = await redisError { try await subscriber.subscribe("secret") }
        XCTAssertEqual(error?.code, .errorReply)
        XCTAssertTrue(error?.message.contains("NOPERM") ?? false, "\(String(describing: error))")
        await assertEqual(try await self.publish("lock:a", "still here"), 1)
    }

    func testCloseFinishesTheStreams() async throws {
        self.sandbox = try RedisSandbox()
        let (subscriber, events, messages) = self.startSubscriber()
        await assertEqual(try await events.next(), .connected)
        await subscriber.close()
        XCTAssertFalse(subscriber.isConnected)
        do {
            _ = try await messages.next(timeoutSeconds: 5)
            XCTFail("messages should have finished")
        } catch is Inbox<RedisPubSubMessage>.Finished {}
        let error = await redisError { try await subscriber.subscribe("x") }
        XCTAssertEqual(error?.code, .clientClosed)
    }
}
