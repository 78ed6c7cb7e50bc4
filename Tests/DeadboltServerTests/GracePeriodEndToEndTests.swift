import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// After an unclean stop, a detached lease may still be believed held by a
/// process that outlived the daemon: the next daemon grants nothing until that
/// lease would have ended. A clean stop needs no grace.
final class GracePeriodEndToEndTests: SandboxTestCase {
    private func counter(_ name: String, _ stats: StatsResponse) -> UInt64? {
        stats.counters.first { $0.name == name }?.value
    }

    func testAfterACrashADetachedLeaseIsWaitedOut() throws {
        var daemon = try sandbox.startDaemon()
        let holder = try TestClient.connected(to: daemon)
        let leaseMilliseconds: UInt32 = 1500
        let clock = Stopwatch()
        let before = try holder.acquireOK("nightly", owner: "cron-1", ttlMilliseconds: leaseMilliseconds, flags: [.detached])
        daemon.crash()

        daemon = try sandbox.startDaemon()
        let client = try TestClient.connected(to: daemon)
        let graceLeft = try XCTUnwrap(counter("grace_remaining_ms", try client.stats()))
        XCTAssertGreaterThan(graceLeft, 0, "the crashed daemon's detached lease is still running")
        XCTAssertLessThanOrEqual(graceLeft, UInt64(leaseMilliseconds) + 1000, "at most the lease plus the horizon's slack")
        XCTAssertEqual(try client.acquireAnswer("unrelated").status, .notGranted, "nothing is granted during the grace period")

        let waiting = try client.acquireQueued("nightly")
        let granted = try client.answer(to: waiting).expectGranted()
        XCTAssertGreaterThanOrEqual(clock.elapsedMilliseconds, Double(leaseMilliseconds), "not before the old lease ended")
        XCTAssertGreaterThan(granted.fencingToken, before.fencingToken)
        XCTAssertEqual(counter("grace_remaining_ms", try client.stats()), 0)
    }

    func testACleanStopLeavesNoGracePeriod() throws {
        var daemon = try sandbox.startDaemon()
        let holder = try TestClient.connected(to: daemon)
        try holder.acquireOK("nightly", owner: "cron-1", ttlMilliseconds: 60_000, flags: [.detached])
        XCTAssertEqual(daemon.stop(), 0)

        daemon = try sandbox.startDaemon()
        let client = try TestClient.connected(to: daemon)
        XCTAssertEqual(counter("grace_remaining_ms", try client.stats()), 0)
        try client.acquireOK("nightly")
    }

    func testSessionBoundLeasesNeedNoGrace() throws {
        var daemon = try sandbox.startDaemon()
        let holder = try TestClient.connected(to: daemon)
        try holder.acquireOK("job", ttlMilliseconds: 60_000)
        daemon.crash()

        daemon = try sandbox.startDaemon()
        let client = try TestClient.connected(to: daemon)
        try client.acquireOK("job")
    }
}
