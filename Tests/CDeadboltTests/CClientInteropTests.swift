import CDeadbolt
import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// libdeadbolt and the Swift wire client against one daemon: the C client's
/// requests mean to the daemon what the protocol says, as another client
/// sees them. (The C library's own tests, in C, are in Tests/libdeadbolt.)
final class CClientInteropTests: XCTestCase {
    var sandbox: DaemonSandbox!
    var daemon: DaemonProcess!

    override func setUpWithError() throws {
        sandbox = DaemonSandbox()
        daemon = try sandbox.startDaemon()
    }

    override func tearDown() {
        sandbox?.cleanUp()
    }

    private func connectC() throws -> OpaquePointer {
        var handle: OpaquePointer?
        let err = deadbolt_connect(sandbox.socketPath, &handle)
        guard err == 0, let handle else { throw CError(code: err) }
        return handle
    }

    func testALockTakenInCIsHeldWithThisProcessCredentialsAndItsToken() throws {
        let c = try connectC()
        defer { deadbolt_close(c) }
        var options = deadbolt_lock_options()
        deadbolt_lock_options_init(&options)
        options.ttl_ms = 30_000
        var token: UInt64 = 0
        XCTAssertEqual(deadbolt_lock(c, "interop", &options, &token), 0)

        let observer = try TestClient.connected(to: daemon)
        let holder = try XCTUnwrap(observer.query("interop").holders.first)
        XCTAssertEqual(holder.pid, getpid())
        XCTAssertEqual(holder.uid, getuid())
        XCTAssertEqual(holder.fencingToken, token)
        XCTAssertEqual(holder.mode, .exclusive)
        XCTAssertLessThanOrEqual(holder.leaseRemainingMilliseconds, 30_000)
        guard case .failure(_, _, .notGranted, _) = try observer.acquireAnswer("interop") else {
            return XCTFail("a try on a lock held through the C client must be NOT_GRANTED")
        }

        XCTAssertEqual(deadbolt_unlock(c, "interop", nil), 0)
        XCTAssertGreaterThan(try observer.acquireOK("interop").fencingToken, token)
    }

    func testACClientWaitingInDeadboltLockIsGrantedWhenTheSwiftHolderReleases() throws {
        let holder = try TestClient.connected(to: daemon)
        let held = try holder.acquireOK("handoff")
        let c = try connectC()
        defer { deadbolt_close(c) }

        let handle = UncheckedHandle(pointer: c)
        let answered = expectation(description: "deadbolt_lock returned")
        let result = LockedBox<(Int32, UInt64)>()
        Thread.detachNewThread {
            var token: UInt64 = 0
            let err = deadbolt_lock(handle.pointer, "handoff", nil, &token) // exclusive, waits forever
            result.value = (err, token)
            answered.fulfill()
        }
        try holder.waitForStats("the C client's acquire to queue") { $0["waiters"] == 1 }
        XCTAssertEqual(try holder.releaseOK("handoff"), 0)

        wait(for: [answered], timeout: 10)
        XCTAssertEqual(result.value?.0, 0)
        XCTAssertGreaterThan(result.value?.1 ?? 0, held.fencingToken)
    }
}

/// A libdeadbolt return value as a Swift error.
struct CError: Error, CustomStringConvertible {
    var code: Int32
    var description: String { String(cString: deadbolt_strerror(code)) }
}

/// A handle moved to one other thread, which alone uses it until it is done.
struct UncheckedHandle: @unchecked Sendable {
    var pointer: OpaquePointer
}

final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value?
    var value: Value? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
