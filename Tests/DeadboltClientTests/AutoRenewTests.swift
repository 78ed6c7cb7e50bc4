import DeadboltClient
import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// withLock's automatic renewal, observed through the daemon: QUERY's lease_remaining jumps
/// up at each renewal, and heldMilliseconds is the daemon's own clock.
final class AutoRenewTests: ClientTestCase {
    /// What the observer saw of one hold while polling QUERY.
    private struct Observation: Sendable {
        var renewals = 0
        var heldMilliseconds: UInt64 = 0
    }

    func testKeepsAShortLeaseAliveWellPastItsTTL() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = Handover(try TestClient.connected(to: daemon))

        let observation = try await client.withLock(
            "renewed", ttl: .milliseconds(300), autoRenew: .init(maxTotal: .seconds(60))
        ) { lease in
            try await onOwnThread { () throws -> Observation in
                // Poll until the daemon has seen the hold for 1.1 s: a 300 ms lease still held
                // then was renewed at least 3 times (4 × 300 ms > 1.1 s > 3 × 300 ms).
                var seen = Observation()
                var lastRemaining = UInt32.max
                let deadline = Date(timeIntervalSinceNow: 15)
                while seen.heldMilliseconds < 1_100 {
                    guard let holder = try observer.value.query("renewed").holders.first else {
                        throw TestFailure("the lease ran out after \(seen.heldMilliseconds) ms, \(seen.renewals) renewals")
                    }
                    guard holder.fencingToken == lease.token, holder.leaseRemainingMilliseconds <= 300 else {
                        throw TestFailure("expected the same hold, renewed to 300 ms; saw \(holder)")
                    }
                    if holder.leaseRemainingMilliseconds > lastRemaining { seen.renewals += 1 }
                    lastRemaining = holder.leaseRemainingMilliseconds
                    seen.heldMilliseconds = holder.heldMilliseconds
                    guard Date() < deadline else { throw TestFailure("timed out waiting for 1.1 s of holding") }
                }
                return seen
            }
        }
        XCTAssertGreaterThanOrEqual(observation.heldMilliseconds, 1_100)
        XCTAssertGreaterThanOrEqual(observation.renewals, 3)
        let stats = try observer.value.stats()
        XCTAssertEqual(stats["expiries_total"], 0)
        XCTAssertEqual(stats["releases_total"], 1, "withLock released the renewed lock")
        XCTAssertTrue(try observer.value.query("renewed").holders.isEmpty)
    }

    func testMaxTotalStopsRenewalAndTheLeaseThenRunsOut() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = Handover(try TestClient.connected(to: daemon))
        var latestLeaseEnd: UInt64 = 0
        var lostToken: UInt64 = 0
        var grantedToken: UInt64 = 0

        await assertThrows(.lockUnexist) {  // the release finds the lease gone
            try await client.withLock("bounded", ttl: .milliseconds(300), autoRenew: .init(maxTotal: .milliseconds(700))) { lease in
                grantedToken = lease.token
                // Until the hold is gone, the latest end of its lease on the daemon's clock,
                // counted from the grant: heldMilliseconds + leaseRemainingMilliseconds.
                async let leaseEnd = onOwnThread { () throws -> UInt64 in
                    var latest: UInt64 = 0
                    let deadline = Date(timeIntervalSinceNow: 15)
                    while let holder = try observer.value.query("bounded").holders.first {
                        latest = max(latest, holder.heldMilliseconds + UInt64(holder.leaseRemainingMilliseconds))
                        guard Date() < deadline else { throw TestFailure("the lease never ran out") }
                    }
                    return latest
                }
                let event = await nextLostLock(client)
                let lost = try XCTUnwrap(event, "renewal never stopped")
                lostToken = lost.token
                XCTAssertEqual(lost.reason, .leaseExpired)
                latestLeaseEnd = try await leaseEnd
            }
        }
        XCTAssertEqual(lostToken, grantedToken)
        // Renewed up to the bound (without renewal the lease would have ended at 300 ms), and
        // not past it: the renewal that would have crossed it was shortened to end on it.
        XCTAssertGreaterThanOrEqual(latestLeaseEnd, 690)
        XCTAssertLessThanOrEqual(latestLeaseEnd, 780, "renewal carried the lease past maxTotal")
    }

    func testAFailedRenewalArrivesAsALostLock() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let other = try await connect(daemon, name: "other")

        await assertThrows(.lockUnexist) {
            try await client.withLock("taken-over", ttl: .milliseconds(300), owner: "job", autoRenew: .init(maxTotal: .seconds(60))) { lease in
                // Another connection of the same uid releases the named owner's lock: no LOST
                // from the daemon, so the next renewal is what finds out.
                try await other.release("taken-over", owner: "job")
                let event = await nextLostLock(client)
                let lost = try XCTUnwrap(event, "the failed renewal was not reported")
                XCTAssertEqual(lost.reason, .renewalFailed)
                XCTAssertEqual(lost.token, lease.token)
                XCTAssertEqual(lost.owner, "job")
                XCTAssertEqual(lost.renewalError?.code, .lockUnexist)
            }
        }
    }
}
