import DeadboltCore
import DeadboltProtocol
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A running daemon: a listening socket served by one event loop that owns
/// the lock table. Build it with ``start(configuration:logger:)``; tests
/// call the same function as `deadboltd`'s main.
public final class DeadboltServer: Sendable {
    public let configuration: ServerConfiguration
    /// The path clients connect to, when known.
    public let socketPath: String?
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let service: NIOLoopBound<LockService>
    private let logger: Logger

    private init(
        configuration: ServerConfiguration, socketPath: String?, group: MultiThreadedEventLoopGroup,
        serverChannel: any Channel, service: NIOLoopBound<LockService>, logger: Logger
    ) {
        self.configuration = configuration
        self.socketPath = socketPath
        self.group = group
        self.serverChannel = serverChannel
        self.service = service
        self.logger = logger
    }

    /// Loads the fencing high-water, binds (or adopts) the socket, and serves.
    /// Throws a ``SystemError`` an operator can read when it cannot start:
    /// an unusable state directory, a socket a live daemon answers on, a path
    /// that is not a socket.
    public static func start(configuration: ServerConfiguration, logger: Logger) async throws -> DeadboltServer {
        let stateStore = StateStore(directory: configuration.stateDirectory)
        try stateStore.prepare()
        let fencingFloor = try stateStore.loadFencingHighWater()
        // Only read here: until the socket is ours, another daemon may be using this state.
        let graceUntil: Instant? =
            if case .leasesOutstanding(let until) = try stateStore.loadPreviousRun(), until > LockService.now() {
                until
            } else {
                nil
            }

        // One loop owns the table and serves every connection: no hops, no locks.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let eventLoop = group.next()
        var configuration = configuration
        if configuration.upstream != nil { configuration.lockTable.admission = .upstream }
        do {
            let service = try await eventLoop.submit { [configuration] in
                let service = LockService(
                    configuration: configuration, fencingFloor: fencingFloor, graceUntil: graceUntil, stateStore: stateStore,
                    eventLoop: eventLoop, logger: logger
                )
                if let upstreamConfiguration = configuration.upstream {
                    let upstream = UpstreamLocks(configuration: upstreamConfiguration, eventLoop: eventLoop, logger: logger)
                    upstream.service = service
                    service.upstreamLocks = upstream
                    upstream.start()
                }
                return NIOLoopBound(service, eventLoop: eventLoop)
            }.get()
            if let upstreamConfiguration = configuration.upstream {
                let redis = try await eventLoop.submit { service.value.upstreamLocks!.redis }.get()
                let connected = await redis.waitUntilConnected(timeoutMilliseconds: 5000)
                if connected {
                    logger.info("upstream connected", metadata: [
                        "upstream": "\(upstreamConfiguration.url)", "broker_id": "\(upstreamConfiguration.brokerID)",
                    ])
                } else if upstreamConfiguration.required {
                    throw SystemError(message: "cannot reach the upstream \(upstreamConfiguration.url) (--upstream-required)")
                } else {
                    logger.warning("upstream unreachable; acquires answer UPSTREAM_UNAVAILABLE until it is back", metadata: [
                        "upstream": "\(upstreamConfiguration.url)",
                    ])
                }
            }
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 512)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SessionHandler(service: service.value))
                    }
                }

            let serverChannel: any Channel
            let socketPath: String?
            switch configuration.listener {
            case .path(let path):
                try SocketFile.prepare(path)
                serverChannel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).get()
                try SocketFile.applyOwnership(path, mode: configuration.socketMode, group: configuration.socketGroup)
                socketPath = path
            case .inheritedDescriptor(let descriptor, let path):
                // systemd owns this socket: never unlink or chmod it.
                serverChannel = try await bootstrap.withBoundSocket(descriptor).get()
                socketPath = path ?? serverChannel.localAddress?.pathname
            }
            logger.info("listening", metadata: [
                "socket": "\(socketPath ?? "inherited")", "state_dir": "\(configuration.stateDirectory)",
                "fencing_floor": "\(fencingFloor)",
            ])
            let server = DeadboltServer(
                configuration: configuration, socketPath: socketPath, group: group, serverChannel: serverChannel,
                service: service, logger: logger
            )
            try await eventLoop.submit {
                try service.value.recordRunning()
                service.value.startSupervision(onIdle: { server.stopAccepting() })
            }.get()
            Systemd.notify("READY=1\nSTATUS=listening on \(socketPath ?? "an inherited socket")")
            return server
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Shuts down gracefully: stops accepting, answers queued acquires
    /// SHUTTING_DOWN, closes every connection, removes the socket file this
    /// process created, and stops the loop.
    public func shutdown() async {
        Systemd.notify("STOPPING=1")
        // Closing a listener NIO bound by path also removes its socket file.
        try? await serverChannel.close()
        let service = self.service
        try? await serverChannel.eventLoop.flatSubmit { service.value.shutDown() }.get()
        // Every session is closed: give the upstream locks back at once, so
        // other brokers need not wait for their leases to end.
        let upstream = try? await serverChannel.eventLoop.submit {
            service.value.upstreamLocks.map { ($0.redis, $0.takeAllHolds()) }
        }.get()
        if let (redis, holds) = upstream ?? nil {
            await redis.release(holds)
            await redis.close()
        }
        logger.info("stopped")
        try? await group.shutdownGracefully()
    }

    /// Stops accepting connections; ``waitUntilClosed()`` then returns.
    public func stopAccepting() {
        serverChannel.close(promise: nil)
    }

    /// Waits until the listening socket closes.
    public func waitUntilClosed() async {
        try? await serverChannel.closeFuture.get()
    }
}

/// Runs a ``DeadboltServer`` under swift-service-lifecycle: SIGTERM and SIGINT
/// (through the `ServiceGroup`) shut it down gracefully.
public struct DeadboltService: Service {
    public let configuration: ServerConfiguration
    public let logger: Logger

    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let server = try await DeadboltServer.start(configuration: configuration, logger: logger)
        await withGracefulShutdownHandler {
            await server.waitUntilClosed()
        } onGracefulShutdown: {
            logger.info("shutting down")
            server.stopAccepting()
        }
        await server.shutdown()
    }
}

extension DeadboltService: CustomStringConvertible {
    public var description: String { "DeadboltService(\(configuration.listener))" }
}
