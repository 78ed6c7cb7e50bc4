#if canImport(Glibc)
import Glibc
#endif
import DeadboltCore

/// The daemon's durable state: two small files in the state directory.
///
/// - `fencing-high-water`: a decimal number; every token ever granted is at
///   most this, so the next run starts above it.
/// - `lease-horizon`: `clean` after a clean shutdown; otherwise the boot id and
///   an instant on the monotonic clock after which no detached lease granted
///   by the running (or crashed) daemon ends. After an unclean stop in the same
///   boot, the next run grants nothing until then: the grace period.
///
/// Every write is crash-safe: a temp file, fsync, rename over the old one,
/// fsync the directory. After any crash a file holds the old value or the
/// new one, never a torn write.
struct StateStore: Sendable {
    let directory: String

    private var fencingPath: String { directory + "/fencing-high-water" }
    private var horizonPath: String { directory + "/lease-horizon" }

    /// Creates the directory (0750) if it is missing.
    func prepare() throws(SystemError) {
        try makeDirectories(directory, mode: 0o750)
    }

    // MARK: - Fencing

    /// The persisted high-water, or 0 when none was ever written.
    func loadFencingHighWater() throws(SystemError) -> UInt64 {
        guard let text = try Self.readFile(fencingPath) else { return 0 }
        guard let value = UInt64(text) else {
            throw SystemError(message: "\(fencingPath) does not hold a number: \(text.debugDescription)")
        }
        return value
    }

    func persistFencingHighWater(_ value: UInt64) throws(SystemError) {
        try writeFile(fencingPath, "\(value)\n")
    }

    // MARK: - Lease horizon

    /// How the previous run ended, as far as leases are concerned.
    enum PreviousRun: Equatable {
        /// Clean shutdown, first start, or a reboot since: nobody can still hold.
        case nothingOutstanding
        /// Unclean stop in this boot: detached leases may run until then.
        case leasesOutstanding(until: Instant)
    }

    func loadPreviousRun() throws(SystemError) -> PreviousRun {
        guard let text = try Self.readFile(horizonPath), text != "clean" else { return .nothingOutstanding }
        let fields = text.split(separator: " ")
        guard fields.count == 2, let nanoseconds = UInt64(fields[1]) else {
            throw SystemError(message: "\(horizonPath) is not `clean` or `BOOT_ID NANOSECONDS`: \(text.debugDescription)")
        }
        guard String(fields[0]) == Self.bootID else { return .nothingOutstanding }
        return .leasesOutstanding(until: Instant(nanoseconds: nanoseconds))
    }

    func persistLeaseHorizon(_ horizon: Instant) throws(SystemError) {
        try writeFile(horizonPath, "\(Self.bootID) \(horizon.nanoseconds)\n")
    }

    /// Records a clean shutdown: the next run needs no grace period.
    func markClean() throws(SystemError) {
        try writeFile(horizonPath, "clean\n")
    }

    /// This boot's id, so that a horizon from before a reboot (when every
    /// holder died) is ignored. Read once: it cannot change while we run.
    static let bootID: String = (try? readFile("/proc/sys/kernel/random/boot_id")).flatMap { $0 } ?? "unknown-boot"

    // MARK: - Files

    /// The file's text without surrounding white space, or `nil` if it does not exist.
    private static func readFile(_ path: String) throws(SystemError) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SystemError("open \(path)")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 { throw SystemError("read \(path)") }
        return String(decoding: bytes[..<count], as: UTF8.self).trimmingWhitespace
    }

    private func writeFile(_ path: String, _ text: String) throws(SystemError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        if fd < 0 { throw SystemError("open \(temporary)") }
        let bytes = Array(text.utf8)
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
        var characters = Substring(self)
        while let first = characters.first, first.isWhitespace { characters.removeFirst() }
        while let last = characters.last, last.isWhitespace { characters.removeLast() }
        return String(characters)
    }
}
