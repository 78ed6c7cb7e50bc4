import CDeadbolt
import Glibc

/// One connection to deadboltd through libdeadbolt. Calls block; each
/// failure becomes a ``CommandFailure`` naming the daemon's status, whose
/// exit status is that status's code.
final class Broker {
    let handle: OpaquePointer
    /// The path given, or nil for the default.
    let socketPath: String?

    init(socketPath: String?) throws(CommandFailure) {
        var handle: OpaquePointer?
        let err = deadbolt_connect(socketPath, &handle)
        guard err == 0, let handle else {
            let path = socketPath ?? "the default socket (set DEADBOLT_SOCKET or --socket)"
            throw CommandFailure(
                message: "cannot reach deadboltd at \(path): \(String(cString: deadbolt_strerror(err)))",
                status: ExitStatus.unavailable
            )
        }
        self.handle = handle
        self.socketPath = socketPath
    }

    deinit {
        deadbolt_close(handle)
    }

    /// The failure for `err`, a negative return value of a call that tried
    /// to `what` (e.g. "lock backup").
    func failure(_ err: Int32, _ what: String) -> CommandFailure {
        var status = deadbolt_last_status(handle)
        // Arguments libdeadbolt refuses before sending get the status the
        // daemon would have answered.
        if status < 0 && err == -EINVAL { status = Int32(DEADBOLT_STATUS_INVALID_ARGUMENT) }
        if status < 0 && err == -ENAMETOOLONG { status = Int32(DEADBOLT_STATUS_NAME_TOO_LONG) }
        guard status > 0 else {
            // No answer from the daemon: it went away, or the connection broke.
            return CommandFailure(
                message: "\(what): \(String(cString: deadbolt_strerror(err)))", status: ExitStatus.unavailable
            )
        }
        let name = deadbolt_status_name(status).map { String(cString: $0) } ?? "status \(status)"
        let detail = String(cString: deadbolt_last_message(handle))
        return CommandFailure(
            message: "\(what): \(detail.isEmpty ? String(cString: deadbolt_strerror(err)) : detail) (\(name))",
            status: Int32(status)
        )
    }

    /// Takes a lock; returns its fencing token.
    func lock(_ resource: String, options: deadbolt_lock_options) throws(CommandFailure) -> UInt64 {
        var options = options
        var token: UInt64 = 0
        let err = deadbolt_lock(handle, resource, &options, &token)
        guard err == 0 else { throw failure(err, "lock \(resource)") }
        return token
    }

    func unlock(_ resource: String, owner: String?) throws(CommandFailure) {
        let err = deadbolt_unlock(handle, resource, owner)
        guard err == 0 else { throw failure(err, "unlock \(resource)") }
    }

    func renew(_ resource: String, owner: String?, ttlMilliseconds: UInt32) throws(CommandFailure) {
        let err = deadbolt_renew(handle, resource, owner, ttlMilliseconds)
        guard err == 0 else { throw failure(err, "renew \(resource)") }
    }

    /// Force-unlocks; returns how many holders were removed.
    func forceUnlock(_ resource: String) throws(CommandFailure) -> Int {
        let released = deadbolt_force_unlock(handle, resource)
        guard released >= 0 else { throw failure(released, "force-unlock \(resource)") }
        return Int(released)
    }

    func ping() throws(CommandFailure) {
        let err = deadbolt_ping(handle)
        guard err == 0 else { throw failure(err, "ping") }
    }

    var sessionInfo: deadbolt_session_info {
        var info = deadbolt_session_info()
        _ = deadbolt_get_session_info(handle, &info)
        return info
    }

    func query(_ resource: String) throws(CommandFailure) -> ResourceState {
        var result: UnsafeMutablePointer<deadbolt_query_result>?
        let err = deadbolt_query(handle, resource, &result)
        guard err == 0, let result else { throw failure(err, "query \(resource)") }
        defer { deadbolt_query_result_free(result) }
        let answer = result.pointee
        return ResourceState(
            resource: resource,
            holders: (0..<answer.holder_count).map { Holder(answer.holders[$0]) },
            waiters: (0..<answer.waiter_count).map { Waiter(answer.waiters[$0]) }
        )
    }

    /// Every resource whose name starts with `prefix`, all pages.
    func list(prefix: String) throws(CommandFailure) -> [ListedResource] {
        var entries: [ListedResource] = []
        var cursor = ""
        repeat {
            var result: UnsafeMutablePointer<deadbolt_list_result>?
            let err = deadbolt_list(handle, prefix, cursor, 0, &result)
            guard err == 0, let result else { throw failure(err, "list") }
            defer { deadbolt_list_result_free(result) }
            let page = result.pointee
            entries += (0..<page.count).map { ListedResource(page.entries[$0]) }
            cursor = String(cString: page.next_cursor)
        } while !cursor.isEmpty
        return entries
    }

    /// The daemon's counters, in its order.
    func stats() throws(CommandFailure) -> [(name: String, value: UInt64)] {
        var result: UnsafeMutablePointer<deadbolt_stats_result>?
        let err = deadbolt_stats(handle, &result)
        guard err == 0, let result else { throw failure(err, "stats") }
        defer { deadbolt_stats_result_free(result) }
        return (0..<result.pointee.count).map { index in
            let counter = result.pointee.counters[index]
            return (String(cString: counter.name), counter.value)
        }
    }
}
