import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Ten megabytes of seeded random input on one connection, while another
/// connection takes and releases locks undisturbed.
final class RandomInputEndToEndTests: RunningDaemonTestCase {
    private static let totalBytes = 10 * 1024 * 1024
    private static let seed: UInt64 = 0x5EED_DEAD_B017

    /// The random bytes are cut into frames no longer than the maximum (a
    /// random length prefix would nearly always exceed it and end the
    /// connection after four bytes), so they reach the message decoder and
    /// the lock table: noise bodies, request types with noise payloads, and
    /// well-formed requests with random field values. The stream ends with an
    /// over-long length, which must close the connection.
    func testTenMegabytesOfRandomFramesDisturbNoOtherConnection() throws {
        let fuzzer = try TestClient.connected(to: daemon, name: "fuzzer")
        let worker = try TestClient.connected(to: daemon, name: "worker")
        let fd = fuzzer.fd
        // Read the fuzzer's answers as they come, so the daemon never builds up a backlog for it.
        let drained = BackgroundTask { TestClient.drain(fd) }
        let writer = BackgroundTask { () -> (written: Int, error: String?) in
            var random = SeededGenerator(seed: Self.seed)
            var written = 0
            do {
                while written < Self.totalBytes {
                    var chunk: [UInt8] = []
                    while chunk.count < 128 * 1024 { chunk += Self.randomFrame(&random) }
                    try TestClient.sendAll(chunk, to: fd)
                    written += chunk.count
                }
                try TestClient.sendAll([0x7F, 0xFF, 0xFF, 0xFF], to: fd)
            } catch {
                return (written, "\(error)")
            }
            return (written, nil)
        }

        var cycles = 0
        var lastToken: UInt64 = 0
        while cycles < 200 || !writer.isDone {
            let granted = try worker.acquireOK("worker/lock")
            XCTAssertGreaterThan(granted.fencingToken, lastToken)
            lastToken = granted.fencingToken
            XCTAssertEqual(try worker.releaseOK("worker/lock"), 0)
            cycles += 1
        }

        let sent = try XCTUnwrap(writer.wait(), "the random input was not written in time")
        XCTAssertNil(sent.error, "the daemon stopped reading the random input after \(sent.written) bytes")
        XCTAssertGreaterThanOrEqual(sent.written, Self.totalBytes)
        let answers = try XCTUnwrap(drained.wait(), "the random connection was not closed in time")
        XCTAssertTrue(answers.reachedEOF, "the over-long length at the end closes the connection")
        XCTAssertGreaterThan(answers.bytes, 0)

        XCTAssertTrue(daemon.process.isRunning)
        try worker.ping()
        XCTAssertEqual(worker.unclaimedMessages, [])
        XCTAssertEqual(try worker.query("worker/lock"), QueryResponse(holders: [], waiters: []))
        let stats = try worker.waitForStats("the random connection to close") { $0["connections"] == 1 }
        XCTAssertGreaterThan(try XCTUnwrap(stats["protocol_errors_total"]), 0, "the random input reached the decoder")
        XCTAssertGreaterThan(try XCTUnwrap(stats["grants_total"]), UInt64(cycles), "the random input reached the lock table")
    }

    // MARK: - Random frames

    private static let names = (0..<16).map { "fuzz/\($0)" }
    private static let owners = ["", "o1", "o2"]

    /// One frame, its body at most 64 KiB (the default maximum).
    private static func randomFrame(_ random: inout SeededGenerator) -> [UInt8] {
        let body: [UInt8]
        switch random.next() % 32 {
        case 0:
            body = random.bytes(Int(random.next() % 65_536) + 1)
        case 1...4:
            body = random.bytes(Int(random.next() % 1_024))
        case 5...12:
            body = [UInt8(random.next() % 10 + 1)] + random.bytes(4 + Int(random.next() % 64))
        default:
            let id = random.next() % 64 == 0 ? 0 : UInt32(truncatingIfNeeded: random.next())
            return framedBytes(randomRequest(&random), id: id)
        }
        return framedBytes(body: body)
    }

    private static func randomRequest(_ random: inout SeededGenerator) -> Request {
        func pick<T>(_ choices: [T], _ random: inout SeededGenerator) -> T { choices[Int(random.next() % UInt64(choices.count))] }
        func name(_ random: inout SeededGenerator) -> String {
            switch random.next() % 20 {
            case 0: ""
            case 1: String(repeating: "x", count: 256)
            default: pick(names, &random)
            }
        }
        func milliseconds(_ random: inout SeededGenerator) -> UInt32 {
            switch random.next() % 4 {
            case 0: 0
            case 1: UInt32(random.next() % 300) + 1
            case 2: AcquireRequest.waitForever
            default: UInt32(truncatingIfNeeded: random.next())
            }
        }
        switch random.next() % 10 {
        case 0:
            return .hello(HelloRequest(protocolVersion: UInt16(random.next() % 3), clientName: "again"))
        case 1, 2:
            return .acquire(AcquireRequest(
                resource: name(&random), owner: pick(owners, &random), mode: random.next() % 2 == 0 ? .exclusive : .shared,
                flags: AcquireFlags(rawValue: UInt8(random.next() % 4)), ttlMilliseconds: milliseconds(&random),
                waitMilliseconds: milliseconds(&random)
            ))
        case 3:
            return .release(ReleaseRequest(resource: name(&random), owner: pick(owners, &random)))
        case 4:
            return .renew(RenewRequest(resource: name(&random), owner: pick(owners, &random), ttlMilliseconds: milliseconds(&random)))
        case 5:
            return .query(QueryRequest(resource: name(&random)))
        case 6:
            return .list(ListRequest(prefix: pick(["", "fuzz/", "fuzz/1", "zzz"], &random), limit: UInt32(random.next() % 5), cursor: random.next() % 2 == 0 ? "" : name(&random)))
        case 7:
            return random.next() % 2 == 0 ? .stats(StatsRequest()) : .ping(PingRequest())
        case 8:
            return .forceRelease(ForceReleaseRequest(resource: name(&random)))
        default:
            return .cancel(CancelRequest(targetRequestID: UInt32(truncatingIfNeeded: random.next())))
        }
    }
}
