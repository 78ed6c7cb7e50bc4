import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Two brokers sharing one real redis-server stand in for two hosts: each
/// serves its own clients on its own socket, and the locks hold across both.
final class UpstreamEndToEndTests: XCTestCase {
    var hostA: DaemonSandbox!
    var hostB: DaemonSandbox!
    var redisDirectory: String!
    var redis: RedisServerProcess!

    override func setUpWithError() throws {
        try XCTSkipUnless(RedisServerProcess.isInstalled, "redis-server is not installed (make deps installs it)")
        hostA = DaemonSandbox()
        hostB = DaemonSandbox()
        redisDirectory = DaemonProcess.temporaryDirectory()
    }

    override func tearDown() {
        hostA?.cleanUp()
        hostB?.cleanUp()
        redis?.stop()
        if let redisDirectory { try? FileManager.default.removeItem(atPath: redisDirectory) }
    }

    private func startRedis(_ arguments: [String] = []) throws {
        redis = try RedisServerProcess(directory: redisDirectory, arguments: arguments)
    }

    private func upstreamArguments(broker: String, url: String? = nil, extra: [String] = []) -> [String] {
        ["--upstream", url ?? "unix://\(redis.socketPath)", "--upstream-broker-id", broker] + extra
    }

    /// Redis, and a broker on each host, both connected to it.
    private func startBrokers(extra: [String] = [], url: String? = nil) throws -> (a: DaemonProcess, b: DaemonProcess) {
        if redis == nil { try startRedis() }
        let a = try hostA.startDaemon(arguments: upstreamArguments(broker: "host-a", url: url, extra: extra))
        let b = try hostB.startDaemon(arguments: upstreamArguments(broker: "host-b", url: url, extra: extra))
        return (a, b)
    }

    private func redisCLI(_ arguments: String...) throws -> CommandResult {
        try CommandProcess.run(["redis-cli", "-s", redis.socketPath] + arguments)
    }

    // MARK: - Mutual exclusion and fencing across hosts

    func testALockHeldOnOneHostIsRefusedOnTheOtherAndTokensIncreaseAcrossBoth() throws {
        let (a, b) = try startBrokers()
        let onA = try TestClient.connected(to: a), onB = try TestClient.connected(to: b)
        let first = try onA.acquireOK("report")
        guard case .failure(_, _, .notGranted, _) = try onB.acquireAnswer("report") else {
            return XCTFail("a try on host B must see host A's lock")
        }
        XCTAssertEqual(try onA.releaseOK("report"), 0)
        let second = try onB.acquireOK("report")
        XCTAssertGreaterThan(second.fencingToken, first.fencingToken)
        XCTAssertEqual(try onB.releaseOK("report"), 0)
        XCTAssertGreaterThan(try onA.acquireOK("report").fencingToken, second.fencingToken)
    }

    func testAReleaseOnOneHostWakesAWaiterOnTheOtherLongBeforeTheLeaseEnds() throws {
        let (a, b) = try startBrokers()
        let onA = try TestClient.connected(to: a), onB = try TestClient.connected(to: b)
        let held = try onA.acquireOK("report") // session-bound: a 10 s lease in Redis
        let waiting = try onB.acquire("report", waitMilliseconds: AcquireRequest.waitForever)
        try onB.waitForStats("host B's waiter to be refused upstream once") { ($0["upstream_admissions_total"] ?? 0) >= 1 }
        let released = Date()
        XCTAssertEqual(try onA.releaseOK("report"), 0)
        let granted = try onB.answer(to: waiting).expectGranted()
        XCTAssertLessThan(Date().timeIntervalSince(released), 5, "woken by the release, not by the 10 s lease")
        XCTAssertGreaterThan(granted.fencingToken, held.fencingToken)
    }

    func testAClientOnOneHostCannotReleaseTheOtherHostsLock() throws {
        let (a, b) = try startBrokers()
        let onA = try TestClient.connected(to: a), onB = try TestClient.connected(to: b)
        try onA.acquireOK("deploy", owner: "job-1", ttlMilliseconds: 60_000, flags: .detached)
        guard case .failure(_, _, .lockUnexist, _) = try onB.call(.release(ReleaseRequest(resource: "deploy", owner: "job-1"))) else {
            return XCTFail("host B holds nothing under that owner")
        }
        guard case .failure(_, _, .notGranted, _) = try onB.acquireAnswer("deploy", owner: "job-1") else {
            return XCTFail("host A's lock must still hold")
        }
        XCTAssertEqual(try onA.query("deploy").holders.first?.owner, "job-1")
    }

    func testQueryOnOneHostShowsTheOtherHostsHolderByBrokerID() throws {
        let (a, b) = try startBrokers()
        let onA = try TestClient.connected(to: a), onB = try TestClient.connected(to: b)
        let held = try onA.acquireOK("printer", ttlMilliseconds: 30_000)
        let seenFromB = try onB.query("printer").holders
        XCTAssertEqual(seenFromB.count, 1)
        XCTAssertEqual(seenFromB.first?.owner, "@host-a")
        XCTAssertEqual(seenFromB.first?.fencingToken, held.fencingToken)
        XCTAssertEqual(seenFromB.first?.sessionID, 0)
        XCTAssertGreaterThan(seenFromB.first?.leaseRemainingMilliseconds ?? 0, 29_000)
        let seenFromA = try onA.query("printer").holders
        XCTAssertEqual(seenFromA.map(\.pid), [getpid()], "a broker shows its own holders once, with their process")
    }

    func testSharedReadersOnBothHostsOverlapAndAWriterWaitsForBoth() throws {
        let (a, b) = try startBrokers()
        let readerA = try TestClient.connected(to: a), readerB = try TestClient.connected(to: b)
        try readerA.acquireOK("catalog", mode: .shared)
        try readerB.acquireOK("catalog", mode: .shared)
        let writer = try TestClient.connected(to: a)
        guard case .failure(_, _, .notGranted, _) = try writer.acquireAnswer("catalog") else {
            return XCTFail("a writer must not join readers")
        }
        let waiting = try writer.acquire("catalog", waitMilliseconds: 20_000)
        XCTAssertEqual(try readerA.releaseOK("catalog"), 0)
        XCTAssertEqual(try readerB.releaseOK("catalog"), 0)
        XCTAssertNotNil(try writer.answer(to: waiting).granted, "the writer is granted once both readers left")
    }

    func testContendingClientsOnBothHostsNeverOverlap() throws {
        let (a, b) = try startBrokers()
        let inside = ManagedAtomicCounter(), overlaps = ManagedAtomicCounter(), done = ManagedAtomicCounter()
        let rounds = 25
        let errors = ErrorLog()
        let group = DispatchGroup()
        for daemon in [a, b, a, b] {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let client = try TestClient.connected(to: daemon)
                    for _ in 0..<rounds {
                        let id = try client.acquire("counter", waitMilliseconds: 30_000)
                        _ = try client.answer(to: id).expectGranted()
                        if inside.increment() != 1 { overlaps.increment() }
                        try client.ping() // a round trip inside the critical section
                        inside.decrement()
                        _ = try client.releaseOK("counter")
                        done.increment()
                    }
                } catch {
                    errors.append("\(error)")
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success)
        XCTAssertEqual(errors.all, [])
        XCTAssertEqual(done.value, 4 * rounds)
        XCTAssertEqual(overlaps.value, 0, "two holders of one exclusive lock at once")
    }

    // MARK: - A dead upstream

    func testRedisGoingAwayAnswersUnavailableLosesHoldersInTimeAndRecovers() throws {
        let (a, _) = try startBrokers(extra: ["--upstream-lease-ms", "1000"])
        let holder = try TestClient.connected(to: a)
        let held = try holder.acquireOK("report")
        redis.kill()
        let killed = Date()

        let lost = try holder.nextLost()
        XCTAssertEqual(lost.resource, "report")
        XCTAssertEqual(lost.fencingToken, held.fencingToken)
        XCTAssertEqual(lost.reason, .upstreamLost)
        XCTAssertLessThan(Date().timeIntervalSince(killed), 1.0, "LOST before the 1 s upstream lease could have ended")

        let other = try TestClient.connected(to: a)
        guard case .failure(_, _, .upstreamUnavailable, _) = try other.acquireAnswer("report") else {
            return XCTFail("a try answers UPSTREAM_UNAVAILABLE while Redis is down")
        }
        let waitStarted = Date()
        guard case .failure(_, _, .upstreamUnavailable, _) = try other.acquireAnswer("report", waitMilliseconds: 300) else {
            return XCTFail("a wait answers UPSTREAM_UNAVAILABLE at its deadline")
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(waitStarted), 0.29)

        let queued = try other.acquire("report", waitMilliseconds: AcquireRequest.waitForever)
        try redis.restart()
        try other.waitForStats(timeoutSeconds: 30, "the broker to reconnect") { $0["upstream_connected"] == 1 }
        XCTAssertNotNil(try other.answer(to: queued).granted, "a waiter is served once Redis is back")
    }

    func testAScriptFlushMidRunIsRecoveredFrom() throws {
        let (a, _) = try startBrokers()
        let client = try TestClient.connected(to: a)
        try client.acquireOK("report")
        XCTAssertEqual(try client.releaseOK("report"), 0)
        XCTAssertEqual(try redisCLI("SCRIPT", "FLUSH").output, "OK")
        try client.acquireOK("report")
        XCTAssertEqual(try client.releaseOK("report"), 0)
    }

    func testAPasswordAndAnACLUserInTheURL() throws {
        try startRedis(["--requirepass", "s3cret", "--user", "broker", "on", ">b-pass", "~*", "&*", "+@all"])
        let (a, b) = try startBrokers(url: "unix://\(redisDirectory!)/redis.sock?password=s3cret")
        _ = b
        try TestClient.connected(to: a).acquireOK("with-password")
        let acl = try hostA.startDaemon(arguments: upstreamArguments(
            broker: "host-c", url: "unix://\(redisDirectory!)/redis.sock?user=broker&password=b-pass"
        ) + ["--socket", hostA.directory + "/acl.sock", "--state-dir", hostA.directory + "/acl-state"])
        try TestClient.connected(to: acl).acquireOK("with-acl-user")
    }

    // MARK: - Bad configuration

    func testAMalformedOrTLSURLIsRefusedWithAClearMessage() throws {
        for (url, expected) in [("rediss://localhost:6380", "not supported yet"), ("redis://host:notaport", "port")] {
            let daemon = try hostA.startDaemon(arguments: ["--upstream", url], waitForListening: false)
            XCTAssertNotEqual(daemon.waitForExit(), 0)
            XCTAssertTrue(daemon.waitForLog { $0.contains(expected) }, "\(url): \(daemon.log)")
        }
    }

    func testUpstreamRequiredRefusesToStartWithoutRedis() throws {
        let daemon = try hostA.startDaemon(
            arguments: ["--upstream", "unix://\(redisDirectory!)/nothing.sock", "--upstream-required"], waitForListening: false
        )
        XCTAssertNotEqual(daemon.waitForExit(), 0)
        XCTAssertTrue(daemon.waitForLog { $0.contains("cannot reach the upstream") }, "\(daemon.log)")
    }
}

/// A counter shared by threads.
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    @discardableResult func increment() -> Int { lock.withLock { count += 1; return count } }
    func decrement() { lock.withLock { count -= 1 } }
    var value: Int { lock.withLock { count } }
}

final class ErrorLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []
    func append(_ entry: String) { lock.withLock { entries.append(entry) } }
    var all: [String] { lock.withLock { entries } }
}
