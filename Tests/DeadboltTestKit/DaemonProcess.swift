import Foundation

/// A real `deadboltd` on a temp socket, started as a child process and
/// stopped by pid. Start-up waits for the daemon's "listening" log line, not
/// for a fixed time.
public final class DaemonProcess: @unchecked Sendable {
    public let socketPath: String
    public let stateDirectory: String
    public let process: Process
    private let logLock = NSLock()
    private var logLines: [String] = []
    private var listening = false
    private let started = DispatchSemaphore(value: 0)
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
    /// the same directory again to restart with the same state.
    public init(directory: String, arguments: [String] = [], waitForListening: Bool = true) throws {
        socketPath = directory + "/deadbolt.sock"
        stateDirectory = directory + "/state"
        process = Process()
        process.executableURL = Self.executable
        process.arguments = ["--socket", socketPath, "--state-dir", stateDirectory, "--log-level", "info"] + arguments
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let handle = errorPipe.fileHandleForReading
        // Drain stderr on a thread for the daemon's whole life, so it never blocks on a full pipe.
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    record(line)
                }
            }
            started.signal()  // exited before (or after) listening
        }
        if waitForListening {
            guard started.wait(timeout: .now() + 30) == .success, isListening else {
                stop()
                throw DaemonError.didNotStart(log: log)
            }
        }
    }

    private func record(_ line: String) {
        logLock.lock()
        logLines.append(line)
        let first = !listening && line.contains("listening")
        if first { listening = true }
        logLock.unlock()
        if first { started.signal() }
    }

    private var isListening: Bool {
        logLock.lock()
        defer { logLock.unlock() }
        return listening
    }

    /// Everything the daemon logged so far.
    public var log: [String] {
        logLock.lock()
        defer { logLock.unlock() }
        return logLines
    }

    /// Waits for the daemon to exit on its own and returns its status.
    public func waitForExit(timeoutSeconds: Double = 30) -> Int32? {
        guard exited.wait(timeout: .now() + timeoutSeconds) == .success else { return nil }
        exited.signal()  // later callers see the exit too
        return process.terminationStatus
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
