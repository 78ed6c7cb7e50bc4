import DeadboltClient
import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Every status the daemon answers this client's requests with arrives as the matching
/// `DeadboltError.Code`, and arguments that cannot go on the wire are refused before sending.
final class ErrorCodeTests: ClientTestCase {
    func testLockOutcomes() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        try observer.acquireOK("taken")

        await assertThrows(.notGranted) { try await client.acquire("taken", wait: .none) }
        await assertThrows(.waitTimeout) { try await client.acquire("taken", wait: .upTo(.milliseconds(30))) }
        await assertThrows(.lockUnexist) { try await client.release("free") }
        await assertThrows(.lockUnexist) { try await client.renew("free", ttl: .seconds(1)) }
        await assertThrows(.lockBelongToOthers) { try await client.release("taken") }
        await assertThrows(.lockBelongToOthers) { try await client.renew("taken", ttl: .seconds(1)) }
        _ = try await client.acquire("mine")
        await assertThrows(.alreadyHeld) { try await client.acquire("mine") }
        _ = try await client.acquire("read-only", mode: .shared)
        await assertThrows(.alreadyHeld) { try await client.acquire("read-only", mode: .exclusive, reentrant: true) }
    }

    func testArgumentsTheDaemonRefuses() async throws {
        let daemon = try startDaemon(["--max-ttl-ms", "1000"])
        let client = try await connect(daemon)
        await assertThrows(.invalidArgument) { try await client.acquire("long-lease", ttl: .seconds(5)) }
        await assertThrows(.invalidArgument) { try await client.acquire("") }
        await assertThrows(.invalidArgument) { try await client.acquire("nul\u{0}name") }
        await assertThrows(.invalidArgument) { try await client.acquire("detached-forever", detached: true) }
        _ = try await client.acquire("short-lease", ttl: .milliseconds(500))
        await assertThrows(.invalidArgument) { try await client.renew("short-lease", ttl: .seconds(5)) }

        let tooLong = String(repeating: "n", count: 256)
        await assertThrows(.nameTooLong) { try await client.acquire(tooLong) }
        await assertThrows(.nameTooLong) { try await client.acquire("ok", owner: tooLong) }
        await assertThrows(.nameTooLong) { try await client.query(tooLong) }
        try await client.ping()  // the connection survived every refusal
    }

    func testArgumentsRefusedBeforeSending() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        let before = try observer.stats()["grants_total"]

        // Longer than a wire string can hold: refused here, never a trap in the encoder.
        let huge = String(repeating: "h", count: 70_000)
        await assertThrows(.nameTooLong) { try await client.acquire(huge) }
        await assertThrows(.nameTooLong) { try await client.release("x", owner: huge) }
        // Fits wire strings, not the daemon's frame: refused here rather than have the daemon
        // close the connection.
        let big = String(repeating: "b", count: 40_000)
        await assertThrows(.nameTooLong) { try await client.acquire(big, owner: big) }
        await assertThrows(.invalidArgument) { try await client.acquire("x", ttl: .zero) }
        await assertThrows(.invalidArgument) { try await client.acquire("x", ttl: .milliseconds(-5)) }
        await assertThrows(.invalidArgument) { try await client.acquire("x", ttl: .seconds(5_000_000)) }
        await assertThrows(.invalidArgument) { try await client.acquire("x", wait: .upTo(.seconds(-1))) }

        try await client.ping()
        XCTAssertEqual(try observer.stats()["grants_total"], before)
    }

    func testASubMillisecondTTLIsRoundedUpNotToNoLease() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let lease = try await client.acquire("tiny", ttl: .microseconds(300))
        XCTAssertEqual(lease.ttl, .milliseconds(1))
    }

    func testQuotaExceeded() async throws {
        let daemon = try startDaemon(["--max-locks-per-connection", "2"])
        let client = try await connect(daemon)
        _ = try await client.acquire("one")
        _ = try await client.acquire("two")
        await assertThrows(.quotaExceeded) { try await client.acquire("three") }
        try await client.release("one")
        _ = try await client.acquire("three")
    }

    func testShuttingDownAnswersAWaitingAcquire() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        let observer = try TestClient.connected(to: daemon)
        try observer.acquireOK("held-at-shutdown")
        let waiting = Task { try await client.acquire("held-at-shutdown") }
        try await waitForStats(observer, "the client's acquire queued") { $0["waiters"] == 1 }

        kill(daemon.pid, SIGTERM)
        switch await outcome(of: waiting, closingOnTimeout: client) {
        case .success(let lease): XCTFail("expected SHUTTING_DOWN, got \(lease)")
        case .failure(let error): XCTAssertEqual((error as? DeadboltError)?.code, .shuttingDown, "\(error)")
        }
        XCTAssertEqual(daemon.waitForExit(), 0)
        await assertThrows(.connectionClosed) { try await client.ping() }
    }

    func testCodesDescribeThemselvesWithTheirWireNames() {
        XCTAssertEqual(DeadboltError.Code.lockBelongToOthers.description, "LOCK_BELONG_TO_OTHERS")
        XCTAssertEqual(DeadboltError.Code.connectionClosed.description, "CONNECTION_CLOSED")
        XCTAssertEqual(DeadboltError.Code.connectFailed.description, "CONNECT_FAILED")
        XCTAssertNotEqual(DeadboltError.Code.connectFailed, .connectionClosed)
    }
}
