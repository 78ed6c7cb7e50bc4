import Foundation

/// A command run as a child process, as a user would run it: its stdout and
/// stderr read line by line (waited for by content, not by time), its stdin
/// a pipe the test may write to or close, its exit status as a shell reports
/// it (128+N for a signal N).
public final class CommandProcess: @unchecked Sendable {
    public let process: Process
    private let stdout: OutputLines
    private let stderr: OutputLines
    private let stdin = Pipe()
    private let exited = DispatchSemaphore(value: 0)

    public var pid: Int32 { process.processIdentifier }

    /// A built executable of this package, next to the test bundle.
    public static func builtExecutable(_ name: String) -> String {
        DaemonProcess.executable.deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Starts `arguments[0]` (a path, or a name looked up in PATH) with the
    /// current environment plus `environment`.
    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        stdout = OutputLines(reading: out.fileHandleForReading)
        stderr = OutputLines(reading: err.fileHandleForReading)
    }

    /// Runs to completion (at most `timeoutSeconds`) and returns the result.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], timeoutSeconds: Double = 30
    ) throws -> CommandResult {
        let command = try CommandProcess(arguments, environment: environment)
        command.closeInput()
        return try command.finish(timeoutSeconds: timeoutSeconds)
    }

    /// Waits for a stdout line satisfying `predicate`; false on EOF or timeout.
    public func waitForOutput(timeoutSeconds: Double = 15, where predicate: (String) -> Bool) -> Bool {
        stdout.waitForLine(timeoutSeconds: timeoutSeconds, where: predicate) != nil
    }

    public func closeInput() {
        try? stdin.fileHandleForWriting.close()
    }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the exit (SIGKILL after `timeoutSeconds`, then throws) and
    /// for all output; first closes stdin, unless `closingInput` is false.
    public func finish(timeoutSeconds: Double = 30, closingInput: Bool = true) throws -> CommandResult {
        if closingInput { closeInput() }
        guard exited.wait(timeout: .now() + timeoutSeconds) == .success else {
            kill(pid, SIGKILL)
            _ = exited.wait(timeout: .now() + 10)
            throw CommandTimedOut(arguments: process.arguments ?? [], stdout: stdout.all, stderr: stderr.all)
        }
        // A command that leaves children behind (stdin still open) may keep
        // the pipes open after it exits: do not wait long for those.
        let outputSeconds = closingInput ? 10.0 : 1.0
        _ = stdout.waitForClose(timeoutSeconds: outputSeconds)
        _ = stderr.waitForClose(timeoutSeconds: outputSeconds)
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return CommandResult(status: status, stdout: stdout.all, stderr: stderr.all)
    }
}

/// How a command ended, and what it wrote.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: [String]
    public var stderr: [String]

    public var output: String { stdout.joined(separator: "\n") }
    public var errorOutput: String { stderr.joined(separator: "\n") }
}

public struct CommandTimedOut: Error, CustomStringConvertible {
    public var arguments: [String]
    public var stdout: [String]
    public var stderr: [String]
    public var description: String {
        "\(arguments.joined(separator: " ")) did not exit in time; stdout: \(stdout), stderr: \(stderr)"
    }
}
