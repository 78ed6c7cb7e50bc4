import CDeadbolt
import Glibc

/// `deadbolt run`'s work: take the lock, run the command under it, release.
struct LockedRun {
    let options: RunOptions

    init(_ options: RunOptions) {
        self.options = options
    }

    /// Returns the exit status; failures are reported on stderr.
    func run() -> Int32 {
        do {
            return try holdAndRun()
        } catch {
            printError(error.message)
            return error.status
        }
    }

    private var waitMilliseconds: Int64 {
        if options.nonblock { return 0 }
        return options.wait.map { Int64($0.milliseconds) } ?? Int64(DEADBOLT_WAIT_FOREVER)
    }

    /// Takes the lock, runs the command, and returns the exit status.
    private func holdAndRun() throws(CommandFailure) -> Int32 {
        let broker = try Broker(socketPath: options.socket)
        let token = try acquire(broker)
        let signals = SignalRelay.install()
        let lockFD = deadbolt_fd(broker.handle)

        // Unless --close, the command inherits the connection, as flock(1)'s
        // command inherits its file: the lock then lasts until both exit.
        if !options.close { setCloseOnExec(lockFD, false) }
        let child = try ChildProcess.spawn(
            options.command, environment: ChildProcess.environment(setting: [("DEADBOLT_TOKEN", String(token))])
        )
        if !options.close { setCloseOnExec(lockFD, true) }

        let ttlMilliseconds = options.ttl?.milliseconds ?? 0
        var supervisor = Supervisor(
            broker: broker, child: child, resource: options.name, owner: options.owner, onLost: options.onLost
        )
        let exitStatus = supervisor.run(
            signalFD: signals, lockFD: lockFD,
            renewEveryMilliseconds: options.renew ? max(Int32(ttlMilliseconds / 3), 1) : -1, ttlMilliseconds: ttlMilliseconds
        )
        if supervisor.lost { return options.onLost == .terminate ? ExitStatus.lockLost : exitStatus }
        try? broker.unlock(options.name, owner: options.owner)
        return exitStatus
    }

    /// Takes the lock, or fails with the conflict status and who holds it.
    private func acquire(_ broker: Broker) throws(CommandFailure) -> UInt64 {
        var lockOptions = deadbolt_lock_options()
        deadbolt_lock_options_init(&lockOptions)
        lockOptions.mode = options.shared ? Int32(DEADBOLT_SHARED) : Int32(DEADBOLT_EXCLUSIVE)
        lockOptions.ttl_ms = options.ttl?.milliseconds ?? 0
        lockOptions.wait_ms = waitMilliseconds
        let notice = waitMilliseconds != 0 && isatty(STDERR_FILENO) == 1
            ? WaitingNotice(resource: options.name, socketPath: options.socket) : nil
        defer { notice?.stop() }
        do {
            return try withOptionalCString(options.owner) { owner throws(CommandFailure) in
                lockOptions.owner = owner
                return try broker.lock(options.name, options: lockOptions)
            }
        } catch {
            let status = deadbolt_last_status(broker.handle)
            guard status == DEADBOLT_STATUS_NOT_GRANTED || status == DEADBOLT_STATUS_WAIT_TIMEOUT else { throw error }
            let holder = (try? broker.query(options.name).holderSummary) ?? "holder unknown"
            let why = status == DEADBOLT_STATUS_NOT_GRANTED
                ? "\(options.name) is \(holder)"
                : "gave up waiting for \(options.name) after \(formatDuration(milliseconds: UInt64(waitMilliseconds))): \(holder)"
            throw CommandFailure(message: why, status: options.conflictExitCode)
        }
    }
}
