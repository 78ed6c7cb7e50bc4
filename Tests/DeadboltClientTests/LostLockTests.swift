import DeadboltClient
import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// LOST events arrive in `lostLocks`; the stream finishes with the connection.
final class LostLockTests: ClientTestCase {
    func testAnExpiredLeaseArrivesWithItsTokenAndReason() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let lease = try await client.acquire("short", ttl: .milliseconds(50), owner: "job-1")

        let event = await nextLostLock(client)
        let lost = try XCTUnwrap(event, "no LOST event for a 50 ms lease")
        XCTAssertEqual(lost.resource, "short")
        XCTAssertEqual(lost.owner, "job-1")
        XCTAssertEqual(lost.token, lease.token)
        XCTAssertEqual(lost.reason, .leaseExpired)
        XCTAssertNil(lost.renewalError)

        let observer = try TestClient.connected(to: daemon)
        XCTAssertTrue(try observer.query("short").holders.isEmpty)
        XCTAssertEqual(try observer.stats()["lost_total"], 1)
    }

    func testTheStreamFinishesWhenTheConnectionCloses() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        await client.close()
        let event = await nextLostLock(client)
        XCTAssertNil(event)
    }
}
