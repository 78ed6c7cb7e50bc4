import NIOCore
import NIOPosix

/// One connection to Redis, with commands pipelined on it.
///
/// Any number of commands may be in flight: they are written at once and their replies are
/// matched first in, first out. An error reply (`-NOSCRIPT …`) is returned as
/// ``RESPValue/error(_:)``, not thrown. A command fails with ``RedisError`` only when no
/// reply can come: ``RedisError/Code/unavailable`` if it was never sent,
/// ``RedisError/Code/connectionClosed`` or ``RedisError/Code/timeout`` if it was sent (it
/// may have run).
///
/// The connection does not reconnect; ``RedisClient`` does. All methods may be called from
/// any thread or task.
public final class RedisConnection: Sendable {
    /// Where this connection goes, and how it logged in.
    public let url: RedisURL
    let channel: any Channel

    init(channel: any Channel, url: RedisURL) {
        self.channel = channel
        self.url = url
    }

    /// The event loop the connection's I/O runs on; its futures complete there.
    public var eventLoop: any EventLoop {
        self.channel.eventLoop
    }

    /// Completes when the connection has closed, from either side.
    public var closeFuture: EventLoopFuture<Void> {
        self.channel.closeFuture
    }

    /// True until the connection closes.
    public var isActive: Bool {
        self.channel.isActive
    }

    // MARK: - Connecting

    /// Opens a connection to `url`, then logs in: `AUTH [user] password` when the URL has a
    /// password, `SELECT db` when its database is not 0, then `PING`, pipelined.
    ///
    /// Fails with ``RedisError``: ``RedisError/Code/connectFailed`` when nothing answers at the
    /// address, Redis refuses `SELECT`, or the handshake takes longer than the connect
    /// timeout; ``RedisError/Code/authenticationFailed`` on `WRONGPASS`, or on `NOAUTH`
    /// when Redis needs credentials the URL does not have.
    public static func connect(
        to url: RedisURL,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) -> EventLoopFuture<RedisConnection> {
        Self.makeConnection(to: url, configuration: configuration, eventLoop: eventLoopGroup.next())
    }

    /// Opens a connection to `url` and logs in (`AUTH`, `SELECT`, `PING`), and waits for it;
    /// fails as the future-returning `connect` does.
    public static func connect(
        to url: RedisURL,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RedisConnection {
        try await Self.makeConnection(to: url, configuration: configuration, eventLoop: eventLoopGroup.next()).get()
    }

    /// Opens a connection on `eventLoop`. `isPubSub` and `onPush` configure the
    /// ``RedisCommandHandler`` (a subscriber's connection routes messages to `onPush`).
    static func makeConnection(
        to url: RedisURL,
        configuration: Configuration,
        eventLoop: any EventLoop,
        isPubSub: Bool = false,
        onPush: (@Sendable (RESPValue) -> Void)? = nil
    ) -> EventLoopFuture<RedisConnection> {
        guard let bootstrap = ClientBootstrap(validatingGroup: eventLoop) else {
            return eventLoop.makeFailedFuture(RedisError(code: .connectFailed, message: "the event loop cannot run NIOPosix sockets"))
        }
        let peer = url.description
        let commandTimeout = configuration.commandTimeoutMilliseconds.map { TimeAmount.milliseconds($0) }
        let maxBulkBytes = configuration.maxBulkBytes
        let connectTimeout = TimeAmount.milliseconds(configuration.connectTimeoutMilliseconds)
        let configured = bootstrap
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers: [any ChannelHandler] = [
                        ByteToMessageHandler(RESPDecoder(maxBulkBytes: maxBulkBytes)),
                        MessageToByteHandler(RESPEncoder()),
                        RedisCommandHandler(peerDescription: peer, commandTimeout: commandTimeout, isPubSub: isPubSub, onPush: onPush),
                    ]
                    try channel.pipeline.syncOperations.addHandlers(handlers)
                }
            }
        let opened: EventLoopFuture<any Channel> = switch url.address {
        case .tcp(let host, let port): configured.connect(host: host, port: port)
        case .unixSocket(let path): configured.connect(unixDomainSocketPath: path)
        }
        return opened.flatMapError { error in
            eventLoop.makeFailedFuture(RedisError(code: .connectFailed, message: "cannot connect to Redis at \(peer): \(error)"))
        }.flatMap { channel in
            let connection = RedisConnection(channel: channel, url: url)
            let loggedIn = channel.eventLoop.makePromise(of: Void.self)
            let timeout = channel.eventLoop.scheduleTask(in: connectTimeout) {
                loggedIn.fail(RedisError(
                    code: .connectFailed,
                    message: "Redis at \(peer) did not complete the handshake within \(configuration.connectTimeoutMilliseconds) ms"
                ))
            }
            connection.handshake().cascade(to: loggedIn)  // whichever completes first wins
            return loggedIn.futureResult.always { _ in
                timeout.cancel()
            }.flatMapError { error in
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }.map {
                connection
            }
        }
    }

    // MARK: - Commands

    /// Sends `command`; the future holds its reply, an error reply included.
    public func send(_ command: RedisCommand) -> EventLoopFuture<RESPValue> {
        let promise = self.channel.eventLoop.makePromise(of: RESPValue.self)
        self.channel.writeAndFlush(RedisRequest(command: command, promise: promise)).whenFailure { [url] error in
            // The bytes did not all leave (or never reached the handler): Redis cannot have run
            // the command. Completing twice is a no-op, so a close that fails it too is harmless.
            promise.fail(RedisError(code: .unavailable, message: "\(command.name) was not sent to Redis at \(url): \(error)"))
        }
        return promise.futureResult
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

    // MARK: - Closing

    /// Closes the connection; outstanding commands fail with
    /// ``RedisError/Code/connectionClosed``. The future completes once it is closed. Closing
    /// twice is harmless.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        self.channel.close(promise: nil)
        return self.channel.closeFuture
    }

    /// Closes the connection and waits until it is closed.
    public func close() async {
        let closed: EventLoopFuture<Void> = self.close()
        try? await closed.get()
    }
}
