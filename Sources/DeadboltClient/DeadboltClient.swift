import DeadboltProtocol
import NIOCore
import NIOPosix

/// A connection to `deadboltd`: one session, whose locks the daemon releases when the
/// connection closes (except detached ones).
///
/// All methods may be called from any task at once: requests are pipelined on the one
/// connection and answers are matched by request id, so a waiting ``acquire(_:mode:ttl:wait:owner:detached:reentrant:)``
/// does not hold up other calls. Call ``close()`` when done; a client that is dropped
/// without it closes its connection as it is deinitialised.
///
/// ```swift
/// let client = try await DeadboltClient.connect()
/// try await client.withLock("report", ttl: .seconds(30)) { lease in
///     // fence writes with lease.token
/// }
/// await client.close()
/// ```
public final class DeadboltClient: Sendable {
    /// The default client name sent in HELLO, shown in the daemon's logs.
    public static let defaultClientName = "DeadboltClient (swift)"
    /// The largest frame body this client reads, in bytes. The daemon announces its own
    /// maximum (64 KiB by default) only in its HELLO answer, so frames are bounded by this
    /// ceiling, which no daemon configuration reaches in practice, the way libdeadbolt does.
    static let maxInboundFrameBytes = 16 << 20

    /// The daemon's HELLO answer: the session id, the daemon's name, and its limits.
    public let session: SessionInfo

    /// Locks this connection lost while it held them: a lease that ran out, an admin's
    /// FORCE_RELEASE, an upstream loss, or a failed automatic renewal.
    ///
    /// The stream finishes when the connection closes; a closed connection has lost every
    /// session-bound lock it held, without an event for each. Iterate it from one task
    /// only. Events are buffered until read (one small value per lost lock).
    public let lostLocks: AsyncStream<LostLock>

    let channel: any Channel
    /// Feeds ``lostLocks`` with client-side losses (failed renewals); the handler feeds it
    /// LOST events and finishes it.
    let lostLockReporter: AsyncStream<LostLock>.Continuation

    private init(
        channel: any Channel,
        session: SessionInfo,
        lostLocks: AsyncStream<LostLock>,
        lostLockReporter: AsyncStream<LostLock>.Continuation
    ) {
        self.channel = channel
        self.session = session
        self.lostLocks = lostLocks
        self.lostLockReporter = lostLockReporter
    }

    deinit {
        self.channel.close(promise: nil)
    }

    /// Connects to the daemon and opens a session (HELLO, protocol version 1).
    ///
    /// - Parameters:
    ///   - socketPath: the daemon's Unix socket. `nil` follows the daemon's own rules:
    ///     `$DEADBOLT_SOCKET`, else `/run/deadbolt/deadbolt.sock` as root, else
    ///     `$XDG_RUNTIME_DIR/deadbolt/deadbolt.sock`, else `/tmp/deadbolt-$UID/deadbolt.sock`.
    ///   - clientName: a free-form name for the daemon's logs, at most 65,535 bytes.
    ///   - eventLoopGroup: where the connection's I/O runs.
    /// - Throws: ``DeadboltError`` with ``DeadboltError/Code/connectFailed`` when nothing
    ///   answers at the path; with the daemon's status when it refuses the session
    ///   (``DeadboltError/Code/quotaExceeded`` at its connection limit,
    ///   ``DeadboltError/Code/shuttingDown``, ``DeadboltError/Code/unsupportedVersion``).
    public static func connect(
        socketPath: String? = nil,
        clientName: String = DeadboltClient.defaultClientName,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> DeadboltClient {
        try WireArguments.checkStr16(clientName, field: "client name")
        let path = socketPath ?? DefaultPaths.socket(environment: DefaultPaths.processEnvironment())
        let (lostLocks, lostLockReporter) = AsyncStream.makeStream(of: LostLock.self, bufferingPolicy: .unbounded)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handlers: [any ChannelHandler] = [
                            ByteToMessageHandler(FrameDecoder(maxFrameBytes: Self.maxInboundFrameBytes)),
                            MessageToByteHandler(FrameEncoder()),
                            ClientChannelHandler(lostLocks: lostLockReporter),
                        ]
                        try channel.pipeline.syncOperations.addHandlers(handlers)
                    }
                }
                .connect(unixDomainSocketPath: path)
                .get()
        } catch {
            lostLockReporter.finish()
            throw DeadboltError(code: .connectFailed, message: "cannot connect to \(path): \(error)")
        }
        do {
            let answer = try await Self.call(.hello(HelloRequest(clientName: clientName)), on: channel)
            guard case .hello(let hello) = answer else {
                throw DeadboltError.unexpected(answer, to: .hello)
            }
            guard hello.protocolVersion == ProtocolVersion.current else {
                throw DeadboltError(
                    code: .unsupportedVersion,
                    message: "asked for protocol version \(ProtocolVersion.current), the daemon answered \(hello.protocolVersion)"
                )
            }
            return DeadboltClient(
                channel: channel,
                session: SessionInfo(hello),
                lostLocks: lostLocks,
                lostLockReporter: lostLockReporter
            )
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Closes the connection and waits until it is closed.
    ///
    /// The daemon then releases this session's locks (detached ones live on until released
    /// or their lease ends) and drops its waiting acquires. Calls still outstanding fail with
    /// ``DeadboltError/Code/connectionClosed``, and ``lostLocks`` finishes. Closing twice is
    /// harmless.
    public func close() async {
        try? await self.channel.close()
        try? await self.channel.closeFuture.get()
    }

    /// Sends `request` and waits for its answer.
    ///
    /// Only an ACQUIRE reacts to task cancellation (see ``acquire(_:mode:ttl:wait:owner:detached:reentrant:)``);
    /// every other request is answered at once by the daemon, so it is sent and awaited even
    /// in a cancelled task, which is what lets a cancelled task still release its locks.
    func call(_ request: Request, cancellation: AcquireCancellation? = nil) async throws -> Response {
        try await Self.call(request, on: self.channel, cancellation: cancellation)
    }

    static func call(
        _ request: Request,
        on channel: any Channel,
        cancellation: AcquireCancellation? = nil
    ) async throws -> Response {
        let promise = channel.eventLoop.makePromise(of: Response.self)
        let command = ClientCommand.request(request, promise: promise, cancellation: cancellation)
        channel.writeAndFlush(command).whenFailure { error in
            // Completing twice is a no-op: this only matters when the handler never saw the
            // command, because the pipeline was already torn down.
            promise.fail(DeadboltError(code: .connectionClosed, message: "cannot send to the daemon: \(error)"))
        }
        return try await promise.futureResult.get()
    }
}

extension DeadboltError {
    /// An OK answer of the wrong kind; the handler checks types, so this is a bug.
    static func unexpected(_ response: Response, to type: MessageType) -> DeadboltError {
        DeadboltError(code: .protocolError, message: "expected an answer to \(type.name), got \(response.type.name)")
    }
}
