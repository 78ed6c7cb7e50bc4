import Foundation

/// A stand-in for systemd's notify socket: an AF_UNIX datagram socket a test
/// binds and passes to a daemon as `NOTIFY_SOCKET`, then reads the state
/// lines the daemon sends (`READY=1`, `WATCHDOG=1`, …) with their arrival times.
public final class NotifySocket {
    public let path: String
    private let fd: Int32
    private let started = Date()

    public init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError.system("socket", errno) }
        let bound = withUnixAddress(path) { bind(fd, $0, $1) }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw ClientError.system("bind \(path)", code)
        }
    }

    deinit {
        close(fd)
    }

    /// The next datagram and the seconds since this socket was made, or
    /// `nil` if none comes within `timeoutSeconds`.
    public func receive(timeoutSeconds: Int = 15) -> (text: String, seconds: Double)? {
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return (String(decoding: buffer[..<count], as: UTF8.self), Date().timeIntervalSince(started))
    }

    /// Reads datagrams until one has a line equal to `line`; returns it with
    /// its time, or `nil` on a timeout.
    public func receive(line: String, timeoutSeconds: Int = 15) -> (text: String, seconds: Double)? {
        while let message = receive(timeoutSeconds: timeoutSeconds) {
            if message.text.split(separator: "\n").contains(Substring(line)) { return message }
        }
        return nil
    }
}
