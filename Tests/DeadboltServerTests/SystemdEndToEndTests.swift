import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Socket activation through the real `systemd-socket-activate`, sd_notify
/// through a notify socket the test binds, and the idle exit.
final class SystemdEndToEndTests: SandboxTestCase {
    private let activator = "/usr/bin/systemd-socket-activate"

    private func requireActivator() throws {
        guard FileManager.default.isExecutableFile(atPath: activator) else {
            throw XCTSkip("systemd-socket-activate is not installed (make deps installs systemd)")
        }
    }

    /// The activator listens at once; the daemon starts on the first connection.
    private func startActivated(_ launcherFlags: [String], daemonFlags: [String] = []) throws -> DaemonProcess {
        try sandbox.startDaemon(
            arguments: daemonFlags,
            launcher: [activator, "-l", sandbox.socketPath] + launcherFlags,
            ready: { $0.contains("Listening on") }
        )
    }

    func testTheFirstConnectionStartsTheDaemonAndASecondReachesTheSameOne() throws {
        try requireActivator()
        let daemon = try startActivated(["--fdname=deadbolt"], daemonFlags: ["--listen-fd-name", "deadbolt"])
        XCTAssertFalse(daemon.log.contains { $0.contains("socket activated") }, "not started before a connection")

        let first = try TestClient.connected(to: daemon)
        XCTAssertTrue(daemon.waitForLog { $0.contains("socket activated") && $0.contains("fd_name=deadbolt") }, daemon.log.joined(separator: "\n"))
        let held = try first.acquireOK("activated")
        let second = try TestClient.connected(to: daemon)
        XCTAssertEqual(try second.acquireAnswer("activated").status, .notGranted, "the same daemon, holding the first connection's lock")
        XCTAssertEqual(try second.query("activated").holders.map(\.fencingToken), [held.fencingToken])
        _ = try first.releaseOK("activated")
        try second.acquireOK("activated")

        XCTAssertEqual(daemon.stop(), 0)
        XCTAssertTrue(daemon.socketFileExists, "systemd owns an activated socket: the daemon never removes it")
    }

    func testASocketNamedOtherwiseIsAClearError() throws {
        try requireActivator()
        let daemon = try startActivated(["--fdname=deadbolt"], daemonFlags: ["--listen-fd-name", "other"])
        _ = try? TestClient(socketPath: daemon.socketPath)  // starts the daemon
        let status = try XCTUnwrap(daemon.waitForExit(), "the daemon did not exit")
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(daemon.log.contains { $0.contains("no socket named other") }, daemon.log.joined(separator: "\n"))
    }

    func testAPassedSocketThatIsNotAUnixStreamSocketIsAClearError() throws {
        try requireActivator()
        let daemon = try startActivated(["--datagram"])
        // A datagram to the activator's socket starts the daemon.
        let sender = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(sender) }
        let sent = withUnixAddress(daemon.socketPath) { sendto(sender, "x", 1, 0, $0, $1) }
        XCTAssertEqual(sent, 1)
        let status = try XCTUnwrap(daemon.waitForExit(), "the daemon did not exit")
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(daemon.log.contains { $0.contains("not a listening AF_UNIX stream socket") }, daemon.log.joined(separator: "\n"))
    }

    func testNotifySaysReadyPingsTheWatchdogAtHalfItsIntervalAndSaysStopping() throws {
        let notify = try NotifySocket(path: sandbox.directory + "/notify")
        let watchdogMicroseconds = 600_000
        let daemon = try sandbox.startDaemon(environment: [
            "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "\(watchdogMicroseconds)",
        ])
        let ready = try XCTUnwrap(notify.receive(line: "READY=1"), "no READY=1")
        XCTAssertTrue(ready.text.contains("STATUS=listening on \(daemon.socketPath)"), ready.text)

        var pings: [Double] = []
        while pings.count < 4, let ping = notify.receive(line: "WATCHDOG=1") {
            XCTAssertTrue(ping.text.contains("STATUS="), "a status line rides along: \(ping.text)")
            pings.append(ping.seconds)
        }
        XCTAssertEqual(pings.count, 4)
        let half = Double(watchdogMicroseconds) / 2 / 1_000_000
        for (earlier, later) in zip(pings, pings.dropFirst()) {
            // About half the interval apart: never so early that it wastes
            // wake-ups, and always well within the watchdog's deadline.
            XCTAssertGreaterThan(later - earlier, half * 0.5)
            XCTAssertLessThan(later - earlier, Double(watchdogMicroseconds) / 1_000_000)
        }

        kill(daemon.pid, SIGTERM)
        XCTAssertNotNil(notify.receive(line: "STOPPING=1"), "no STOPPING=1")
        XCTAssertEqual(daemon.waitForExit(), 0)
    }

    func testWithoutANotifySocketNothingIsSentAndNothingBreaks() throws {
        let daemon = try sandbox.startDaemon(environment: ["WATCHDOG_USEC": "100000"])
        try TestClient.connected(to: daemon).ping()
        XCTAssertEqual(daemon.stop(), 0)
    }

    func testAnIdleDaemonExitsAndTokensStayMonotonicWhenItIsStartedAgain() throws {
        let daemon = try sandbox.startDaemon(arguments: ["--exit-idle-after", "0.3"])
        let client = try TestClient.connected(to: daemon)
        let before = try client.acquireOK("idle")
        client.disconnect()
        XCTAssertEqual(daemon.waitForExit(), 0, "exits 0 once idle")
        XCTAssertTrue(daemon.log.contains { $0.contains("exiting after idling") }, "the exit has closed the log")

        let again = try sandbox.startDaemon(arguments: ["--exit-idle-after", "30"])
        let after = try TestClient.connected(to: again).acquireOK("idle")
        XCTAssertGreaterThan(after.fencingToken, before.fencingToken)
    }

    func testADaemonWithAConnectionDoesNotExitForIdling() throws {
        let daemon = try sandbox.startDaemon(arguments: ["--exit-idle-after", "0.2"])
        let client = try TestClient.connected(to: daemon)
        // Four idle periods pass while a connection is open: it stays up.
        let notExited = daemon.waitForExit(timeoutSeconds: 0.8)
        XCTAssertNil(notExited)
        try client.ping()
    }
}
