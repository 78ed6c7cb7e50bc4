import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Limits against exhaustion, each on a daemon started with that flag:
/// connections, locks per connection, the HELLO timeout.
final class LimitsEndToEndTests: SandboxTestCase {
    func testAConnectionBeyondTheMaximumIsRefusedUntilAnotherCloses() throws {
        let daemon = try sandbox.startDaemon(arguments: ["--max-connections", "2"])
        let first = try TestClient.connected(to: daemon)
        let second = try TestClient.connected(to: daemon)
        try first.acquireOK("held")

        // The kernel accepts the third; the daemon says why it will not serve it, then closes.
        let third = try TestClient(socketPath: daemon.socketPath)
        let refusal = try third.readUntilClosed()
        XCTAssertEqual(refusal.count, 1, "\(refusal)")
        guard case .error(0, .quotaExceeded, _)? = refusal.first else { return XCTFail("\(refusal)") }
        try second.ping()
        XCTAssertEqual(try second.acquireAnswer("held").status, .notGranted, "a refusal disturbs nobody")

        first.disconnect()
        try second.waitForStats("the daemon to see the first connection close") { $0["connections"] == 1 }
        let fourth = try TestClient.connected(to: daemon)
        try fourth.acquireOK("held")
    }

    func testLocksPerConnectionAreLimited() throws {
        let daemon = try sandbox.startDaemon(arguments: ["--max-locks-per-connection", "3"])
        let client = try TestClient(socketPath: daemon.socketPath)
        XCTAssertEqual(try client.hello().maxLocksPerConnection, 3, "HELLO announces the limit")
        let other = try TestClient.connected(to: daemon)
        for name in ["l1", "l2", "l3"] { try client.acquireOK(name) }

        let refused = try client.acquireAnswer("l4")
        XCTAssertEqual(refused.status, .quotaExceeded)
        XCTAssertEqual(refused.failedRequestType, .acquire)
        try other.acquireOK("l4")  // the limit is per connection
        XCTAssertEqual(try client.acquireAnswer("queued", waitMilliseconds: AcquireRequest.waitForever).status, .quotaExceeded, "waiting acquires count too")

        XCTAssertEqual(try client.releaseOK("l1"), 0)
        try client.acquireOK("l5")
        XCTAssertEqual(try client.stats()["quota_rejections_total"], 2)
    }

    func testAConnectionThatSendsNoHelloIsClosedAfterTheHelloTimeout() throws {
        let daemon = try sandbox.startDaemon(arguments: ["--hello-timeout-ms", "200"])
        let greeted = try TestClient.connected(to: daemon)

        let stopwatch = Stopwatch()
        let silent = try TestClient(socketPath: daemon.socketPath)
        let messages = try silent.readUntilClosed()
        XCTAssertGreaterThanOrEqual(stopwatch.elapsedMilliseconds, 200)
        XCTAssertEqual(messages.count, 1, "\(messages)")
        guard case .error(0, .protocolError, _)? = messages.first else { return XCTFail("\(messages)") }

        // The greeted connection's timer, due earlier, was cancelled by its HELLO.
        try greeted.ping()
        try greeted.acquireOK("still-open")
    }

    /// QUERY counts its entries in a u16: with more than 65,535 waiters and a
    /// frame limit large enough for all of them, the answer must still be
    /// one well-formed frame (as many as the count can say), not a crash.
    func testAQueryOfMoreWaitersThanAU16CanCountIsAnsweredAndTheDaemonLives() throws {
        let daemon = try sandbox.startDaemon(arguments: ["--max-frame-bytes", "\(16 << 20)", "--max-connections-per-uid", "1024"])
        let holder = try TestClient.connected(to: daemon)
        try holder.acquireOK("thronged")
        // 512 connections × 128 waiters under distinct owners (few per session, as the
        // engine checks a session's own queue entries for duplicates).
        let crowd = try (0..<512).map { _ in try TestClient.connected(to: daemon) }
        for (number, client) in crowd.enumerated() {
            try client.sendPipelined((0..<128).map { index in
                .acquire(AcquireRequest(resource: "thronged", owner: "c\(number)-\(index)", waitMilliseconds: AcquireRequest.waitForever))
            })
            try client.ping()  // one batch at a time, so no single answer waits behind the whole crowd
            XCTAssertEqual(client.unclaimedMessages, [])
        }
        XCTAssertEqual(try holder.list(prefix: "thronged").entries.map(\.waiterCount), [65_536])

        let state = try holder.query("thronged")
        XCTAssertEqual(state.holders.map(\.sessionID), [holder.sessionID])
        XCTAssertEqual(state.waiters.count, 65_535)
        XCTAssertEqual(state.waiters.first?.owner, "c0-0")
        XCTAssertTrue(daemon.process.isRunning)
        try holder.ping()
    }
}
