#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the daemon's socket and state live by default.
///
/// Both sides need the same answer: the daemon binds the socket here, and a client that is
/// given no path connects here. So the rules live in the protocol module, not in either side.
public enum DefaultPaths {
    /// `DEADBOLT_SOCKET` if set; else `/run/deadbolt/deadbolt.sock` as root;
    /// else `$XDG_RUNTIME_DIR/deadbolt/deadbolt.sock`; else
    /// `/tmp/deadbolt-$UID/deadbolt.sock`. Clients use the same rules.
    public static func socket(environment: [String: String]) -> String {
        if let path = environment["DEADBOLT_SOCKET"], !path.isEmpty { return path }
        if getuid() == 0 { return "/run/deadbolt/deadbolt.sock" }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/deadbolt/deadbolt.sock" }
        return "/tmp/deadbolt-\(getuid())/deadbolt.sock"
    }

    /// `/var/lib/deadbolt` as root; else `$XDG_STATE_HOME/deadbolt`; else
    /// `~/.local/state/deadbolt`.
    public static func stateDirectory(environment: [String: String]) -> String {
        if getuid() == 0 { return "/var/lib/deadbolt" }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/deadbolt" }
        let home = environment["HOME"] ?? "/tmp"
        return home + "/.local/state/deadbolt"
    }

    /// The process environment, read from `environ` without Foundation. An entry without
    /// `=` is skipped.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let pair = String(cString: entry)
            if let equals = pair.firstIndex(of: "=") {
                result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
