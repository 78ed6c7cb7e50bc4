import DeadboltProtocol
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A small blocking client for end-to-end tests: a real Unix socket, frames
/// written and read with DeadboltProtocol's codecs, and a read timeout so a
/// missing answer fails the test instead of hanging it.
public final class TestClient {
    /// The socket; -1 once ``disconnect()`` closed it.
    public private(set) var fd: Int32
    /// The session id the daemon gave in its HELLO answer; 0 before HELLO.
    public private(set) var sessionID: UInt64 = 0
    /// The largest body the daemon may send: the default until HELLO
    /// announces it. A longer frame from the daemon is a protocol violation,
    /// and reading it throws ``ClientError/frameTooLarge(_:)``.
    public private(set) var maxFrameBytes = 65_536
    private var nextRequestID: UInt32 = 1
    private var inbox = ByteBuffer()
    /// Messages read while waiting for another request id, in arrival order.
    private var unclaimed: [ServerMessage] = []

    public init(socketPath: String, timeoutSeconds: Int = 15) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError.system("socket", errno) }
        let connected = withUnixAddress(socketPath) { connect(fd, $0, $1) }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw ClientError.system("connect \(socketPath)", code)
        }
        // A daemon that never answers, or stops reading, fails the test instead of hanging it.
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        disconnect()
    }

    /// Closes the socket abruptly (no goodbye): the daemon sees EOF.
    public func disconnect() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    /// Connects and says HELLO.
    public static func connected(to daemon: DaemonProcess, name: String = "test", timeoutSeconds: Int = 15) throws -> TestClient {
        let client = try TestClient(socketPath: daemon.socketPath, timeoutSeconds: timeoutSeconds)
        try client.hello(name: name)
        return client
    }

    /// Says HELLO and records the session id; throws unless the answer is OK.
    @discardableResult
    public func hello(name: String = "test") throws -> HelloResponse {
        let answer = try call(.hello(HelloRequest(protocolVersion: ProtocolVersion.current, clientName: name)))
        guard case .response(_, .hello(let hello)) = answer else { throw ClientError.unexpected(answer) }
        sessionID = hello.sessionID
        maxFrameBytes = Int(hello.maxFrameBytes)
        return hello
    }

    // MARK: - Raw I/O

    /// Sends a request and returns its id, without waiting.
    @discardableResult
    public func send(_ request: Request, id: UInt32? = nil) throws -> UInt32 {
        let requestID = id ?? takeRequestID()
        var body = ByteBuffer()
        RequestFrame(requestID: requestID, request: request).encode(into: &body)
        try sendRaw(framing: body)
        return requestID
    }

    public func takeRequestID() -> UInt32 {
        defer { nextRequestID += 1 }
        return nextRequestID
    }

    /// Writes a length prefix and `body`.
    public func sendRaw(framing body: ByteBuffer) throws {
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(body.readableBytes))
        var body = body
        frame.writeBuffer(&body)
        try sendBytes(Array(frame.readableBytesView))
    }

    /// Writes bytes as they are. A daemon that closed the connection makes
    /// this throw (EPIPE, ECONNRESET) rather than raise SIGPIPE.
    public func sendBytes(_ bytes: [UInt8]) throws {
        try Self.sendAll(bytes, to: fd)
    }

    /// Writes all of `bytes` to a socket; usable from any thread, as it
    /// touches no client state.
    public static func sendAll(_ bytes: [UInt8], to fd: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw ClientError.system("write", errno) }
            offset += written
        }
    }

    /// Reads and discards everything from a socket until EOF (true) or an
    /// error such as the read timeout (false); returns the byte count too.
    /// Usable from any thread, as it touches no client state.
    public static func drain(_ fd: Int32) -> (bytes: Int, reachedEOF: Bool) {
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 || (count < 0 && errno == ECONNRESET) { return (total, true) }
            if count < 0 { return (total, false) }
            total += count
        }
    }

    /// Half-closes the write side (EOF for the daemon).
    public func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// The next message from the daemon, or `nil` at EOF.
    public func receive() throws -> ServerMessage? {
        if !unclaimed.isEmpty { return unclaimed.removeFirst() }
        return try receiveFromSocket()
    }

    private func receiveFromSocket() throws -> ServerMessage? {
        while true {
            if let length = inbox.getInteger(at: inbox.readerIndex, as: UInt32.self), Int(length) > maxFrameBytes {
                throw ClientError.frameTooLarge(Int(length))
            }
            if let length = inbox.getInteger(at: inbox.readerIndex, as: UInt32.self),
               inbox.readableBytes >= 4 + Int(length) {
                inbox.moveReaderIndex(forwardBy: 4)
                var body = inbox.readSlice(length: Int(length))!
                inbox.discardReadBytes()
                return try ServerMessage.decode(from: &body)
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return nil }
            if count < 0 && errno == ECONNRESET { return nil }
            guard count > 0 else { throw ClientError.system("read (timed out?)", errno) }
            inbox.writeBytes(chunk[..<count])
        }
    }

    /// The answer to `requestID`, keeping other messages for later `receive`s.
    public func answer(to requestID: UInt32) throws -> ServerMessage {
        if let index = unclaimed.firstIndex(where: { $0.requestID == requestID && !$0.isLost }) {
            return unclaimed.remove(at: index)
        }
        while true {
            guard let message = try receiveFromSocket() else { throw ClientError.closed }
            if message.requestID == requestID && !message.isLost { return message }
            unclaimed.append(message)
        }
    }

    /// The next LOST event, keeping other messages.
    public func nextLost() throws -> LostEvent {
        if let index = unclaimed.firstIndex(where: { $0.isLost }), case .lost(let event) = unclaimed.remove(at: index) {
            return event
        }
        while true {
            guard let message = try receiveFromSocket() else { throw ClientError.closed }
            if case .lost(let event) = message { return event }
            unclaimed.append(message)
        }
    }

    /// Sends a request and waits for its answer.
    public func call(_ request: Request) throws -> ServerMessage {
        try answer(to: send(request))
    }

    /// Messages already read but not yet claimed by ``answer(to:)`` or
    /// ``nextLost()``, in arrival order.
    public var unclaimedMessages: [ServerMessage] { unclaimed }

    /// Reads until the daemon closes the connection (EOF) and returns what
    /// it sent before, starting with unclaimed messages. Throws if the read
    /// timeout passes first. A reset counts as a close.
    public func readUntilClosed() throws -> [ServerMessage] {
        var messages = unclaimed
        unclaimed = []
        while let message = try receiveFromSocket() { messages.append(message) }
        return messages
    }

    // MARK: - Requests

    public func acquire(
        _ resource: String, owner: String = "", mode: LockMode = .exclusive, ttlMilliseconds: UInt32 = 0,
        waitMilliseconds: UInt32 = 0, flags: AcquireFlags = []
    ) throws -> UInt32 {
        try send(.acquire(AcquireRequest(
            resource: resource, owner: owner, mode: mode, flags: flags,
            ttlMilliseconds: ttlMilliseconds, waitMilliseconds: waitMilliseconds
        )))
    }

    public func release(_ resource: String, owner: String = "") throws -> ServerMessage {
        try call(.release(ReleaseRequest(resource: resource, owner: owner)))
    }
}

public enum ClientError: Error, CustomStringConvertible {
    case system(String, Int32)
    case closed
    case unexpected(ServerMessage)
    case timedOut(String)
    case frameTooLarge(Int)

    public var description: String {
        switch self {
        case .timedOut(let what): "timed out waiting for \(what)"
        case .frameTooLarge(let length): "the daemon sent a frame of \(length) bytes, more than its maxFrameBytes"
        case .system(let what, let code): "\(what): \(String(cString: strerror(code)))"
        case .closed: "the daemon closed the connection"
        case .unexpected(let message): "unexpected answer: \(message)"
        }
    }
}
