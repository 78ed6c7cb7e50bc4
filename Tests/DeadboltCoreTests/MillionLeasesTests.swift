import DeadboltCore
import XCTest

/// A million leases through the whole engine: they end on time, all of them,
/// once each, in bounded `advance` calls, and leave an empty table.
final class MillionLeasesTests: XCTestCase {
    func testAMillionLeasesExpireOnceEachAndNoneEarly() throws {
        let count = 1_000_000
        let workPerAdvance = 16_384
        let expiriesPerAdvance = 1_024
        let configuration = LockTableConfiguration(
            maxLocksPerSession: 2 * count, maxWaitersPerSession: 16, maxResources: 2 * count,
            tickNanoseconds: 1_000_000, timerWorkPerAdvance: workPerAdvance, maxExpiriesPerAdvance: expiriesPerAdvance,
            fencingReservationSize: 65_536
        )
        let start = Instant.milliseconds(10_000)
        var table = LockTable(configuration: configuration, now: start)
        table.reserveCapacity(locks: count)
        let session = SessionID(1)
        table.openSession(session, peer: Peer(pid: 42, uid: 1000, gid: 1000))

        // Lease i runs 1000 + i % 4 ms from the start: four deadline ticks,
        // 11 000 to 11 003, a quarter of the leases in each.
        var actions: [LockAction] = []
        for index in 0..<count {
            let request = LockRequest(
                resource: try ResourceName("r\(index)"), session: session, ticket: Ticket(UInt64(index)),
                ttlMilliseconds: 1_000 + UInt32(index % 4)
            )
            guard case .granted(let grant) = table.acquire(request, now: start, into: &actions),
                  grant.fencingToken == UInt64(index + 1), grant.ttlMilliseconds == request.ttlMilliseconds
            else {
                return XCTFail("lease \(index) was not granted as expected")
            }
        }
        XCTAssertEqual(actions.count, (count + 65_535) / 65_536, "one high-water write per reservation, nothing else")
        XCTAssertEqual(table.counters.locksHeld, count)
        XCTAssertEqual(table.counters.resources, count)
        XCTAssertEqual(table.nextAdvance().map { $0 <= .milliseconds(11_001) }, true)

        // Up to 1 ns before tick 11 000 ends: not one lease may end.
        actions.removeAll()
        let quietCalls = advanceUntilDone(&table, to: Instant(nanoseconds: 11_000_999_999), into: &actions, perCall: expiriesPerAdvance)
        XCTAssertEqual(actions.count, 0, "leases ended before their tick had passed")
        XCTAssertEqual(table.counters.locksHeld, count)
        XCTAssertEqual(table.counters.expiriesTotal, 0)
        // The wheel's documented work: 999 ticks stepped (10 001 to 10 999) and,
        // at tick 10 752, a million timers moved down from level 1.
        XCTAssertEqual(quietCalls, (999 + count + workPerAdvance - 1) / workPerAdvance)

        var seen = [Bool](repeating: false, count: count)
        var duplicates = 0
        var misfits = 0
        for group in 0..<4 {
            actions.removeAll(keepingCapacity: true)
            let now = Instant.milliseconds(11_001 + UInt64(group))
            let calls = advanceUntilDone(&table, to: now, into: &actions, perCall: expiriesPerAdvance)
            XCTAssertEqual(actions.count, count / 4, "tick \(11_000 + group) ends a quarter of the leases")
            // A quarter million ended, `maxExpiriesPerAdvance` per call (the
            // wheel's work per call, 1 + 1 024 units, stays within its budget).
            XCTAssertEqual(calls, (count / 4 + expiriesPerAdvance - 1) / expiriesPerAdvance)
            for action in actions {
                guard case .lost(let notice) = action, notice.reason == .leaseExpired, notice.session == session,
                      notice.owner == .session, notice.fencingToken >= 1, notice.fencingToken <= UInt64(count)
                else {
                    misfits += 1
                    continue
                }
                let index = Int(notice.fencingToken - 1)
                if index % 4 != group || notice.resource.string != "r\(index)" { misfits += 1 }
                if seen[index] { duplicates += 1 }
                seen[index] = true
            }
            XCTAssertEqual(table.counters.locksHeld, count - (group + 1) * count / 4)
        }
        XCTAssertEqual(misfits, 0, "LOST notices for the wrong lease, reason, owner or tick")
        XCTAssertEqual(duplicates, 0, "a lease reported lost twice")
        XCTAssertEqual(seen.filter { $0 }.count, count, "every lease reported lost")

        let counters = table.counters
        XCTAssertEqual(counters.locksHeld, 0)
        XCTAssertEqual(counters.resources, 0)
        XCTAssertEqual(counters.expiriesTotal, UInt64(count))
        XCTAssertEqual(counters.lostTotal, UInt64(count))
        XCTAssertEqual(counters.silentExpiriesTotal, 0)
        XCTAssertEqual(counters.sessions, 1)
        XCTAssertNil(table.nextAdvance())
        XCTAssertNil(table.snapshot(of: try ResourceName("r0")))
        XCTAssertNil(table.snapshot(of: try ResourceName("r\(count - 1)")))
    }

    /// Calls `advance` until it reports done; each call may end at most
    /// `perCall` leases (`maxExpiriesPerAdvance`). Returns the number of calls.
    private func advanceUntilDone(_ table: inout LockTable, to now: Instant, into actions: inout [LockAction], perCall: Int) -> Int {
        var calls = 0
        while true {
            let before = actions.count
            let done = table.advance(to: now, into: &actions)
            calls += 1
            XCTAssertLessThanOrEqual(actions.count - before, perCall, "call \(calls) did more than its budget")
            if done { return calls }
            precondition(calls < 10_000, "advance never finishes")
        }
    }
}
