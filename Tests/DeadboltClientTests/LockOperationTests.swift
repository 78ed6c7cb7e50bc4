import DeadboltClient
import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// acquire, release, renew, query, list, stats, forceRelease: what each sends, as another
/// connection (the blocking TestClient) sees it in the daemon.
final class LockOperationTests: ClientTestCase {
    func testAcquireReturnsTheGrantAndReleaseFreesTheLock() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)

        let lease = try await client.acquire("report", ttl: .seconds(30), wait: .none)
        XCTAssertEqual(lease.resource, "report")
        XCTAssertNil(lease.owner)
        XCTAssertEqual(lease.mode, .exclusive)
        XCTAssertEqual(lease.holdCount, 1)
        XCTAssertEqual(lease.ttl, .seconds(30))

        let holder = try XCTUnwrap(observer.query("report").holders.first)
        XCTAssertEqual(holder.fencingToken, lease.token)
        XCTAssertEqual(holder.owner, "")
        XCTAssertEqual(holder.mode, .exclusive)
        XCTAssertFalse(holder.detached)
        XCTAssertLessThanOrEqual(holder.leaseRemainingMilliseconds, 30_000)
        XCTAssertGreaterThan(holder.leaseRemainingMilliseconds, 20_000)

        let remaining = try await client.release("report")
        XCTAssertEqual(remaining, 0)
        XCTAssertTrue(try observer.query("report").holders.isEmpty)
        XCTAssertGreaterThan(try observer.acquireOK("report").fencingToken, lease.token)
    }

    func testNoTTLMeansNoLeaseAndOptionsReachTheDaemon() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)

        let plain = try await client.acquire("plain", wait: .none)
        XCTAssertNil(plain.ttl)
        XCTAssertEqual(try observer.query("plain").holders.first?.leaseRemainingMilliseconds, HolderInfo.noLease)

        let shared = try await client.acquire("readers", mode: .shared, owner: "reader-1")
        let other = try await client.acquire("readers", mode: .shared, owner: "reader-2")
        XCTAssertEqual(shared.mode, .shared)
        XCTAssertEqual(shared.owner, "reader-1")
        XCTAssertEqual(try observer.query("readers").holders.map(\.owner), ["reader-1", "reader-2"])
        XCTAssertNotEqual(shared.token, other.token)

        _ = try await client.acquire("kept", ttl: .seconds(60), owner: "job-7", detached: true)
        XCTAssertEqual(try observer.query("kept").holders.first?.detached, true)
    }

    func testReentrantAcquiresNestAndNeedAsManyReleases() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let first = try await client.acquire("nested", reentrant: true)
        let second = try await client.acquire("nested", reentrant: true)
        XCTAssertEqual(first.holdCount, 1)
        XCTAssertEqual(second.holdCount, 2)
        XCTAssertEqual(second.token, first.token)
        let afterFirstRelease = try await client.release("nested")
        XCTAssertEqual(afterFirstRelease, 1)
        let afterSecondRelease = try await client.release("nested")
        XCTAssertEqual(afterSecondRelease, 0)
    }

    func testANamedOwnerIsReleasedFromAnotherConnectionOfTheSameUID() async throws {
        let daemon = try startDaemon()
        let taker = try await connect(daemon)
        let other = try await connect(daemon)
        _ = try await taker.acquire("handover", owner: "job-42")
        let remaining = try await other.release("handover", owner: "job-42")
        XCTAssertEqual(remaining, 0)
        let query = try await other.query("handover")
        XCTAssertTrue(query.holders.isEmpty)
    }

    func testRenewSetsTheLeaseFromNowAndKeepsTheToken() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        let lease = try await client.acquire("renewed", ttl: .seconds(2))

        let renewal = try await client.renew("renewed", ttl: .seconds(60))
        XCTAssertEqual(renewal.token, lease.token)
        XCTAssertEqual(renewal.ttl, .seconds(60))
        XCTAssertGreaterThan(try XCTUnwrap(observer.query("renewed").holders.first).leaseRemainingMilliseconds, 50_000)

        let unleased = try await client.renew("renewed", ttl: nil)
        XCTAssertNil(unleased.ttl)
        XCTAssertEqual(try observer.query("renewed").holders.first?.leaseRemainingMilliseconds, HolderInfo.noLease)
    }

    func testQueryListsHoldersAndWaiters() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        let lease = try await client.acquire("queried", ttl: .seconds(30))
        try observer.acquireQueued("queried", owner: "next")

        let query = try await client.query("queried")
        XCTAssertEqual(query.holders.map(\.fencingToken), [lease.token])
        XCTAssertEqual(query.holders.first?.sessionID, client.session.sessionID)
        XCTAssertEqual(query.waiters.map(\.owner), ["next"])
        XCTAssertEqual(query.waiters.first?.sessionID, observer.sessionID)

        let nobody = try await client.query("nobody")
        XCTAssertTrue(nobody.holders.isEmpty && nobody.waiters.isEmpty)
    }

    func testListPagesByPrefixWithACursor() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        for name in ["db/a", "db/b", "db/c", "other"] {
            _ = try await client.acquire(name)
        }
        let first = try await client.list(prefix: "db/", limit: 2)
        XCTAssertEqual(first.entries.map(\.resource), ["db/a", "db/b"])
        XCTAssertEqual(first.entries.first?.holderCount, 1)
        XCTAssertFalse(first.nextCursor.isEmpty)
        let second = try await client.list(prefix: "db/", limit: 2, cursor: first.nextCursor)
        XCTAssertEqual(second.entries.map(\.resource), ["db/c"])
        XCTAssertEqual(second.nextCursor, "")
        let all = try await client.list()
        XCTAssertEqual(all.entries.count, 4)
        await assertThrows(.invalidArgument) { try await client.list(limit: -1) }
    }

    func testStatsAreTheDaemonsCountersByName() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        _ = try await client.acquire("counted")
        _ = try await client.acquire("counted-too")
        try await client.release("counted")
        let stats = try await client.stats()
        XCTAssertEqual(stats["locks_held"], 1)
        XCTAssertEqual(stats["grants_total"], 2)
        XCTAssertEqual(stats["releases_total"], 1)
        XCTAssertEqual(stats["connections"], 1)
        XCTAssertNotNil(stats["fencing_high_water"])
    }

    func testForceReleaseRemovesEveryHolderAndTellsThem() async throws {
        let daemon = try startDaemon()
        let holder = try await connect(daemon, name: "holder")
        let admin = try await connect(daemon, name: "admin")
        let lease = try await holder.acquire("stuck", mode: .shared)
        _ = try await admin.acquire("stuck", mode: .shared, owner: "second")

        let removed = try await admin.forceRelease("stuck")
        XCTAssertEqual(removed, 2)
        let event = await nextLostLock(holder)
        let lost = try XCTUnwrap(event)
        XCTAssertEqual(lost.resource, "stuck")
        XCTAssertEqual(lost.token, lease.token)
        XCTAssertEqual(lost.reason, .forceReleased)
        let removedFromFree = try await admin.forceRelease("stuck")
        XCTAssertEqual(removedFromFree, 0)
    }
}
