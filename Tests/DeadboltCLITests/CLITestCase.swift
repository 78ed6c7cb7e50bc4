import DeadboltTestKit
import XCTest

/// A test of the built `deadbolt` binary against a real daemon on a temp
/// socket, run as a user would run it.
class CLITestCase: XCTestCase {
    var sandbox: DaemonSandbox!
    var daemon: DaemonProcess!
    static let binary = CommandProcess.builtExecutable("deadbolt")

    /// Flags for the daemon; override to change them.
    var daemonArguments: [String] { [] }

    override func setUpWithError() throws {
        sandbox = DaemonSandbox()
        daemon = try sandbox.startDaemon(arguments: daemonArguments)
    }

    override func tearDown() {
        sandbox?.cleanUp()
    }

    /// The environment that points the CLI at this test's daemon.
    var environment: [String: String] { ["DEADBOLT_SOCKET": daemon.socketPath] }

    /// Runs `deadbolt arguments...` to completion.
    func deadbolt(_ arguments: String..., timeoutSeconds: Double = 30) throws -> CommandResult {
        try CommandProcess.run([Self.binary] + arguments, environment: environment, timeoutSeconds: timeoutSeconds)
    }

    /// Starts `deadbolt arguments...` and leaves it running.
    func startDeadbolt(_ arguments: String...) throws -> CommandProcess {
        try startDeadbolt(arguments)
    }

    func startDeadbolt(_ arguments: [String]) throws -> CommandProcess {
        try CommandProcess([Self.binary] + arguments, environment: environment)
    }

    /// A wire client of the same daemon, to hold locks and look at them.
    func observer() throws -> TestClient {
        try TestClient.connected(to: daemon)
    }
}
