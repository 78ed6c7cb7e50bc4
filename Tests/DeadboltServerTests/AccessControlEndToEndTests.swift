import DeadboltProtocol
import DeadboltTestKit
import Foundation
import NIOCore
import XCTest

/// Who may connect at all (`--allow-uids`, `--allow-groups`), the per-uid
/// connection limit, and the deadline on a frame left incomplete. Tests run
/// as root; another uid is `nobody` (65534), through setpriv.
final class AccessControlEndToEndTests: SandboxTestCase {
    /// HELLO, as docs/protocol-vectors.json has it.
    static let helloFrameHex = "000000150100000001" + "0001" + "000c" + "64656164626f6c742d636c69"

    /// Connects as nobody, says HELLO, and returns the first message the
    /// daemon sends back (nil if it closes first).
    private func helloAsNobody(socketPath: String) throws -> ServerMessage? {
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            try:
                s.sendall(bytes.fromhex(sys.argv[2]))
            except OSError:
                pass  # refused at accept: the daemon may close before reading; its ERROR is still there
            data = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                data += chunk
                if len(data) >= 4 and len(data) >= 4 + int.from_bytes(data[:4], "big"):
                    break
            print(data[4:4 + int.from_bytes(data[:4], "big")].hex() if len(data) >= 4 else "")
            """
        let result = try CommandProcess.run([
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, socketPath,
            Self.helloFrameHex,
        ])
        XCTAssertEqual(result.status, 0, result.errorOutput)
        guard !result.output.isEmpty else { return nil }
        var body = ByteBuffer(bytes: Array(hex: result.output))
        return try ServerMessage.decode(from: &body)
    }

    private func isHelloAnswer(_ message: ServerMessage?) -> Bool {
        if case .response(_, .hello) = message { true } else { false }
    }

    func testAllowUidsTurnsOtherUidsAwayAndLogsThem() throws {
        let daemon = try sandbox.startDaemon(arguments: ["--allow-uids", "0", "--socket-mode", "0666"])
        guard case .error(0, .permissionDenied, let message) = try helloAsNobody(socketPath: daemon.socketPath) else {
            return XCTFail("nobody must be refused with PERMISSION_DENIED")
        }
        XCTAssertTrue(message.contains("uid 65534"), message)
        XCTAssertTrue(daemon.waitForLog { $0.contains("not allowed") && $0.contains("uid=65534") }, "\(daemon.log)")
        try TestClient.connected(to: daemon).acquireOK("root-may") // root always may
    }

    func testAllowGroupsAdmitsTheirMembers() throws {
        let daemon = try sandbox.startDaemon(arguments: ["--allow-groups", "65534", "--socket-mode", "0666"])
        XCTAssertTrue(isHelloAnswer(try helloAsNobody(socketPath: daemon.socketPath)), "nobody's group 65534 is allowed")
    }

    func testTheConnectionsOfOneUidAreLimitedWithoutTouchingOthers() throws {
        let daemon = try sandbox.startDaemon(arguments: ["--max-connections-per-uid", "2", "--socket-mode", "0666"])
        let first = try TestClient.connected(to: daemon)
        try first.acquireOK("kept")
        var second: TestClient? = try TestClient.connected(to: daemon)
        let third = try TestClient(socketPath: daemon.socketPath)
        guard case .error(0, .quotaExceeded, _) = try third.receive() else {
            return XCTFail("a third connection of uid 0 is refused")
        }
        XCTAssertNil(try third.receive(), "and closed")
        XCTAssertTrue(isHelloAnswer(try helloAsNobody(socketPath: daemon.socketPath)), "another uid has its own limit")
        XCTAssertEqual(try first.query("kept").holders.count, 1, "nothing else is disturbed")

        second = nil
        try first.waitForStats("the second connection to close") { $0["connections"] == 1 }
        _ = second
        XCTAssertNoThrow(try TestClient.connected(to: daemon), "a slot freed is usable again")
    }

    /// As nobody: HELLO, then a try of `resource`; the answer to the try.
    private func tryLockAsNobody(_ resource: String, socketPath: String) throws -> ServerMessage? {
        let frames = Array(hex: Self.helloFrameHex) + framedBytes(
            .acquire(AcquireRequest(resource: resource, owner: "", mode: .exclusive, flags: [], ttlMilliseconds: 0, waitMilliseconds: 0)),
            id: 2
        )
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            s.sendall(bytes.fromhex(sys.argv[2]))
            data, bodies = b"", []
            while len(bodies) < 2:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                while len(data) >= 4 and len(data) >= 4 + int.from_bytes(data[:4], "big"):
                    length = int.from_bytes(data[:4], "big")
                    bodies.append(data[4:4 + length].hex())
                    data = data[4 + length:]
            print(bodies[-1] if len(bodies) == 2 else "")
            """
        let result = try CommandProcess.run([
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, socketPath,
            frames.map { String(format: "%02x", $0) }.joined(),
        ])
        XCTAssertEqual(result.status, 0, result.errorOutput)
        guard !result.output.isEmpty else { return nil }
        var body = ByteBuffer(bytes: Array(hex: result.output))
        return try ServerMessage.decode(from: &body)
    }

    func testIsolatedUidsEachHaveTheirOwnNamespace() throws {
        let daemon = try sandbox.startDaemon(arguments: ["--isolate-uids", "--socket-mode", "0666"])
        let root = try TestClient.connected(to: daemon)
        try root.acquireOK("printer")
        guard case .response(2, .acquire) = try tryLockAsNobody("printer", socketPath: daemon.socketPath) else {
            return XCTFail("another uid's lock of the same name does not conflict")
        }
        XCTAssertEqual(try root.list().entries.map(\.resource), ["printer"], "root sees its own, by its plain name")
        XCTAssertEqual(try root.query("printer").holders.map(\.pid), [getpid()])
        try root.acquireOK("expiring", ttlMilliseconds: 50)
        XCTAssertEqual(try root.nextLost().resource, "expiring", "a LOST names the lock as its holder knows it")
    }

    func testAFrameLeftIncompleteIsClosedAfterItsDeadline() throws {
        let daemon = try sandbox.startDaemon(arguments: ["--partial-frame-timeout-ms", "200"])
        let holder = try TestClient.connected(to: daemon)
        try holder.acquireOK("kept")

        let stalled = try TestClient(socketPath: daemon.socketPath)
        try stalled.sendBytes([0, 0, 0, 21, 0x01, 0, 0]) // a length and 3 of its 21 body bytes
        let started = Date()
        guard case .error(0, .protocolError, let message) = try stalled.receive() else {
            return XCTFail("a stalled frame gets an ERROR")
        }
        XCTAssertTrue(message.contains("incomplete"), message)
        XCTAssertNil(try stalled.receive(), "then the connection closes")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.15)
        XCTAssertEqual(try holder.query("kept").holders.count, 1, "other clients are not disturbed")

        // A frame sent in pieces, each well within the deadline, is served.
        let slow = try TestClient(socketPath: daemon.socketPath)
        let hello = Array(hex: Self.helloFrameHex)
        try slow.sendBytes(Array(hello[..<6]))
        try holder.ping() // a round trip elsewhere: time passes, far below 200 ms
        try slow.sendBytes(Array(hello[6...]))
        guard case .response(_, .hello) = try slow.receive() else { return XCTFail("the HELLO sent in two pieces is answered") }
    }
}

extension Array where Element == UInt8 {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex), index != hex.endIndex {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        self = bytes
    }
}
