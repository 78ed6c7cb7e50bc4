import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's side of systemd: adopting a socket systemd passed
/// (`sd_listen_fds_with_names`), and telling systemd how the daemon is doing
/// (`sd_notify`). Without `LISTEN_FDS`/`NOTIFY_SOCKET` in the environment,
/// both are no-ops, so the same binary runs under systemd and by hand.
public enum Systemd {
    /// A listening socket systemd passed to this process.
    public struct PassedSocket: Sendable, Equatable {
        public var descriptor: Int32
        /// Its `FileDescriptorName=` (systemd-socket-activate's `--fdname`).
        public var name: String
    }

    /// The listening socket systemd passed, if any. With several, the one
    /// named `name` (or, without a name, the only one). Anything but one
    /// listening AF_UNIX stream socket is a clear error, never a guess.
    /// Unsets `LISTEN_*` so that child processes do not see them.
    public static func passedSocket(named name: String?) throws(SystemError) -> PassedSocket? {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count >= 0 else {
            throw SystemError(message: "cannot read the sockets systemd passed: \(String(cString: strerror(-count)))")
        }
        guard count > 0 else { return nil }
        var passed: [PassedSocket] = []
        for offset in 0..<Int(count) {
            let label = names?[offset].map { String(cString: $0) } ?? "unknown"
            passed.append(PassedSocket(descriptor: SD_LISTEN_FDS_START + Int32(offset), name: label))
            free(names?[offset])
        }
        free(names)
        let chosen: PassedSocket
        if let name {
            guard let match = passed.first(where: { $0.name == name }) else {
                throw SystemError(message: "systemd passed no socket named \(name); it passed \(passed.map(\.name))")
            }
            chosen = match
        } else {
            guard passed.count == 1 else {
                throw SystemError(message: "systemd passed \(passed.count) sockets \(passed.map(\.name)); choose one with --listen-fd-name")
            }
            chosen = passed[0]
        }
        guard sd_is_socket_unix(chosen.descriptor, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else {
            throw SystemError(message: "the socket systemd passed (fd \(chosen.descriptor), \(chosen.name)) is not a listening AF_UNIX stream socket")
        }
        return chosen
    }

    /// Sends a state line (`READY=1`, `STATUS=…`, `STOPPING=1`, `WATCHDOG=1`)
    /// to systemd. A no-op without `NOTIFY_SOCKET`.
    public static func notify(_ state: String) {
        _ = sd_notify(0, state)
    }

    /// True when the daemon was started with a notify socket.
    public static var isNotifying: Bool {
        getenv("NOTIFY_SOCKET") != nil
    }

    /// The watchdog interval systemd expects pings within, in microseconds,
    /// or `nil` when no watchdog is set for this process.
    public static func watchdogMicroseconds() -> UInt64? {
        var microseconds: UInt64 = 0
        return sd_watchdog_enabled(0, &microseconds) > 0 && microseconds > 0 ? microseconds : nil
    }
}
