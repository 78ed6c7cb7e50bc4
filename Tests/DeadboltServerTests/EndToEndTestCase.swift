import DeadboltTestKit
import XCTest

/// A test with a fresh sandbox (temp socket and state directory), removed
/// after it, daemons stopped. For tests that start their own daemons.
class SandboxTestCase: XCTestCase {
    var sandbox: DaemonSandbox!

    override func setUpWithError() throws {
        sandbox = DaemonSandbox()
    }

    override func tearDown() {
        sandbox?.cleanUp()
    }
}

/// A test against one real daemon started in its sandbox with default flags.
class RunningDaemonTestCase: SandboxTestCase {
    var daemon: DaemonProcess!

    override func setUpWithError() throws {
        try super.setUpWithError()
        daemon = try sandbox.startDaemon()
    }
}
