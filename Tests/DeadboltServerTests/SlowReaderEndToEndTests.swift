import DeadboltProtocol
import DeadboltTestKit
import Foundation
import NIOCore
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A client that sends requests and does not read the answers: the daemon
/// stops reading it once its answers back up (so its memory stays at one
/// write buffer), serves everyone else meanwhile, and loses no answer.
final class SlowReaderEndToEndTests: RunningDaemonTestCase {
    func testAPeerThatDoesNotReadItsAnswersIsHeldBackAndLosesNone() throws {
        let bystander = try TestClient.connected(to: daemon)
        let held = try bystander.acquireOK("kept")
        let flooder = try TestClient.connected(to: daemon)

        // PING frames, written without reading, until the socket takes no more.
        var body = ByteBuffer()
        RequestFrame(requestID: 7, request: .ping(PingRequest())).encode(into: &body)
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(body.readableBytes))
        frame.writeBuffer(&body)
        let frameBytes = Array(frame.readableBytesView)
        let chunk = [UInt8]((0..<4_096).map { _ in frameBytes }.joined())
        // Written until the daemon says the flooder's answers are backed up
        // and the socket takes no more. (A daemon that went on reading would
        // take all 64 MiB.)
        XCTAssertEqual(fcntl(flooder.fd, F_SETFL, fcntl(flooder.fd, F_GETFL) | O_NONBLOCK), 0)
        var sentBytes = 0
        let limitBytes = 64 << 20
        var heldBack = false
        writing: while sentBytes < limitBytes {
            var offset = 0
            while offset < chunk.count {
                let written = chunk[offset...].withUnsafeBytes { send(flooder.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written < 0, errno == EAGAIN {
                    if try bystander.stats()["connections_backed_up"] == 1 {
                        heldBack = true
                        break writing
                    }
                    var pollFD = pollfd(fd: flooder.fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&pollFD, 1, 100)
                    continue
                }
                XCTAssertGreaterThan(written, 0, "send: \(String(cString: strerror(errno)))")
                offset += written
                sentBytes += written
            }
        }
        XCTAssertTrue(heldBack, "the daemon kept reading a peer that reads nothing: \(sentBytes) bytes")
        // It stays so: the event loop serves other connections turn after
        // turn (each turn would read the flooder, whose socket is readable)
        // and reads nothing more from the flooder.
        for _ in 0..<20 { try bystander.ping() }
        var pollFD = pollfd(fd: flooder.fd, events: Int16(POLLOUT), revents: 0)
        XCTAssertEqual(poll(&pollFD, 1, 0), 0, "the daemon read from a backed-up connection")
        XCTAssertEqual(try bystander.stats()["connections_backed_up"], 1)

        // Everyone else is served, and nothing of theirs is touched.
        try bystander.ping()
        XCTAssertEqual(try bystander.query("kept").holders.map(\.fencingToken), [held.fencingToken])

        // Reading the answers lets the daemon go on: every whole frame sent
        // is answered, the rest of a split one too once it is complete.
        let frames = (sentBytes + frameBytes.count - 1) / frameBytes.count
        let splitBytes = sentBytes % frameBytes.count
        let rest = splitBytes == 0 ? [] : Array(frameBytes[splitBytes...])
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
}
