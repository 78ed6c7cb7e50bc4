import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// The daemon's life: fencing tokens across restarts, one daemon per socket,
/// stale sockets, and a graceful SIGTERM.
final class LifecycleEndToEndTests: SandboxTestCase {
    func testFencingTokensIncreaseAcrossACleanRestartAndACrash() throws {
        var daemon = try sandbox.startDaemon()
        let beforeRestart = try TestClient.connected(to: daemon).acquireOK("fenced").fencingToken
        XCTAssertEqual(daemon.stop(), 0)

        daemon = try sandbox.startDaemon()
        let afterRestart = try TestClient.connected(to: daemon).acquireOK("fenced").fencingToken
        XCTAssertGreaterThan(afterRestart, beforeRestart)
        daemon.crash()

        daemon = try sandbox.startDaemon()
        // No lease was granted before the crash, so there is nothing to wait out.
        let afterCrash = try TestClient.connected(to: daemon).acquireOK("fenced").fencingToken
        XCTAssertGreaterThan(afterCrash, afterRestart)
    }

    func testASecondDaemonOnALiveSocketExitsAndTheFirstKeepsServing() throws {
        let first = try sandbox.startDaemon()
        let client = try TestClient.connected(to: first)
        let held = try client.acquireOK("still-mine")
        let horizonPath = first.stateDirectory + "/lease-horizon"
        let horizonBefore = try String(contentsOfFile: horizonPath, encoding: .utf8)

        let second = try sandbox.startDaemon(waitForListening: false)
        let status = try XCTUnwrap(second.waitForExit(), "the second daemon did not exit")
        XCTAssertTrue(second.exitedNormally)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(second.log.contains { $0.contains("another daemon is listening") }, second.log.joined(separator: "\n"))

        // The first daemon, its socket file, its state, its connections and its locks are untouched.
        XCTAssertEqual(try String(contentsOfFile: horizonPath, encoding: .utf8), horizonBefore, "the refused daemon wrote the live one's state")
        XCTAssertTrue(first.process.isRunning)
        try client.ping()
        let newcomer = try TestClient.connected(to: first)
        XCTAssertEqual(try newcomer.acquireAnswer("still-mine").status, .notGranted)
        XCTAssertEqual(try newcomer.query("still-mine").holders.map(\.fencingToken), [held.fencingToken])
    }

    func testAStaleSocketLeftByAKilledDaemonIsReplaced() throws {
        let crashed = try sandbox.startDaemon()
        crashed.crash()
        XCTAssertTrue(crashed.socketFileExists, "SIGKILL leaves the socket file behind")
        XCTAssertThrowsError(try TestClient(socketPath: crashed.socketPath), "nobody listens on a stale socket")

        let daemon = try sandbox.startDaemon()
        let client = try TestClient.connected(to: daemon)
        try client.acquireOK("fresh")
        XCTAssertTrue(daemon.process.isRunning)
    }

    func testSigtermAnswersWaitersShuttingDownExitsZeroAndRemovesTheSocket() throws {
        let daemon = try sandbox.startDaemon()
        let holder = try TestClient.connected(to: daemon)
        let waiter = try TestClient.connected(to: daemon)
        try holder.acquireOK("busy")
        let waitID = try waiter.acquireQueued("busy")

        XCTAssertEqual(daemon.stop(), 0)
        XCTAssertTrue(daemon.exitedNormally)
        XCTAssertFalse(daemon.socketFileExists, "a clean stop removes the socket file")
        // What the daemon wrote before it closed is still in the socket.
        let answer = try waiter.answer(to: waitID)
        XCTAssertEqual(answer.status, .shuttingDown)
        XCTAssertEqual(answer.failedRequestType, .acquire)
        XCTAssertEqual(try waiter.readUntilClosed(), [])
        XCTAssertEqual(try holder.readUntilClosed(), [], "the holder's connection is closed, without a LOST")
    }
}
