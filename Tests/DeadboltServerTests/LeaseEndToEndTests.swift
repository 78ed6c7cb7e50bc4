import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Leases over real sockets: expiry with a LOST event, renewal, and detached
/// locks that outlive their connection. Leases are short (hundreds of
/// milliseconds); every wait for an expiry is a wait for an event (LOST, a
/// grant, WAIT_TIMEOUT), bounded by the client's read timeout.
final class LeaseEndToEndTests: RunningDaemonTestCase {
    func testAnExpiredLeaseIsReportedLostToItsHolderAndTheWaiterIsGranted() throws {
        let holder = try TestClient.connected(to: daemon)
        let waiter = try TestClient.connected(to: daemon)
        let stopwatch = Stopwatch()
        let held = try holder.acquireOK("lease", owner: "worker-1", ttlMilliseconds: 200)
        XCTAssertEqual(held.ttlMilliseconds, 200)
        let waitID = try waiter.acquireQueued("lease")

        let lost = try holder.nextLost()
        XCTAssertGreaterThanOrEqual(stopwatch.elapsedMilliseconds, 200, "a lease must never end early")
        XCTAssertEqual(lost, LostEvent(resource: "lease", owner: "worker-1", fencingToken: held.fencingToken, reason: .leaseExpired))

        let granted = try waiter.answer(to: waitID).expectGranted()
        XCTAssertGreaterThan(granted.fencingToken, held.fencingToken)
        XCTAssertEqual(try waiter.query("lease").holders.map(\.sessionID), [waiter.sessionID])
        // The old holder no longer holds it.
        XCTAssertEqual(try holder.release("lease", owner: "worker-1").status, .lockBelongToOthers)

        let stats = try holder.stats()
        XCTAssertEqual(stats["expiries_total"], 1)
        XCTAssertEqual(stats["lost_total"], 1)
        XCTAssertEqual(stats["silent_expiries_total"], 0)
    }

    func testRenewKeepsTheLockPastItsOriginalDeadline() throws {
        let holder = try TestClient.connected(to: daemon)
        let waiter = try TestClient.connected(to: daemon)
        let held = try holder.acquireOK("renewed", ttlMilliseconds: 200)
        let renewal = try holder.renew("renewed", ttlMilliseconds: 5_000)
        XCTAssertEqual(renewal, .response(requestID: renewal.requestID, .renew(RenewResponse(fencingToken: held.fencingToken, ttlMilliseconds: 5_000))))

        // A wait three times the original lease times out: the lock outlived its first deadline.
        let stopwatch = Stopwatch()
        XCTAssertEqual(try waiter.acquireAnswer("renewed", waitMilliseconds: 600).status, .waitTimeout)
        XCTAssertGreaterThanOrEqual(stopwatch.elapsedMilliseconds, 600)
        try holder.ping()
        XCTAssertFalse(holder.unclaimedMessages.contains(where: \.isLost), "no LOST at the original deadline")
        let holders = try holder.query("renewed").holders
        XCTAssertEqual(holders.map(\.fencingToken), [held.fencingToken])
        XCTAssertLessThanOrEqual(try XCTUnwrap(holders.first).leaseRemainingMilliseconds, 5_000 - 600)

        // Renewed to a short lease, it does expire.
        XCTAssertEqual(try holder.renew("renewed", ttlMilliseconds: 100).status, .ok)
        XCTAssertEqual(try holder.nextLost(), LostEvent(resource: "renewed", owner: "", fencingToken: held.fencingToken, reason: .leaseExpired))
    }

    func testRenewOfAnotherOwnersLockOrOfAnUnheldLockFails() throws {
        let holder = try TestClient.connected(to: daemon)
        let other = try TestClient.connected(to: daemon)
        try holder.acquireOK("mine", ttlMilliseconds: 10_000)

        let bySession = try other.renew("mine", ttlMilliseconds: 10_000)
        XCTAssertEqual(bySession.status, .lockBelongToOthers)
        XCTAssertEqual(bySession.failedRequestType, .renew)
        XCTAssertEqual(try other.renew("mine", owner: "someone-else", ttlMilliseconds: 10_000).status, .lockBelongToOthers)
        let unheld = try holder.renew("nobody-holds-this", ttlMilliseconds: 10_000)
        XCTAssertEqual(unheld.status, .lockUnexist)
        XCTAssertEqual(unheld.failedRequestType, .renew)
        // The failed renewals changed nothing.
        XCTAssertEqual(try holder.query("mine").holders.map(\.sessionID), [holder.sessionID])
    }

    func testADetachedLockOutlivesItsConnectionUntilItsLeaseEnds() throws {
        let taker = try TestClient.connected(to: daemon)
        let observer = try TestClient.connected(to: daemon)
        let waiter = try TestClient.connected(to: daemon)
        let takerSession = taker.sessionID
        let stopwatch = Stopwatch()
        // Long enough that the checks below run well before it ends.
        let held = try taker.acquireOK("nightly", owner: "job-42", ttlMilliseconds: 1_000, flags: .detached)
        taker.disconnect()
        let whileDetached = try observer.waitForStats("the daemon to see the taker's close") { $0["connections"] == 2 }
        XCTAssertEqual(whileDetached["sessions"], 3, "a closed session that owns a detached lock is still tracked")

        XCTAssertEqual(try observer.acquireAnswer("nightly").status, .notGranted)
        let holder = try XCTUnwrap(observer.query("nightly").holders.first)
        XCTAssertEqual(holder.owner, "job-42")
        XCTAssertEqual(holder.sessionID, takerSession)
        XCTAssertTrue(holder.detached)
        XCTAssertEqual(holder.fencingToken, held.fencingToken)
        XCTAssertLessThanOrEqual(holder.leaseRemainingMilliseconds, 1_000)
        XCTAssertGreaterThan(holder.leaseRemainingMilliseconds, 0)

        // Then it expires (silently: its taker is gone) and the waiter gets it.
        let granted = try waiter.answer(to: waiter.acquire("nightly", waitMilliseconds: AcquireRequest.waitForever)).expectGranted()
        XCTAssertGreaterThanOrEqual(stopwatch.elapsedMilliseconds, 1_000)
        XCTAssertGreaterThan(granted.fencingToken, held.fencingToken)
        let stats = try observer.stats()
        XCTAssertEqual(stats["silent_expiries_total"], 1)
        XCTAssertEqual(stats["lost_total"], 0)
        XCTAssertEqual(stats["sessions"], 2, "the closed session is forgotten once its last lock ended")
    }
}
