import DeadboltProtocol
import Foundation
import NIOCore

/// A client in a separate process, so a test can kill it the way a crashing
/// program dies (SIGKILL: no goodbye, the kernel closes its socket).
///
/// The child is a few lines of Python that know nothing of the protocol: it
/// connects, writes the bytes the test encoded with DeadboltProtocol, then
/// prints each frame body it receives as a hex line until EOF, and blocks in
/// `recv` until killed. The test decodes those lines with `ServerMessage`.
public final class ChildClientProcess: @unchecked Sendable {
    public let process: Process
    private let output: OutputLines
    private var nextLine = 0
    private let exited = DispatchSemaphore(value: 0)

    public var pid: Int32 { process.processIdentifier }

    private static let script = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[1])
        s.sendall(bytes.fromhex(sys.argv[2]))
        print("CONNECTED", flush=True)
        pending = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            pending += chunk
            while len(pending) >= 4 and len(pending) >= 4 + int.from_bytes(pending[:4], "big"):
                length = int.from_bytes(pending[:4], "big")
                print(pending[4:4 + length].hex(), flush=True)
                pending = pending[4 + length:]
        print("EOF", flush=True)
        """

    /// Starts the child, which connects to `socketPath` and sends `requests`
    /// (with their ids) at once.
    public init(socketPath: String, sending requests: [(id: UInt32, request: Request)]) throws {
        var bytes: [UInt8] = []
        for (id, request) in requests { bytes += framedBytes(request, id: id) }
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, socketPath, hex]
        let outputPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = FileHandle.standardError
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        output = OutputLines(reading: outputPipe.fileHandleForReading)
        guard output.waitForLine(timeoutSeconds: 30, where: { $0 == "CONNECTED" }) != nil else {
            kill(SIGKILL)
            throw ChildClientError.didNotConnect(output: output.all)
        }
        nextLine = output.all.firstIndex(of: "CONNECTED")! + 1
    }

    /// The next message the child received, or `nil` at EOF.
    public func receive(timeoutSeconds: Double = 15) throws -> ServerMessage? {
        guard let (index, line) = output.waitForLine(from: nextLine, timeoutSeconds: timeoutSeconds) else {
            throw ChildClientError.noMessage(output: output.all)
        }
        nextLine = index + 1
        if line == "EOF" { return nil }
        var buffer = ByteBuffer(bytes: hexDecoded(line))
        return try ServerMessage.decode(from: &buffer)
    }

    /// Sends `signal` to the child and waits for it to end.
    public func kill(_ signal: Int32) {
        guard process.isRunning else { return }
        Foundation.kill(pid, signal)
        _ = exited.wait(timeout: .now() + 30)
        exited.signal()
    }

    deinit {
        if process.isRunning { Foundation.kill(pid, SIGKILL) }
    }
}

public enum ChildClientError: Error, CustomStringConvertible {
    case didNotConnect(output: [String])
    case noMessage(output: [String])

    public var description: String {
        switch self {
        case .didNotConnect(let output): "the child client did not connect; it printed:\n" + output.joined(separator: "\n")
        case .noMessage(let output): "the child client received nothing in time; it printed:\n" + output.joined(separator: "\n")
        }
    }
}

private func hexDecoded(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8?
    for character in hex.utf8 {
        let nibble: UInt8 = switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        default: 0
        }
        if let pending = high {
            bytes.append(pending << 4 | nibble)
            high = nil
        } else {
            high = nibble
        }
    }
    return bytes
}
