import DeadboltClient
import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Task cancellation of an acquire: CANCEL withdraws it from the daemon's queue, and a grant
/// that crossed the CANCEL is released again.
final class CancellationTests: ClientTestCase {
    func testCancellingAWaitingAcquireRemovesItFromTheQueue() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        try observer.acquireOK("contended")

        let waiting = Task { try await client.acquire("contended") }
        try await waitForStats(observer, "the client's acquire queued") { $0["waiters"] == 1 }
        waiting.cancel()
        await assertCancelled(waiting, client: client)

        // The daemon answered CANCELLED before the task ended, so this is already visible.
        XCTAssertEqual(try observer.query("contended").waiters.count, 0)
        XCTAssertEqual(try observer.stats()["cancels_total"], 1)
        // The holder's release grants nobody from this client.
        try observer.releaseOK("contended")
        XCTAssertTrue(try observer.query("contended").holders.isEmpty)
        let stats = try await client.stats()
        XCTAssertEqual(stats["locks_held"], 0)
        XCTAssertEqual(stats["waiters"], 0)
    }

    func testAnAcquireInAnAlreadyCancelledTaskIsNeverSent() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        let task = Task {
            await untilCancelled()
            return try await client.acquire("never-sent", wait: .none)
        }
        task.cancel()
        await assertCancelled(task, client: client)
        try await client.ping()
        XCTAssertEqual(try observer.stats()["grants_total"], 0)
        XCTAssertTrue(try observer.query("never-sent").holders.isEmpty)
    }

    /// Cancels acquires of a free lock at different points of their flight. Whatever the
    /// interleaving, an acquire that ends in CancellationError leaves no lock behind: either it
    /// was never granted, or its grant crossed the CANCEL and was released again.
    func testAGrantThatCrossesTheCancelIsReleased() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        var cancelled = 0
        var granted = 0
        for round in 0..<60 {
            let task = Task { try await client.acquire("raced", wait: .forever) }
            for _ in 0..<(round % 12) { await Task.yield() }
            task.cancel()
            switch await outcome(of: task, closingOnTimeout: client) {
            case .success:
                granted += 1
                try await client.release("raced")
            case .failure(let error):
                XCTAssertTrue(error is CancellationError, "\(error)")
                cancelled += 1
            }
            XCTAssertTrue(try observer.query("raced").holders.isEmpty, "round \(round) left the lock held")
        }
        XCTAssertEqual(cancelled + granted, 60)
        XCTAssertGreaterThan(cancelled, 0)
        let stats = try observer.stats()
        XCTAssertEqual(stats["locks_held"], 0)
        XCTAssertEqual(stats["waiters"], 0)
    }
}
