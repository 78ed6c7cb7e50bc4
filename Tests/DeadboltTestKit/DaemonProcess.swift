import Foundation

/// A real `deadboltd` on a temp socket, started as a child process and
/// stopped by pid. Start-up waits for the daemon's "listening" log line, not
/// for a fixed time.
public final class DaemonProcess: @unchecked Sendable {
    public let socketPath: String
    public let stateDirectory: String
    public let process: Process
    private let output: OutputLines
    private let exited = DispatchSemaphore(value: 0)

    public var pid: Int32 { process.processIdentifier }

    /// The built `deadboltd` next to the test bundle.
    public static var executable: URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("deadboltd")
    }

    /// A fresh temp directory for sockets and state; removed by the caller.
    public static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("deadbolt-test-\(UUID().uuidString.prefix(8))").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Starts a daemon. `directory` holds `deadbolt.sock` and `state/`; pass
    /// the same directory again to restart with the same state. With
    /// `waitForListening`, returns once a line satisfies `ready` (by default
    /// the daemon's "listening") and throws if it exits first.
    ///
    /// `launcher` runs the daemon through another program that execs it,
    /// e.g. `systemd-socket-activate -l PATH`; `environment` adds variables.
    public init(
        directory: String, arguments: [String] = [], waitForListening: Bool = true, launcher: [String] = [],
        environment: [String: String] = [:], ready: @escaping @Sendable (String) -> Bool = { $0.contains("listening") }
    ) throws {
        socketPath = directory + "/deadbolt.sock"
        stateDirectory = directory + "/state"
        process = Process()
        let daemonArguments = ["--socket", socketPath, "--state-dir", stateDirectory, "--log-level", "info"] + arguments
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [Self.executable.path] + daemonArguments
        } else {
            process.executableURL = Self.executable
            process.arguments = daemonArguments
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        output = OutputLines(reading: errorPipe.fileHandleForReading)
        if waitForListening {
            guard output.waitForLine(timeoutSeconds: 30, where: ready) != nil else {
                stop()
                throw DaemonError.didNotStart(log: log)
            }
        }
    }

    /// Waits until the daemon has logged a line satisfying `predicate`;
    /// false if it exits or `timeoutSeconds` pass first.
    public func waitForLog(timeoutSeconds: Double = 15, where predicate: (String) -> Bool) -> Bool {
        output.waitForLine(timeoutSeconds: timeoutSeconds, where: predicate) != nil
    }

    /// Everything the daemon logged so far.
    public var log: [String] { output.all }

    /// Whether the daemon's socket file exists.
    public var socketFileExists: Bool {
        var status = stat()
        return lstat(socketPath, &status) == 0
    }

    /// Waits for the daemon to exit on its own and returns its status (the
    /// signal number if a signal ended it). Once it returns, ``log`` holds
    /// every line the daemon wrote.
    public func waitForExit(timeoutSeconds: Double = 30) -> Int32? {
        guard exited.wait(timeout: .now() + timeoutSeconds) == .success else { return nil }
        exited.signal()  // later callers see the exit too
        _ = output.waitForClose(timeoutSeconds: timeoutSeconds)
        return process.terminationStatus
    }

    /// True if the daemon exited by calling exit (not by a signal).
    public var exitedNormally: Bool {
        !process.isRunning && process.terminationReason == .exit
    }

    /// SIGTERM, then wait; returns the exit status.
    @discardableResult
    public func stop() -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, SIGTERM)
        return waitForExit()
    }

    /// SIGKILL, as a crash would, then wait.
    public func crash() {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        _ = waitForExit()
    }

    deinit {
        if process.isRunning { kill(pid, SIGKILL) }
    }
}

public enum DaemonError: Error, CustomStringConvertible {
    case didNotStart(log: [String])

    public var description: String {
        switch self {
        case .didNotStart(let log): "deadboltd did not start:\n" + log.joined(separator: "\n")
        }
    }
}
