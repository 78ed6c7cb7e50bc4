import DeadboltClient
import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// A daemon that goes away fails every outstanding call with `.connectionClosed`.
final class ConnectionLossTests: ClientTestCase {
    func testACrashedDaemonFailsOutstandingCallsAndEndsTheLostStream() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        try observer.acquireOK("blocked")
        let waiting = Task { try await client.acquire("blocked") }
        try await waitForStats(observer, "the client's acquire queued") { $0["waiters"] == 1 }

        daemon.crash()
        await assertThrows(.connectionClosed) { try await outcome(of: waiting, closingOnTimeout: client).get() }
        let event = await nextLostLock(client)
        XCTAssertNil(event, "the stream finishes with the connection")
        await assertThrows(.connectionClosed) { try await client.ping() }
    }

    func testClosingTheClientFailsItsWaitingAcquire() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        try observer.acquireOK("blocked")
        let waiting = Task { try await client.acquire("blocked") }
        try await waitForStats(observer, "the client's acquire queued") { $0["waiters"] == 1 }

        await client.close()
        await assertThrows(.connectionClosed) { try await outcome(of: waiting, closingOnTimeout: client).get() }
        try await waitForStats(observer, "the closed session's waiter dropped") { $0["waiters"] == 0 }
    }
}
