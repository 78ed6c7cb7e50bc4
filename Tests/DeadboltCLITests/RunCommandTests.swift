import DeadboltTestKit
import Foundation
import XCTest

/// `deadbolt run`, flock(1)'s habits with a broker behind them.
final class RunCommandTests: CLITestCase {
    /// A Python child that says "ready", then waits for a signal (SIGTERM:
    /// prints got-term and exits 3) or for stdin to close (exits 0).
    static let waitingChild = [
        "python3", "-c",
        """
        import signal, sys, threading
        def on_term(*_):
            print("got-term", flush=True)
            sys.exit(3)
        signal.signal(signal.SIGTERM, on_term)
        print("ready", flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), signal.raise_signal(signal.SIGUSR1)), daemon=True).start()
        signal.signal(signal.SIGUSR1, lambda *_: sys.exit(0))
        signal.pause()
        """,
    ]

    func testTheCommandsExitStatusIsPassedOn() throws {
        let result = try deadbolt("run", "job", "--", "sh", "-c", "exit 7")
        XCTAssertEqual(result.status, 7, result.errorOutput)
    }

    func testTheCommandGetsAnIncreasingFencingTokenInItsEnvironment() throws {
        let first = try deadbolt("run", "job", "--", "sh", "-c", "echo $DEADBOLT_TOKEN")
        let second = try deadbolt("run", "job", "--", "sh", "-c", "echo $DEADBOLT_TOKEN")
        let tokens = [first, second].compactMap { UInt64($0.output) }
        XCTAssertEqual(tokens.count, 2, "\(first.stdout) \(second.stdout)")
        XCTAssertGreaterThan(tokens[0], 0)
        XCTAssertGreaterThan(tokens[1], tokens[0])
    }

    func testTheLockIsHeldWhileTheCommandRunsAndReleasedAfter() throws {
        let run = try startDeadbolt("run", "job", "--", "sh", "-c", "echo running; cat >/dev/null")
        XCTAssertTrue(run.waitForOutput { $0 == "running" })
        let observer = try observer()
        XCTAssertEqual(try observer.query("job").holders.count, 1)
        XCTAssertEqual(try run.finish().status, 0)
        XCTAssertEqual(try observer.query("job").holders.count, 0)
    }

    func testNonblockOnAHeldLockExitsOneNamingTheHolderAndDashEChangesTheStatus() throws {
        let holder = try observer()
        try holder.acquireOK("job")
        let refused = try deadbolt("run", "-n", "job", "--", "echo", "ran")
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stdout, [], "the command must not run")
        XCTAssertTrue(refused.errorOutput.contains("job is held by pid \(getpid())"), refused.errorOutput)
        XCTAssertEqual(try deadbolt("run", "-n", "-E", "42", "job", "--", "true").status, 42)
        XCTAssertEqual(try deadbolt("run", "--nonblock", "--conflict-exit-code=42", "job", "--", "true").status, 42)
    }

    func testAWaitThatRunsOutGivesUpAfterAboutThatLong() throws {
        let holder = try observer()
        try holder.acquireOK("job")
        let started = Date()
        let result = try deadbolt("run", "-w", "0.5", "job", "--", "echo", "ran")
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.errorOutput.contains("gave up waiting for job after 500ms"), result.errorOutput)
        XCTAssertGreaterThanOrEqual(elapsed, 0.45)
        XCTAssertLessThan(elapsed, 10)
    }

    func testAWaitSucceedsWhenTheHolderFinishes() throws {
        let holder = try observer()
        try holder.acquireOK("job")
        let run = try startDeadbolt("run", "-w", "10", "job", "--", "echo", "ran")
        try holder.waitForStats("the run to queue") { $0["waiters"] == 1 }
        XCTAssertEqual(try holder.releaseOK("job"), 0)
        let result = try run.finish()
        XCTAssertEqual(result.status, 0, result.errorOutput)
        XCTAssertEqual(result.stdout, ["ran"])
    }

    func testTwoSharedRunsOverlap() throws {
        let first = try startDeadbolt("run", "-s", "reports", "--", "sh", "-c", "echo running; cat >/dev/null")
        XCTAssertTrue(first.waitForOutput { $0 == "running" })
        // -n: the second is granted only if it can share with the first, which still runs.
        let second = try deadbolt("run", "-s", "-n", "reports", "--", "echo", "second ran")
        XCTAssertEqual(second.status, 0, second.errorOutput)
        XCTAssertEqual(second.stdout, ["second ran"])
        XCTAssertEqual(try deadbolt("run", "-n", "reports", "--", "true").status, 1, "exclusive must still conflict")
        XCTAssertEqual(try first.finish().status, 0)
    }

    func testSIGTERMIsForwardedToTheCommand() throws {
        let run = try startDeadbolt(["run", "job", "--"] + Self.waitingChild)
        XCTAssertTrue(run.waitForOutput { $0 == "ready" })
        run.signal(SIGTERM)
        let result = try run.finish(closingInput: false)
        XCTAssertEqual(result.stdout, ["ready", "got-term"])
        XCTAssertEqual(result.status, 3, "the command's own exit status, after handling the forwarded SIGTERM")
    }

    func testALostLockTerminatesTheCommandAndExits75() throws {
        let run = try startDeadbolt(["run", "--ttl", "1", "job", "--"] + Self.waitingChild) // long enough for the child to be ready on a slow machine
        XCTAssertTrue(run.waitForOutput { $0 == "ready" })
        let result = try run.finish(closingInput: false) // the lease runs out: LOST, then SIGTERM to the command
        XCTAssertEqual(result.status, 75, result.errorOutput)
        XCTAssertEqual(result.stdout, ["ready", "got-term"])
        XCTAssertTrue(result.errorOutput.contains("lost the lock on job (its lease expired)"), result.errorOutput)
    }

    func testOnLostIgnoreLetsTheCommandFinishWithItsOwnStatus() throws {
        let result = try deadbolt(
            "run", "--ttl", "0.1", "--on-lost", "ignore", "job", "--",
            "python3", "-c", "import time; time.sleep(0.6); print('finished')"
        )
        XCTAssertEqual(result.status, 0, result.errorOutput)
        XCTAssertEqual(result.stdout, ["finished"])
        XCTAssertTrue(result.errorOutput.contains("the command goes on"), result.errorOutput)
    }

    func testRenewKeepsAShortLeaseAliveForALongerCommand() throws {
        // A 0.6 s lease and a 2 s command: without --renew this loses the
        // lock (exit 75, as the test above shows); with it (every 0.2 s),
        // nothing is lost.
        let result = try deadbolt(
            "run", "--ttl", "0.6", "--renew", "job", "--", "python3", "-c", "import time; time.sleep(2); print('done')"
        )
        XCTAssertEqual(result.status, 0, result.errorOutput)
        XCTAssertEqual(result.stdout, ["done"])
        XCTAssertEqual(result.stderr, [])
    }

    func testTheCommandInheritsTheConnectionUnlessClose() throws {
        // Killing deadbolt itself (SIGKILL) leaves the lock held while the
        // command it started still runs, as with flock(1).
        let run = try startDeadbolt("run", "job", "--", "sh", "-c", "echo running; cat >/dev/null")
        XCTAssertTrue(run.waitForOutput { $0 == "running" })
        let observer = try observer()
        run.signal(SIGKILL)
        // Once deadbolt is a zombie its fds are closed; the daemon still sees
        // the connection open, because the command holds it.
        XCTAssertTrue(Self.waitUntilZombie(run.pid))
        for _ in 0..<3 { XCTAssertEqual(try observer.stats()["connections"], 2) }
        XCTAssertEqual(try observer.query("job").holders.count, 1, "the command still runs, and holds the lock")
        // Closing cat's stdin ends the command, and with it the connection.
        XCTAssertEqual(try run.finish().status, 128 + SIGKILL)
        try observer.waitForStats("the command's exit to release the lock") { $0["locks_held"] == 0 }
    }

    /// Waits (up to 10 s) until `pid` has exited but is not yet reaped.
    static func waitUntilZombie(_ pid: Int32) -> Bool {
        let deadline = Date(timeIntervalSinceNow: 10)
        while Date() < deadline {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            // "pid (comm) S ...": the state follows the last ")".
            if let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].hasPrefix(" Z") { return true }
        }
        return false
    }

    func testWithCloseTheLockEndsWithDeadboltEvenIfTheCommandRunsOn() throws {
        let run = try startDeadbolt("run", "--close", "job", "--", "sh", "-c", "echo running; cat >/dev/null")
        XCTAssertTrue(run.waitForOutput { $0 == "running" })
        let observer = try observer()
        run.signal(SIGKILL)
        try observer.waitForStats("deadbolt's death to release the lock") { $0["locks_held"] == 0 }
        XCTAssertEqual(try run.finish().status, 128 + SIGKILL)
    }

    func testBadNamesAndAMissingDaemonGiveAClearMessageAndAStatus() throws {
        let tooLong = try deadbolt("run", String(repeating: "n", count: 256), "--", "true")
        XCTAssertEqual(tooLong.status, 17)
        XCTAssertTrue(tooLong.errorOutput.contains("NAME_TOO_LONG"), tooLong.errorOutput)
        let empty = try deadbolt("run", "", "--", "true")
        XCTAssertEqual(empty.status, 16)
        XCTAssertTrue(empty.errorOutput.contains("INVALID_ARGUMENT"), empty.errorOutput)
        let missing = try deadbolt("run", "--socket", sandbox.directory + "/nobody-here.sock", "job", "--", "true")
        XCTAssertEqual(missing.status, 69)
        XCTAssertTrue(missing.errorOutput.contains("cannot reach deadboltd"), missing.errorOutput)
        let noCommand = try deadbolt("run", "job")
        XCTAssertEqual(noCommand.status, 64)
        let notFound = try deadbolt("run", "job", "--", "/nonexistent/command")
        XCTAssertEqual(notFound.status, 127)
        XCTAssertTrue(notFound.errorOutput.contains("cannot run /nonexistent/command"), notFound.errorOutput)
    }
}
