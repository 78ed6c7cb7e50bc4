#if canImport(Glibc)
import Glibc
#endif

/// The durable fencing high-water: one decimal number in a file in the state
/// directory. Written crash-safely: a temp file, fsync, rename over the old
/// one, fsync the directory. So after any crash the file holds either the
/// old value or the new one, never a torn write.
struct FencingStore: Sendable {
    let directory: String
    var path: String { directory + "/fencing-high-water" }

    /// Creates the directory (0750) if it is missing.
    func prepare() throws(SystemError) {
        try makeDirectories(directory, mode: 0o750)
    }

    /// The persisted high-water, or 0 when none was ever written.
    func load() throws(SystemError) -> UInt64 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return 0 }
            throw SystemError("open \(path)")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 { throw SystemError("read \(path)") }
        let text = String(decoding: bytes[..<count], as: UTF8.self).trimmingWhitespace
        guard let value = UInt64(text) else {
            throw SystemError(message: "\(path) does not hold a number: \(text.debugDescription)")
        }
        return value
    }

    /// Makes `value` the durable high-water before returning.
    func persist(_ value: UInt64) throws(SystemError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        if fd < 0 { throw SystemError("open \(temporary)") }
        let bytes = Array("\(value)\n".utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written != bytes.count {
            close(fd)
            throw SystemError("write \(temporary)")
        }
        if fsync(fd) != 0 {
            close(fd)
            throw SystemError("fsync \(temporary)")
        }
        close(fd)
        if rename(temporary, path) != 0 { throw SystemError("rename \(temporary)") }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD < 0 { throw SystemError("open \(directory)") }
        defer { close(directoryFD) }
        if fsync(directoryFD) != 0 { throw SystemError("fsync \(directory)") }
    }
}

extension String {
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
