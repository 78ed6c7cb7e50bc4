import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Runs a ``ReconnectStateMachine`` for one ``RedisConnection``: opens it, reopens it with
/// backoff whenever it is lost, and tells its owner through two hooks.
///
/// Everything but ``isConnected`` and ``lastError`` happens on ``eventLoop``, which is also
/// the connections' loop, so the machine's events arrive in the order they happened and the
/// hooks run in that order too.
final class ReconnectingConnection: Sendable {
    /// What the owner is told, on ``eventLoop``.
    struct Hooks: Sendable {
        /// A connection is open and logged in.
        var connected: @Sendable (RedisConnection) -> Void
        /// The connection was lost; reconnection is scheduled.
        var disconnected: @Sendable () -> Void
    }

    private struct LoopState {
        var machine = ReconnectStateMachine<RedisConnection>()
        var timer: Scheduled<Void>?
        /// The attempt under way, so that ``close()`` can wait for it.
        var pendingOpen: EventLoopFuture<Void>?
    }

    let eventLoop: any EventLoop
    let url: RedisURL
    private let loopState: NIOLoopBoundBox<LoopState>
    private let connectedFlag = NIOLockedValueBox(false)
    private let closeRequested = NIOLockedValueBox(false)
    private let lastFailure = NIOLockedValueBox<RedisError?>(nil)
    private let backoff: RedisReconnectBackoff
    private let logger: Logger
    private let open: @Sendable () -> EventLoopFuture<RedisConnection>
    private let hooks: Hooks

    /// - Parameter open: opens and logs in one connection on `eventLoop`.
    init(
        url: RedisURL,
        eventLoop: any EventLoop,
        backoff: RedisReconnectBackoff,
        logger: Logger,
        open: @escaping @Sendable () -> EventLoopFuture<RedisConnection>,
        hooks: Hooks
    ) {
        self.url = url
        self.eventLoop = eventLoop
        self.loopState = NIOLoopBoundBox.makeBoxSendingValue(LoopState(), eventLoop: eventLoop)
        self.backoff = backoff
        self.logger = logger
        self.open = open
        self.hooks = hooks
    }

    /// True while a connection is open and logged in. Readable from any thread.
    var isConnected: Bool {
        self.connectedFlag.withLockedValue { $0 }
    }

    /// True once ``close()`` was called. Readable from any thread.
    var hasBeenClosed: Bool {
        self.closeRequested.withLockedValue { $0 }
    }

    /// Why the last attempt failed, while no connection is open.
    var lastError: RedisError? {
        self.lastFailure.withLockedValue { $0 }
    }

    /// Starts connecting. Calling it again does nothing.
    func start() {
        self.eventLoop.execute {
            self.run(self.loopState.value.machine.start())
        }
    }

    /// Stops reconnecting and closes the connection; completes once it is closed and no
    /// attempt is under way.
    func close() -> EventLoopFuture<Void> {
        self.closeRequested.withLockedValue { $0 = true }
        return self.eventLoop.flatSubmit {
            self.connectedFlag.withLockedValue { $0 = false }
            self.loopState.value.timer?.cancel()
            self.loopState.value.timer = nil
            let pending = self.loopState.value.pendingOpen ?? self.eventLoop.makeSucceededVoidFuture()
            let closed: EventLoopFuture<Void> = switch self.loopState.value.machine.close() {
            case .closeConnection(let connection): connection.close()
            default: self.eventLoop.makeSucceededVoidFuture()
            }
            return closed.and(pending).map { _ in }
        }
    }

    /// `body` with the open connection, on ``eventLoop``; or a failure with
    /// ``RedisError/Code/unavailable`` (``RedisError/Code/clientClosed`` once closed) when
    /// there is none.
    func withConnection<Value: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) -> EventLoopFuture<Value>
    ) -> EventLoopFuture<Value> {
        guard self.eventLoop.inEventLoop else {
            return self.eventLoop.flatSubmit { self.withConnection(body) }
        }
        let machine = self.loopState.value.machine
        if let connection = machine.connection {
            return body(connection)
        }
        return self.eventLoop.makeFailedFuture(self.notConnectedError(isClosed: machine.isClosed))
    }

    /// The open connection, on ``eventLoop``.
    var currentConnection: RedisConnection? {
        self.loopState.value.machine.connection
    }

    func notConnectedError(isClosed: Bool) -> RedisError {
        if isClosed {
            return RedisError(code: .clientClosed, message: "the client for Redis at \(self.url) is closed")
        }
        let reason = self.lastError.map { "; last attempt: \($0)" } ?? ""
        return RedisError(code: .unavailable, message: "Redis at \(self.url) is not connected (reconnecting\(reason))")
    }

    // MARK: - Running the machine

    private func run(_ action: ReconnectStateMachine<RedisConnection>.Action) {
        switch action {
        case .none:
            break
        case .connect:
            self.connect()
        case .scheduleConnect(let failures):
            self.schedule(afterFailures: failures)
        case .publishConnected(let connection):
            self.lastFailure.withLockedValue { $0 = nil }
            self.connectedFlag.withLockedValue { $0 = true }
            self.logger.info("connected to Redis", metadata: ["redis": "\(self.url)"])
            connection.closeFuture.hop(to: self.eventLoop).whenComplete { _ in
                self.run(self.loopState.value.machine.connectionClosed(connection))
            }
            self.hooks.connected(connection)
        case .publishDisconnected(let failures):
            self.connectedFlag.withLockedValue { $0 = false }
            self.logger.warning("lost the connection to Redis; reconnecting", metadata: ["redis": "\(self.url)"])
            self.hooks.disconnected()
            self.schedule(afterFailures: failures)
        case .closeConnection(let connection):
            connection.close()
        }
    }

    private func connect() {
        let attempt = self.open().hop(to: self.eventLoop)
        attempt.whenComplete { result in
            self.loopState.value.pendingOpen = nil
            switch result {
            case .success(let connection):
                self.run(self.loopState.value.machine.connectSucceeded(connection))
            case .failure(let error):
                guard !self.loopState.value.machine.isClosed else { return }
                let redisError = error as? RedisError
                    ?? RedisError(code: .connectFailed, message: "cannot connect to Redis at \(self.url): \(error)")
                let isFirst = self.lastFailure.withLockedValue { last in
                    defer { last = redisError }
                    return last == nil
                }
                // One warning per outage; the retries that follow are debug noise.
                if isFirst {
                    self.logger.warning("cannot connect to Redis; retrying", metadata: ["redis": "\(self.url)", "error": "\(redisError)"])
                } else {
                    self.logger.debug("cannot connect to Redis; retrying", metadata: ["redis": "\(self.url)", "error": "\(redisError)"])
                }
                self.run(self.loopState.value.machine.connectFailed())
            }
        }
        // Registered after the handler above, so it completes once the machine has seen the
        // outcome (and closed a connection that opened too late). If the attempt is already
        // over, this is a completed future: harmless to wait for.
        self.loopState.value.pendingOpen = attempt.map { _ in }.recover { _ in }
    }

    private func schedule(afterFailures failures: Int) {
        let delay = self.backoff.delayMilliseconds(afterFailures: failures, randomUnit: Double.random(in: 0..<1))
        self.loopState.value.timer = self.eventLoop.scheduleTask(in: .milliseconds(delay)) {
            self.loopState.value.timer = nil
            self.run(self.loopState.value.machine.timerFired())
        }
    }
}
