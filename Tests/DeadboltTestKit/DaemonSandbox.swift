import Foundation

/// A temp directory for one test, and every daemon started in it. Start
/// daemons through it so ``cleanUp()`` stops them all (SIGTERM, SIGKILL if
/// that does not work) and removes the directory.
public final class DaemonSandbox: @unchecked Sendable {
    public let directory: String
    private var daemons: [DaemonProcess] = []

    public init() {
        directory = DaemonProcess.temporaryDirectory()
    }

    /// Starts a daemon on `directory` (the same socket and state dir every time).
    @discardableResult
    public func startDaemon(
        arguments: [String] = [], waitForListening: Bool = true, launcher: [String] = [],
        environment: [String: String] = [:], ready: @escaping @Sendable (String) -> Bool = { $0.contains("listening") }
    ) throws -> DaemonProcess {
        let daemon = try DaemonProcess(
            directory: directory, arguments: arguments, waitForListening: waitForListening, launcher: launcher,
            environment: environment, ready: ready
        )
        daemons.append(daemon)
        return daemon
    }

    public var socketPath: String { directory + "/deadbolt.sock" }

    public func cleanUp() {
        for daemon in daemons where daemon.process.isRunning {
            if daemon.stop() == nil { daemon.crash() }
        }
        daemons.removeAll()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
