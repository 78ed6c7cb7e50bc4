import DeadboltClient
import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// withLock releases on every way out of its body, as a second connection sees it.
final class WithLockTests: ClientTestCase {
    private struct BodyFailed: Error {}

    func testReleasesAfterANormalReturn() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        let token = try await client.withLock("scoped", ttl: .seconds(30)) { lease in
            XCTAssertEqual(try observer.query("scoped").holders.first?.fencingToken, lease.token)
            return lease.token
        }
        XCTAssertGreaterThan(token, 0)
        XCTAssertTrue(try observer.query("scoped").holders.isEmpty)
        XCTAssertEqual(try observer.stats()["releases_total"], 1)
    }

    func testReleasesAfterAThrownErrorAndRethrowsIt() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        do {
            try await client.withLock("scoped-error") { _ in throw BodyFailed() }
            XCTFail("withLock must rethrow the body's error")
        } catch {
            XCTAssertTrue(error is BodyFailed, "\(error)")
        }
        XCTAssertTrue(try observer.query("scoped-error").holders.isEmpty)
        XCTAssertEqual(try observer.stats()["releases_total"], 1)
    }

    func testReleasesWhenTheTaskIsCancelledInTheBody() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        let task = Task {
            try await client.withLock("scoped-cancel", ttl: .seconds(60)) { _ in
                await untilCancelled()
                try Task.checkCancellation()
            }
        }
        _ = try await waitForQuery(observer, "scoped-cancel", "the body holds the lock") { $0.holders.count == 1 }
        task.cancel()
        await assertCancelled(task, client: client)
        // withLock awaited the RELEASE's answer before it returned.
        XCTAssertTrue(try observer.query("scoped-cancel").holders.isEmpty)
        XCTAssertEqual(try observer.stats()["releases_total"], 1)
    }

    func testCancelledWhileWaitingTheBodyNeverRuns() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        let held = try observer.acquireOK("scoped-wait")
        let task = Task {
            try await client.withLock("scoped-wait") { _ in XCTFail("the body ran without the lock") }
        }
        try await waitForStats(observer, "withLock's acquire queued") { $0["waiters"] == 1 }
        task.cancel()
        await assertCancelled(task, client: client)
        XCTAssertEqual(try observer.query("scoped-wait").holders.map(\.fencingToken), [held.fencingToken])
        XCTAssertEqual(try observer.query("scoped-wait").waiters.count, 0)
    }

    func testAReleaseFailureAfterANormalReturnIsThrown() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let admin = try await connect(daemon, name: "admin")
        await assertThrows(.lockUnexist) {
            try await client.withLock("taken-away") { _ in
                _ = try await admin.forceRelease("taken-away")
            }
        }
    }
}
