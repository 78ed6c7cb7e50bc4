import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A Redis client for commands: one pipelined connection, reopened whenever it is lost.
///
/// While Redis is unreachable every command fails at once with
/// ``RedisError/Code/unavailable`` (it was not sent), and the client keeps trying to
/// reconnect with capped exponential backoff (``RedisReconnectBackoff``); once Redis is back
/// the same client works again. ``connectionEvents()`` tells listeners of each connect and
/// disconnect. An error reply is a value (``RESPValue/error(_:)``), never thrown.
///
/// ```swift
/// let client = RedisClient(url: try RedisURL("unix:///run/redis/redis.sock"))
/// client.start()
/// let reply = try await client.send(["SET", "lock:report", owner, "NX", "PX", 10_000])
/// await client.close()
/// ```
///
/// All methods may be called from any thread or task. Call ``close()`` when done; a client
/// dropped without it stops reconnecting and closes its connection as it is deinitialised.
public final class RedisClient: Sendable {
    /// Where the client connects.
    public let url: RedisURL
    /// The event loop of the client's connection; its futures complete there.
    public var eventLoop: any EventLoop { self.runner.eventLoop }

    let runner: ReconnectingConnection
    private let events: RedisConnectionEventBroadcaster
    /// Script source → the SHA-1 that `SCRIPT LOAD` returned for it.
    let scriptHashes = NIOLockedValueBox<[String: String]>([:])

    /// A logger that drops everything: the default, so a library never writes unasked.
    public static let silentLogger = Logger(label: "deadbolt.redis", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A client for `url`. It does nothing until ``start()``.
    public init(
        url: RedisURL,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = RedisClient.silentLogger
    ) {
        let eventLoop = eventLoopGroup.next()
        let events = RedisConnectionEventBroadcaster()
        self.url = url
        self.events = events
        self.runner = ReconnectingConnection(
            url: url,
            eventLoop: eventLoop,
            backoff: configuration.backoff,
            logger: logger,
            open: {
                RedisConnection.makeConnection(to: url, configuration: configuration.connection, eventLoop: eventLoop)
            },
            hooks: ReconnectingConnection.Hooks(
                connected: { _ in events.yield(.connected) },
                disconnected: { events.yield(.disconnected) }
            )
        )
    }

    deinit {
        guard !self.runner.hasBeenClosed else { return }
        self.runner.close().whenComplete { [events] _ in events.finish() }
    }

    /// Starts connecting, in the background. Calling it again does nothing.
    public func start() {
        self.runner.start()
    }

    /// Stops reconnecting, closes the connection, and finishes every stream of
    /// ``connectionEvents()``. Outstanding commands fail with
    /// ``RedisError/Code/connectionClosed``; later ones with ``RedisError/Code/clientClosed``.
    public func close() async {
        try? await self.runner.close().get()
        self.events.finish()
    }

    /// True while a connection is open and logged in.
    public var isConnected: Bool {
        self.runner.isConnected
    }

    /// The connects and disconnects from now on, for as long as the client is open. Each call
    /// makes a new stream; read each from one task. The 64 newest unread events are kept.
    public func connectionEvents() -> AsyncStream<RedisConnectionEvent> {
        self.events.makeStream()
    }

    // MARK: - Commands

    /// Sends `command`; the future holds its reply, an error reply included. Fails at once
    /// with ``RedisError/Code/unavailable`` while no connection is open.
    public func send(_ command: RedisCommand) -> EventLoopFuture<RESPValue> {
        self.runner.withConnection { connection in
            connection.send(command)
        }
    }

    /// Sends the command made of `arguments` (`["SET", key, value]`).
    public func send(_ arguments: [any RedisArgumentConvertible]) -> EventLoopFuture<RESPValue> {
        self.send(RedisCommand(arguments))
    }

    /// Sends `command` and waits for its reply, an error reply included.
    public func send(_ command: RedisCommand) async throws -> RESPValue {
        let reply: EventLoopFuture<RESPValue> = self.send(command)
        return try await reply.get()
    }

    /// Sends the command made of `arguments` and waits for its reply.
    public func send(_ arguments: [any RedisArgumentConvertible]) async throws -> RESPValue {
        let reply: EventLoopFuture<RESPValue> = self.send(RedisCommand(arguments))
        return try await reply.get()
    }
}
