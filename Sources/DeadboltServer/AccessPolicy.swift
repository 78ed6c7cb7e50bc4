#if canImport(Glibc)
import Glibc
#endif
import DeadboltCore

/// Who may use the daemon at all, beyond the socket's file mode and group
/// (`--allow-uids`, `--allow-groups`). Decided from the peer credentials the
/// kernel recorded at connect time, never from anything the client sends.
public struct AccessPolicy: Sendable, Hashable {
    /// `nil`: no uid list (everyone the socket lets in, unless `allowedGIDs` is set).
    public var allowedUIDs: Set<UInt32>?
    /// Members of these groups (primary or supplementary) may connect.
    public var allowedGIDs: Set<UInt32>?

    public init(allowedUIDs: Set<UInt32>? = nil, allowedGIDs: Set<UInt32>? = nil) {
        self.allowedUIDs = allowedUIDs
        self.allowedGIDs = allowedGIDs
    }

    /// True if `peer` may use the daemon. Root always may.
    func allows(_ peer: Peer) -> Bool {
        if allowedUIDs == nil && allowedGIDs == nil { return true }
        if peer.uid == 0 || allowedUIDs?.contains(peer.uid) == true { return true }
        guard let allowedGIDs else { return false }
        return !allowedGIDs.isDisjoint(with: Self.groups(of: peer))
    }

    /// The peer's primary gid and the supplementary groups of its user.
    private static func groups(of peer: Peer) -> Set<UInt32> {
        var groups: Set<UInt32> = [peer.gid]
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(peer.uid, &entry, &buffer, buffer.count, &found) == 0, found != nil, let name = entry.pw_name else {
            return groups
        }
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, peer.gid, &list, &count) == -1 {
            list = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(name, peer.gid, &list, &count)
        }
        groups.formUnion(list.prefix(Int(max(count, 0))))
        return groups
    }
}
