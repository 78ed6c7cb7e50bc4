import Foundation

/// A real `redis-server` on a temp Unix socket, started as a child process and stopped by
/// pid. Start-up waits for Redis's "ready to accept connections" log line, not for a fixed
/// time. It can be stopped, killed (SIGKILL, as a crash would) and started again on the same
/// socket with the same arguments.
///
/// Redis runs with `--port 0` (no TCP), `--save ''` and `--appendonly no` (no files), its
/// working directory in `directory`. Tests that need it should skip when
/// ``isInstalled`` is false.
public final class RedisServerProcess: @unchecked Sendable {
    /// The directory that holds the socket.
    public let directory: String
    /// The Unix socket Redis listens on: `directory/redis.sock`.
    public let socketPath: String
    /// The arguments added after the standard ones (`--requirepass secret`, …).
    public let extraArguments: [String]

    private let lock = NSLock()
    private var process: Process?
    private var output: OutputLines?
    private var exited: DispatchSemaphore?

    /// The first `redis-server` on `PATH`, or in /usr/bin, /usr/local/bin or /usr/sbin.
    public static var executablePath: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/usr/sbin"]
        return directories.lazy
            .map { $0 + "/redis-server" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether `redis-server` can be found.
    public static var isInstalled: Bool {
        executablePath != nil
    }

    /// Starts Redis on `directory/redis.sock`, with `arguments` after the standard ones, and
    /// returns once it is ready. Throws ``RedisServerError`` if it is not installed, or exits
    /// or stays silent for 30 s first.
    public init(directory: String, arguments: [String] = []) throws {
        self.directory = directory
        self.socketPath = directory + "/redis.sock"
        self.extraArguments = arguments
        try self.start()
    }

    /// The running server's pid; 0 when it is not running.
    public var pid: Int32 {
        self.lock.withLock { self.process?.isRunning == true ? self.process?.processIdentifier ?? 0 : 0 }
    }

    /// Whether the server is running.
    public var isRunning: Bool {
        self.lock.withLock { self.process?.isRunning ?? false }
    }

    /// Everything the current (or last) server process logged.
    public var log: [String] {
        self.lock.withLock { self.output?.all ?? [] }
    }

    /// Starts the server again on the same socket and arguments, once stopped or killed.
    public func restart() throws {
        self.stop()
        try self.start()
    }

    /// SIGTERM, then SIGKILL if it has not exited after `timeoutSeconds`; waits for the exit.
    public func stop(timeoutSeconds: Double = 10) {
        guard let (process, exited) = self.running() else { return }
        Foundation.kill(process.processIdentifier, SIGTERM)
        if exited.wait(timeout: .now() + timeoutSeconds) != .success {
            Foundation.kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
        exited.signal()  // later waiters see the exit too
    }

    /// SIGKILL, as a crash would, then waits for the exit. The socket file stays behind, as
    /// after a real crash; a restart replaces it.
    public func kill() {
        guard let (process, exited) = self.running() else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        exited.wait()
        exited.signal()
    }

    deinit {
        if let process, process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
        }
    }

    // MARK: - Private

    private func running() -> (Process, DispatchSemaphore)? {
        self.lock.withLock {
            guard let process, process.isRunning, let exited else { return nil }
            return (process, exited)
        }
    }

    /// Starts `process` from a thread that blocks no signal. A child inherits the blocked
    /// signals of the thread that spawns it, and the test runner's threads (Swift
    /// concurrency's, NIO's) block SIGTERM: Redis would then ignore ``stop()``.
    private static func runWithNoSignalsBlocked(_ process: Process) throws {
        let started = BackgroundTask<Result<Void, any Error>> {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            return Result { try process.run() }
        }
        guard let result = started.wait(timeoutSeconds: 30) else { throw RedisServerError.didNotStart(log: ["redis-server did not spawn"]) }
        try result.get()
    }

    private func start() throws {
        guard let executable = Self.executablePath else { throw RedisServerError.notInstalled }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--port", "0",
            "--unixsocket", self.socketPath,
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "no",
            "--dir", self.directory,
            "--daemonize", "no",
            "--logfile", "",
        ] + self.extraArguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try Self.runWithNoSignalsBlocked(process)
        let output = OutputLines(reading: pipe.fileHandleForReading)
        self.lock.withLock {
            self.process = process
            self.output = output
            self.exited = exited
        }
        // Redis 7.0 logs "The server is now ready to accept connections at PATH"; 7.2 and
        // later "Ready to accept connections unix".
        guard output.waitForLine(timeoutSeconds: 30, where: { $0.lowercased().contains("ready to accept connections") }) != nil else {
            if process.isRunning {
                Foundation.kill(process.processIdentifier, SIGKILL)
            }
            exited.wait()
            exited.signal()
            _ = output.waitForClose(timeoutSeconds: 5)
            throw RedisServerError.didNotStart(log: output.all)
        }
    }
}

/// Why a ``RedisServerProcess`` could not start.
public enum RedisServerError: Error, CustomStringConvertible {
    /// No `redis-server` on `PATH` (`apt-get install redis-server`).
    case notInstalled
    /// It exited, or logged no "ready" line within 30 s; `log` is what it wrote.
    case didNotStart(log: [String])

    public var description: String {
        switch self {
        case .notInstalled: "redis-server is not installed (apt-get install redis-server)"
        case .didNotStart(let log): "redis-server did not start:\n" + log.joined(separator: "\n")
        }
    }
}
