#if canImport(Glibc)
import Glibc
#endif

/// A failed system call or a refused start-up condition, with a message an
/// operator can act on.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    /// `what` plus the text of the current `errno`.
    init(_ what: String) {
        let code = errno
        self.message = "\(what): \(String(cString: strerror(code)))"
    }

    public var description: String { message }
}

/// `mkdir -p` with `mode` for the directories it creates.
func makeDirectories(_ path: String, mode: mode_t) throws(SystemError) {
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        prefix += "/" + component
        if mkdir(prefix, mode) != 0 && errno != EEXIST {
            throw SystemError("mkdir \(prefix)")
        }
    }
}
