import DeadboltProtocol
import DeadboltTestKit
import Foundation
import NIOCore
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Clients that send requests and do not read the answers: the daemon stops
/// reading one once its answers back up (so its memory stays at one write
/// buffer), serves everyone else meanwhile, loses no answer, and still closes
/// it, or stops, when it must.
final class SlowReaderEndToEndTests: SandboxTestCase {
    private static let pingFrame: [UInt8] = {
        var body = ByteBuffer()
        RequestFrame(requestID: 7, request: .ping(PingRequest())).encode(into: &body)
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(body.readableBytes))
        frame.writeBuffer(&body)
        return Array(frame.readableBytesView)
    }()

    /// Writes PING frames to `flooder` without reading, until `observer`
    /// sees the daemon report it backed up and its socket takes no more.
    /// (A daemon that went on reading would take all 64 MiB.) Returns the
    /// bytes written; the socket is left non-blocking.
    private func flood(_ flooder: TestClient, until observer: TestClient) throws -> Int {
        let chunk = [UInt8]((0..<4_096).map { _ in Self.pingFrame }.joined())
        XCTAssertEqual(fcntl(flooder.fd, F_SETFL, fcntl(flooder.fd, F_GETFL) | O_NONBLOCK), 0)
        var sentBytes = 0
        let limitBytes = 64 << 20
        while sentBytes < limitBytes {
            var offset = 0
            while offset < chunk.count {
                let written = chunk[offset...].withUnsafeBytes { send(flooder.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written < 0, errno == EAGAIN {
                    if try observer.stats()["connections_backed_up"] == 1 { return sentBytes }
                    var pollFD = pollfd(fd: flooder.fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&pollFD, 1, 100)
                    continue
                }
                guard written > 0 else { throw ClientError.system("send", errno) }
                offset += written
                sentBytes += written
            }
        }
        XCTFail("the daemon kept reading a peer that reads nothing: \(sentBytes) bytes")
        return sentBytes
    }

    func testAPeerThatDoesNotReadItsAnswersIsHeldBackAndLosesNone() throws {
        let daemon = try sandbox.startDaemon()
        let bystander = try TestClient.connected(to: daemon)
        let held = try bystander.acquireOK("kept")
        let flooder = try TestClient.connected(to: daemon)
        let sentBytes = try flood(flooder, until: bystander)

        // It stays so: the event loop serves other connections turn after
        // turn (each turn would read the flooder, whose socket is readable)
        // and reads nothing more from the flooder.
        for _ in 0..<20 { try bystander.ping() }
        var pollFD = pollfd(fd: flooder.fd, events: Int16(POLLOUT), revents: 0)
        XCTAssertEqual(poll(&pollFD, 1, 0), 0, "the daemon read from a backed-up connection")
        XCTAssertEqual(try bystander.stats()["connections_backed_up"], 1)
        XCTAssertEqual(try bystander.query("kept").holders.map(\.fencingToken), [held.fencingToken])

        // Reading the answers lets the daemon go on: every whole frame sent
        // is answered, the rest of a split one too once it is complete.
        let frameBytes = Self.pingFrame.count
        let frames = (sentBytes + frameBytes - 1) / frameBytes
        let splitBytes = sentBytes % frameBytes
        let rest = splitBytes == 0 ? [] : Array(Self.pingFrame[splitBytes...])
        XCTAssertEqual(fcntl(flooder.fd, F_SETFL, fcntl(flooder.fd, F_GETFL) & ~O_NONBLOCK), 0)
        let fd = flooder.fd
        let restSent = expectation(description: "the rest of the split frame is sent")
        Thread.detachNewThread {
            try? TestClient.sendAll(rest, to: fd)
            restSent.fulfill()
        }
        for index in 0..<frames {
            guard case .response(7, .ping)? = try flooder.receive() else {
                return XCTFail("answer \(index) of \(frames) is not the PING's")
            }
        }
        wait(for: [restSent], timeout: 30)
        try flooder.ping()
        XCTAssertEqual(try bystander.stats()["connections_backed_up"], 0)
    }

    func testAPeerThatReadsNothingIsStillClosedAtItsHelloDeadline() throws {
        // Long enough for the flood to back the connection up first, even on
        // a slow machine (it takes a fraction of a second).
        let daemon = try sandbox.startDaemon(arguments: ["--hello-timeout-ms", "3000"])
        let bystander = try TestClient.connected(to: daemon)
        let flooder = try TestClient(socketPath: daemon.socketPath)  // no HELLO: each PING is a PROTOCOL_ERROR
        _ = try flood(flooder, until: bystander)
        // Its ERROR for the deadline cannot be written, yet it is closed.
        try bystander.waitForStats("the backed-up connection to close") { $0["connections"] == 1 }
        XCTAssertEqual(try bystander.stats()["connections_backed_up"], 0)
    }

    func testSigtermStopsTheDaemonCleanlyWhileAPeerReadsNothing() throws {
        let daemon = try sandbox.startDaemon()
        let bystander = try TestClient.connected(to: daemon)
        try bystander.acquireOK("kept", owner: "cron", ttlMilliseconds: 60_000, flags: [.detached])
        let flooder = try TestClient.connected(to: daemon)
        _ = try flood(flooder, until: bystander)
        XCTAssertEqual(daemon.stop(), 0, "a clean stop, not a kill")
        // A clean stop leaves no grace period behind.
        let restarted = try sandbox.startDaemon()
        let client = try TestClient.connected(to: restarted)
        XCTAssertEqual(try client.stats()["grace_remaining_ms"], 0)
        try client.acquireOK("kept")
    }
}
