import DeadboltClient
import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Many calls in flight on one connection, answered out of order and matched by id.
final class PipeliningTests: ClientTestCase {
    func testAHundredConcurrentAcquiresFromOneClientAreAllGranted() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let leases = try await withThrowingTaskGroup(of: Lease.self, returning: [Lease].self) { group in
            for index in 0..<100 {
                group.addTask { try await client.acquire("pipelined/\(index)", ttl: .seconds(60), wait: .none) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(leases.count, 100)
        XCTAssertEqual(Set(leases.map(\.token)).count, 100, "every grant has its own token")
        XCTAssertEqual(Set(leases.map(\.resource)).count, 100, "each answer went to its own call")

        let observer = try TestClient.connected(to: daemon)
        XCTAssertEqual(try observer.stats()["locks_held"], 100)
        for lease in leases.prefix(10) {
            XCTAssertEqual(try observer.query(lease.resource).holders.first?.fencingToken, lease.token)
        }
    }

    func testAWaitingAcquireHoldsUpNothingAndIsGrantedOnAnotherClientsRelease() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        let held = try observer.acquireOK("handoff", ttlMilliseconds: 60_000)

        let waiting = Task { try await client.acquire("handoff", ttl: .seconds(30)) }
        try await waitForStats(observer, "the client's acquire queued") { $0["waiters"] == 1 }
        // Answered while the acquire waits: answers are matched by id, not by order.
        try await client.ping()
        let query = try await client.query("handoff")
        XCTAssertEqual(query.waiters.map(\.sessionID), [client.session.sessionID])

        try observer.releaseOK("handoff")
        let lease = try await outcome(of: waiting, closingOnTimeout: client).get()
        XCTAssertGreaterThan(lease.token, held.fencingToken)
        XCTAssertEqual(try observer.query("handoff").holders.first?.sessionID, client.session.sessionID)
    }
}
