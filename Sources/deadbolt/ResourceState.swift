import CDeadbolt
import Glibc

/// Who holds and who waits for one resource, copied out of a query result.
struct ResourceState {
    var resource: String
    var holders: [Holder]
    var waiters: [Waiter]
}

/// The fields of a holder or a waiter that name the process.
struct Party {
    var owner: String
    var sessionID: UInt64
    var pid: Int32
    var uid: UInt32
    var gid: UInt32
    var shared: Bool

    var modeName: String { shared ? "shared" : "exclusive" }

    /// "pid 4242 (uid 1000 alice)".
    var processDescription: String {
        "pid \(pid) (uid \(uid)\(userName(uid).map { " " + $0 } ?? ""))"
    }
}

struct Holder {
    var party: Party
    var detached: Bool
    var token: UInt64
    var holdCount: UInt32
    var heldMilliseconds: UInt64
    /// nil = no lease.
    var leaseRemainingMilliseconds: Int64?

    init(_ h: deadbolt_holder) {
        party = Party(
            owner: String(cString: h.owner), sessionID: h.session_id, pid: h.pid, uid: h.uid, gid: h.gid,
            shared: h.mode == DEADBOLT_SHARED
        )
        detached = h.flags & UInt32(DEADBOLT_DETACHED) != 0
        token = h.token
        holdCount = h.hold_count
        heldMilliseconds = h.held_ms
        leaseRemainingMilliseconds = h.lease_remaining_ms < 0 ? nil : h.lease_remaining_ms
    }

    /// "pid 4242 (uid 1000 alice) for 3.2s, exclusive, token 17".
    var summary: String {
        var text = "\(party.processDescription) for \(formatDuration(milliseconds: heldMilliseconds))"
        text += ", \(party.modeName), token \(token)"
        if !party.owner.isEmpty { text += ", owner \(party.owner)" }
        if let lease = leaseRemainingMilliseconds { text += ", lease \(formatDuration(milliseconds: UInt64(lease))) left" }
        return text
    }
}

struct Waiter {
    var party: Party
    var waitedMilliseconds: UInt64
    /// nil = waits without a deadline.
    var waitRemainingMilliseconds: Int64?

    init(_ w: deadbolt_waiter) {
        party = Party(
            owner: String(cString: w.owner), sessionID: w.session_id, pid: w.pid, uid: w.uid, gid: w.gid,
            shared: w.mode == DEADBOLT_SHARED
        )
        waitedMilliseconds = w.waited_ms
        waitRemainingMilliseconds = w.wait_remaining_ms < 0 ? nil : w.wait_remaining_ms
    }
}

/// One line of LIST.
struct ListedResource {
    var resource: String
    var shared: Bool
    var holderCount: UInt32
    var waiterCount: UInt32

    init(_ e: deadbolt_list_entry) {
        resource = String(cString: e.resource)
        shared = e.mode == DEADBOLT_SHARED
        holderCount = e.holder_count
        waiterCount = e.waiter_count
    }
}

extension ResourceState {
    /// "held by pid 4242 (uid 1000 alice) for 3.2s, exclusive, token 17", the
    /// oldest holder first, or "free" (a holder may have left meanwhile).
    var holderSummary: String {
        guard let first = holders.first else { return "free now" }
        let others = holders.count > 1 ? " and \(holders.count - 1) other holder(s)" : ""
        return "held by \(first.summary)\(others)"
    }
}

/// The user name of `uid`, if it has one.
func userName(_ uid: UInt32) -> String? {
    var entry = passwd()
    var found: UnsafeMutablePointer<passwd>?
    var buffer = [CChar](repeating: 0, count: 1024)
    guard getpwuid_r(uid, &entry, &buffer, buffer.count, &found) == 0, found != nil, let name = entry.pw_name else {
        return nil
    }
    return String(cString: name)
}

/// "850ms", "3.2s", "2m05s", "1h02m".
func formatDuration(milliseconds: UInt64) -> String {
    if milliseconds < 1000 { return "\(milliseconds)ms" }
    let tenths = milliseconds / 100
    if milliseconds < 60_000 { return "\(tenths / 10).\(tenths % 10)s" }
    let seconds = milliseconds / 1000
    func twoDigits(_ n: UInt64) -> String { n < 10 ? "0\(n)" : "\(n)" }
    if seconds < 3600 { return "\(seconds / 60)m\(twoDigits(seconds % 60))s" }
    return "\(seconds / 3600)h\(twoDigits(seconds / 60 % 60))m"
}
