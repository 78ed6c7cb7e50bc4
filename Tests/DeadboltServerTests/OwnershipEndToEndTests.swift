import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Who may release what, over real sockets: the three release statuses,
/// ALREADY_HELD for an owner that asks again, and reentrant nesting.
final class OwnershipEndToEndTests: RunningDaemonTestCase {
    func testReleaseAnswersReleasedLockUnexistOrLockBelongToOthers() throws {
        let holder = try TestClient.connected(to: daemon)
        let other = try TestClient.connected(to: daemon)

        let unheld = try other.release("files")
        XCTAssertEqual(unheld.status, .lockUnexist)
        XCTAssertEqual(unheld.failedRequestType, .release)

        try holder.acquireOK("files")
        let notYours = try other.release("files")
        XCTAssertEqual(notYours.status, .lockBelongToOthers)
        XCTAssertEqual(notYours.failedRequestType, .release)
        XCTAssertEqual(try other.release("files", owner: "some-owner").status, .lockBelongToOthers)
        XCTAssertEqual(try other.query("files").holders.map(\.sessionID), [holder.sessionID], "a refused release changes nothing")

        XCTAssertEqual(try holder.releaseOK("files"), 0)
        XCTAssertEqual(try holder.release("files").status, .lockUnexist, "released means gone")
    }

    func testANamedOwnerCanBeReleasedByAnotherConnectionPresentingIt() throws {
        let taker = try TestClient.connected(to: daemon)
        let helper = try TestClient.connected(to: daemon)
        try taker.acquireOK("batch", owner: "task-7")
        XCTAssertEqual(try helper.release("batch", owner: "task-8").status, .lockBelongToOthers)
        XCTAssertEqual(try helper.release("batch").status, .lockBelongToOthers, "the session's own name is not task-7")
        XCTAssertEqual(try helper.releaseOK("batch", owner: "task-7"), 0)
        XCTAssertEqual(try taker.query("batch"), QueryResponse(holders: [], waiters: []))
    }

    func testASecondAcquireByTheSameOwnerIsAlreadyHeldAtOnce() throws {
        let client = try TestClient.connected(to: daemon)
        let held = try client.acquireOK("once")
        let again = try client.acquireAnswer("once")
        XCTAssertEqual(again.status, .alreadyHeld)
        XCTAssertEqual(again.failedRequestType, .acquire)
        // Even a waiting acquire does not wait on itself.
        XCTAssertEqual(try client.acquireAnswer("once", waitMilliseconds: AcquireRequest.waitForever).status, .alreadyHeld)
        // Neither does an upgrade from shared to exclusive.
        try client.acquireOK("read-then-write", mode: .shared)
        XCTAssertEqual(try client.acquireAnswer("read-then-write", waitMilliseconds: 10_000).status, .alreadyHeld)
        // Nor reentrancy on a shared hold.
        XCTAssertEqual(try client.acquireAnswer("read-then-write", mode: .shared, flags: .reentrant).status, .alreadyHeld)

        let state = try client.query("once")
        XCTAssertEqual(state.holders.map(\.holdCount), [1])
        XCTAssertEqual(state.holders.map(\.fencingToken), [held.fencingToken])
        XCTAssertEqual(state.waiters, [])
        XCTAssertEqual(try client.releaseOK("once"), 0)
    }

    func testReentrantAcquiresNestWithTheSameTokenAndNeedAsManyReleases() throws {
        let owner = try TestClient.connected(to: daemon)
        let other = try TestClient.connected(to: daemon)
        let outer = try owner.acquireOK("nested", flags: .reentrant)
        XCTAssertEqual(outer.holdCount, 1)
        let inner = try owner.acquireOK("nested", flags: .reentrant)
        XCTAssertEqual(inner.holdCount, 2)
        XCTAssertEqual(inner.fencingToken, outer.fencingToken)
        XCTAssertEqual(try owner.query("nested").holders.map(\.holdCount), [2])

        XCTAssertEqual(try owner.releaseOK("nested"), 1)
        XCTAssertEqual(try other.acquireAnswer("nested").status, .notGranted, "one release of two leaves it held")
        XCTAssertEqual(try owner.releaseOK("nested"), 0)
        let next = try other.acquireOK("nested")
        XCTAssertGreaterThan(next.fencingToken, outer.fencingToken)
        XCTAssertEqual(try owner.stats()["releases_total"], 1, "a reentrant hold is released once, at its last release")
    }
}
