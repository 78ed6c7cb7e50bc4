#if canImport(Glibc)
import Glibc
#endif

/// The socket file of a daemon that binds its own socket.
enum SocketFile {
    /// Makes `path` ready to bind: creates its directory, refuses a path a
    /// live daemon answers on, refuses to remove anything but a socket, and
    /// removes a stale socket (one nobody listens on).
    static func prepare(_ path: String) throws(SystemError) {
        guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw SystemError(message: "socket path is too long for a Unix socket: \(path)")
        }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]), mode: 0o755)
        }
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return }
            throw SystemError("stat \(path)")
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw SystemError(message: "\(path) exists and is not a socket; not removing it")
        }
        if isAnswering(path) {
            throw SystemError(message: "another daemon is listening on \(path); not replacing it")
        }
        if unlink(path) != 0 && errno != ENOENT { throw SystemError("unlink stale socket \(path)") }
    }

    /// True if something accepts connections at `path`.
    static func isAnswering(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    /// Sets the file mode and, if given, the group of a bound socket.
    static func applyOwnership(_ path: String, mode: UInt32, group: String?) throws(SystemError) {
        if let group {
            guard let entry = getgrnam(group) else { throw SystemError(message: "unknown group \(group)") }
            if chown(path, uid_t.max, entry.pointee.gr_gid) != 0 { throw SystemError("chgrp \(group) \(path)") }
        }
        if chmod(path, mode_t(mode)) != 0 { throw SystemError("chmod \(path)") }
    }
}
