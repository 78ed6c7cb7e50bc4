import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Receives pub/sub messages on a connection of its own, reopened whenever it is lost.
///
/// The subscriber remembers the channels it was asked for. After every reconnect it
/// subscribes to all of them again, and only then reports ``RedisConnectionEvent/connected``
/// (and ``isConnected``): messages published while it was away are lost, so that is when an
/// owner should re-check whatever it was waiting to hear about.
///
/// Messages arrive on ``messages``, in the order Redis sent them. RESP2 `message` arrays and
/// RESP3 push frames are both understood.
///
/// All methods may be called from any thread or task. Call ``close()`` when done.
public final class RedisSubscriber: Sendable {
    /// Where the subscriber connects.
    public let url: RedisURL
    /// Every message on a subscribed channel, until ``close()``. Read it from one task. When
    /// the reader falls behind by `maxBufferedMessages`, the oldest are dropped (and logged).
    public let messages: AsyncStream<RedisPubSubMessage>

    private let runner: ReconnectingConnection
    private let events: RedisConnectionEventBroadcaster
    /// The channels asked for and not given up; on the event loop.
    private let channels: NIOLoopBoundBox<Set<String>>
    /// True once a connection is open and every remembered channel was subscribed on it.
    private let ready: NIOLockedValueBox<Bool>
    private let messageSink: AsyncStream<RedisPubSubMessage>.Continuation

    /// A subscriber for `url`. It does nothing until ``start()``.
    ///
    /// - Parameters:
    ///   - maxBufferedMessages: how many unread messages ``messages`` keeps.
    ///   - onMessage: if given, every message is handed to it on the subscriber's event
    ///     loop as it arrives (no hop to another thread), instead of to ``messages``.
    public init(
        url: RedisURL,
        configuration: RedisClient.Configuration = RedisClient.Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = RedisClient.silentLogger,
        maxBufferedMessages: Int = 65_536,
        onMessage: (@Sendable (RedisPubSubMessage) -> Void)? = nil
    ) {
        let eventLoop = eventLoopGroup.next()
        let (messages, messageSink) = AsyncStream.makeStream(
            of: RedisPubSubMessage.self,
            bufferingPolicy: .bufferingNewest(maxBufferedMessages)
        )
        let events = RedisConnectionEventBroadcaster()
        let channels = NIOLoopBoundBox.makeBoxSendingValue(Set<String>(), eventLoop: eventLoop)
        let ready = NIOLockedValueBox(false)
        let dropped = NIOLockedValueBox(0)
        self.url = url
        self.messages = messages
        self.messageSink = messageSink
        self.events = events
        self.channels = channels
        self.ready = ready
        self.runner = ReconnectingConnection(
            url: url,
            eventLoop: eventLoop,
            backoff: configuration.backoff,
            logger: logger,
            open: {
                RedisConnection.makeConnection(
                    to: url, configuration: configuration.connection, eventLoop: eventLoop, isPubSub: true,
                    onPush: { value in
                        guard let message = RedisPubSubMessage(value) else { return }
                        if let onMessage { return onMessage(message) }
                        if case .dropped = messageSink.yield(message) {
                            let count = dropped.withLockedValue { count in
                                count += 1
                                return count
                            }
                            if count & (count - 1) == 0 {  // 1, 2, 4, 8, …: say it, without flooding the log
                                logger.warning("dropped pub/sub messages: the reader is behind", metadata: ["dropped": "\(count)"])
                            }
                        }
                    }
                )
            },
            hooks: ReconnectingConnection.Hooks(
                connected: { connection in
                    Self.resubscribe(on: connection, channels: channels, logger: logger).whenSuccess {
                        // Lost again meanwhile: the next connection will say it.
                        guard connection.isActive else { return }
                        ready.withLockedValue { $0 = true }
                        events.yield(.connected)
                    }
                },
                disconnected: {
                    // Announced only after a `.connected`, so that listeners see them alternate.
                    let wasReady = ready.withLockedValue { ready in
                        defer { ready = false }
                        return ready
                    }
                    if wasReady {
                        events.yield(.disconnected)
                    }
                }
            )
        )
    }

    deinit {
        guard !self.runner.hasBeenClosed else { return }
        self.runner.close().whenComplete { [events, messageSink] _ in
            events.finish()
            messageSink.finish()
        }
    }

    /// Starts connecting, in the background. Calling it again does nothing.
    public func start() {
        self.runner.start()
    }

    /// Stops reconnecting, closes the connection, and finishes ``messages`` and every stream
    /// of ``connectionEvents()``.
    public func close() async {
        try? await self.runner.close().get()
        self.ready.withLockedValue { $0 = false }
        self.events.finish()
        self.messageSink.finish()
    }

    /// True while connected with every remembered channel subscribed.
    public var isConnected: Bool {
        self.ready.withLockedValue { $0 }
    }

    /// The connects (each after re-subscribing) and disconnects from now on, for as long as
    /// the subscriber is open. Each call makes a new stream; read each from one task.
    public func connectionEvents() -> AsyncStream<RedisConnectionEvent> {
        self.events.makeStream()
    }

    // MARK: - Channels

    /// Subscribes to `channel`, and returns once Redis confirmed it: from then on every
    /// message published on it arrives on ``messages``. Subscribing twice is one subscription.
    ///
    /// The channel is remembered even when this throws ``RedisError/Code/unavailable`` (no
    /// connection now): it is subscribed at the next connect, which
    /// ``RedisConnectionEvent/connected`` announces. Throws ``RedisError/Code/errorReply``,
    /// and forgets the channel, when Redis refuses it (`NOPERM`).
    public func subscribe(_ channel: String) async throws {
        let channels = self.channels
        let runner = self.runner
        let confirmed: EventLoopFuture<Void> = runner.eventLoop.flatSubmit {
            channels.value.insert(channel)
            guard let connection = runner.currentConnection else {
                return runner.eventLoop.makeFailedFuture(runner.notConnectedError(isClosed: runner.hasBeenClosed))
            }
            return Self.subscribe(channel, on: connection).flatMapErrorThrowing { error in
                if (error as? RedisError)?.code == .errorReply {
                    channels.value.remove(channel)
                }
                throw error
            }
        }
        try await confirmed.get()
    }

    /// Unsubscribes from `channel`, and returns once Redis confirmed it; it is forgotten at
    /// once, so it is not subscribed again at a reconnect. Without a connection there is no
    /// subscription to end, and this returns at once.
    public func unsubscribe(_ channel: String) async throws {
        let channels = self.channels
        let runner = self.runner
        let confirmed: EventLoopFuture<Void> = runner.eventLoop.flatSubmit {
            channels.value.remove(channel)
            guard let connection = runner.currentConnection else {
                return runner.eventLoop.makeSucceededVoidFuture()
            }
            return connection.send(["UNSUBSCRIBE", channel]).flatMapThrowing { reply in
                try Self.checkConfirmation(reply, kind: "unsubscribe", channel: channel, url: connection.url)
            }
        }
        try await confirmed.get()
    }

    // MARK: - Confirmations

    /// One channel per `SUBSCRIBE`, so that each command has exactly one confirmation.
    private static func subscribe(_ channel: String, on connection: RedisConnection) -> EventLoopFuture<Void> {
        connection.send(["SUBSCRIBE", channel]).flatMapThrowing { reply in
            try Self.checkConfirmation(reply, kind: "subscribe", channel: channel, url: connection.url)
        }
    }

    private static func checkConfirmation(_ reply: RESPValue, kind: String, channel: String, url: RedisURL) throws {
        if let error = reply.errorReply {
            throw RedisError(code: .errorReply, message: "Redis at \(url) refused \(kind.uppercased()) \(channel): \(error)")
        }
        guard let elements = reply.elements, elements.first?.string == kind else {
            throw RedisError(code: .protocolError, message: "Redis at \(url) answered \(kind.uppercased()) with \(reply)")
        }
    }

    /// Subscribes `connection` to every remembered channel, pipelined. A channel Redis refuses
    /// is logged and forgotten; the future fails only if the connection is lost.
    private static func resubscribe(
        on connection: RedisConnection,
        channels: NIOLoopBoundBox<Set<String>>,
        logger: Logger
    ) -> EventLoopFuture<Void> {
        let eventLoop = connection.eventLoop
        let confirmations = channels.value.map { channel in
            Self.subscribe(channel, on: connection).flatMapError { error -> EventLoopFuture<Void> in
                guard (error as? RedisError)?.code == .errorReply else { return eventLoop.makeFailedFuture(error) }
                logger.error("Redis refused a subscription", metadata: ["channel": "\(channel)", "error": "\(error)"])
                channels.value.remove(channel)
                return eventLoop.makeSucceededVoidFuture()
            }
        }
        return EventLoopFuture.andAllSucceed(confirmations, on: eventLoop)
    }
}
