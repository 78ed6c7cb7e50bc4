import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// QUERY, LIST and STATS over real sockets.
final class IntrospectionEndToEndTests: RunningDaemonTestCase {
    func testQueryShowsHoldersAndWaitersWithThePeerCredentialsOfTheirProcess() throws {
        let holder = try TestClient.connected(to: daemon)
        let waiter = try TestClient.connected(to: daemon)
        let reader = try TestClient.connected(to: daemon)
        let held = try holder.acquireOK("printer", owner: "owner-a", ttlMilliseconds: 10_000)
        try waiter.acquireQueued("printer", owner: "owner-b", waitMilliseconds: 20_000)
        try reader.acquireQueued("printer", mode: .shared)

        let state = try holder.query("printer")
        XCTAssertEqual(state.holders.count, 1)
        let holding = try XCTUnwrap(state.holders.first)
        XCTAssertEqual(holding.owner, "owner-a")
        XCTAssertEqual(holding.sessionID, holder.sessionID)
        XCTAssertEqual(holding.pid, getpid(), "the pid is the connecting process's, from SO_PEERCRED")
        XCTAssertEqual(holding.uid, geteuid())
        XCTAssertEqual(holding.gid, getegid())
        XCTAssertEqual(holding.mode, .exclusive)
        XCTAssertFalse(holding.detached)
        XCTAssertEqual(holding.fencingToken, held.fencingToken)
        XCTAssertEqual(holding.holdCount, 1)
        XCTAssertLessThan(holding.heldMilliseconds, 10_000)
        XCTAssertLessThanOrEqual(holding.leaseRemainingMilliseconds, 10_000)
        XCTAssertGreaterThan(holding.leaseRemainingMilliseconds, 5_000)

        XCTAssertEqual(state.waiters.map(\.owner), ["owner-b", ""])
        XCTAssertEqual(state.waiters.map(\.sessionID), [waiter.sessionID, reader.sessionID])
        XCTAssertEqual(state.waiters.map(\.pid), [getpid(), getpid()])
        XCTAssertEqual(state.waiters.map(\.uid), [geteuid(), geteuid()])
        XCTAssertEqual(state.waiters.map(\.mode), [.exclusive, .shared])
        let bounded = try XCTUnwrap(state.waiters.first).waitRemainingMilliseconds
        XCTAssertLessThanOrEqual(bounded, 20_000)
        XCTAssertGreaterThan(bounded, 10_000)
        XCTAssertEqual(state.waiters.last?.waitRemainingMilliseconds, WaiterInfo.unbounded)

        // A lock without a lease, and a resource nobody holds.
        try holder.acquireOK("no-lease")
        XCTAssertEqual(try holder.query("no-lease").holders.map(\.leaseRemainingMilliseconds), [HolderInfo.noLease])
        XCTAssertEqual(try holder.query("nobody"), QueryResponse(holders: [], waiters: []))
    }

    func testListPagesThroughAPrefixInByteOrder() throws {
        let client = try TestClient.connected(to: daemon)
        let waiter = try TestClient.connected(to: daemon)
        let reader = try TestClient.connected(to: daemon)
        for name in ["app/d", "app/b", "other/x", "app/a", "app/c"] { try client.acquireOK(name) }
        try waiter.acquireQueued("app/b")
        try client.acquireOK("shared/s", mode: .shared)
        try reader.acquireOK("shared/s", mode: .shared)

        let first = try client.list(prefix: "app/", limit: 2)
        XCTAssertEqual(first.entries, [
            ListEntry(resource: "app/a", mode: .exclusive, holderCount: 1, waiterCount: 0),
            ListEntry(resource: "app/b", mode: .exclusive, holderCount: 1, waiterCount: 1),
        ])
        XCTAssertEqual(first.nextCursor, "app/b")
        let second = try client.list(prefix: "app/", limit: 2, cursor: first.nextCursor)
        XCTAssertEqual(second.entries.map(\.resource), ["app/c", "app/d"])
        XCTAssertEqual(second.nextCursor, "", "the last page has no cursor")

        let everything = try client.list()
        XCTAssertEqual(everything.entries.map(\.resource), ["app/a", "app/b", "app/c", "app/d", "other/x", "shared/s"])
        XCTAssertEqual(everything.entries.last, ListEntry(resource: "shared/s", mode: .shared, holderCount: 2, waiterCount: 0))
        XCTAssertEqual(everything.nextCursor, "")
        XCTAssertEqual(try client.list(prefix: "none/").entries, [])
    }

    func testStatsCountsConnectionsLocksGrantsAndReleases() throws {
        let first = try TestClient.connected(to: daemon)
        var stats = try first.stats()
        XCTAssertEqual(stats["connections"], 1)
        XCTAssertEqual(stats["sessions"], 1)
        XCTAssertEqual(stats["locks_held"], 0)
        XCTAssertEqual(stats["grants_total"], 0)

        let second = try TestClient.connected(to: daemon)
        let held = try first.acquireOK("a")
        try first.acquireOK("b")
        XCTAssertEqual(try second.acquireAnswer("a").status, .notGranted)
        try second.acquireQueued("a")
        XCTAssertEqual(try first.releaseOK("b"), 0)

        stats = try first.stats()
        XCTAssertEqual(stats["connections"], 2)
        XCTAssertEqual(stats["sessions"], 2)
        XCTAssertEqual(stats["resources"], 1)
        XCTAssertEqual(stats["locks_held"], 1)
        XCTAssertEqual(stats["waiters"], 1)
        XCTAssertEqual(stats["grants_total"], 2)
        XCTAssertEqual(stats["releases_total"], 1)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(stats["fencing_high_water"]), held.fencingToken)
    }

    func testAQueryTooLargeForOneFrameSendsTheEntriesThatFitHoldersFirst() throws {
        let holder = try TestClient.connected(to: daemon)
        let crowd = try TestClient.connected(to: daemon)
        let observer = try TestClient.connected(to: daemon)
        try holder.acquireOK("crowded")
        // 300 waiters with 200-byte owners: about 70 KB of entries, more than the 64 KiB frame.
        let owners = (0..<300).map { index in "waiter-\(index)-" + String(repeating: "x", count: 200 - "waiter-\(index)-".utf8.count) }
        try crowd.sendPipelined(owners.map { .acquire(AcquireRequest(resource: "crowded", owner: $0, waitMilliseconds: AcquireRequest.waitForever)) })
        try crowd.ping()
        XCTAssertEqual(crowd.unclaimedMessages, [], "all 300 are queued")

        let state = try observer.query("crowded")  // the kit rejects a frame above maxFrameBytes
        XCTAssertEqual(state.holders.map(\.sessionID), [holder.sessionID])
        XCTAssertGreaterThan(state.waiters.count, 200)
        XCTAssertLessThan(state.waiters.count, 300)
        XCTAssertEqual(state.waiters.map(\.owner), Array(owners.prefix(state.waiters.count)), "a prefix of the queue, in order")
        XCTAssertEqual(try observer.list(prefix: "crowded").entries.map(\.waiterCount), [300], "LIST gives the exact count")
    }

    func testListPagesNeverExceedTheFrameLimit() throws {
        let client = try TestClient.connected(to: daemon)
        // 1,000 names of 255 bytes: about 266 KB of entries, four times the 64 KiB frame.
        let names = (0..<1_000).map { index in
            let stem = "long/" + String(index).leftPadded(to: 4)
            return stem + String(repeating: "n", count: 255 - stem.utf8.count)
        }
        try client.sendPipelined(names.map { .acquire(AcquireRequest(resource: $0)) })
        try client.ping()
        XCTAssertEqual(client.unclaimedMessages.filter { $0.granted == nil }, [])

        var listed: [String] = []
        var cursor = ""
        var pages = 0
        repeat {
            let page = try client.list(prefix: "long/", limit: 1_000, cursor: cursor)  // the kit rejects a frame above maxFrameBytes
            XCTAssertFalse(page.entries.isEmpty)
            listed += page.entries.map(\.resource)
            cursor = page.nextCursor
            pages += 1
        } while !cursor.isEmpty && pages < 100
        XCTAssertEqual(listed, names)
        XCTAssertGreaterThan(pages, 1)
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
