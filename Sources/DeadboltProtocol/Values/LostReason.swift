/// Why a LOST event took a lock away from its holder.
///
/// A struct rather than an enum so that reasons added by later daemons survive decoding.
public struct LostReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `u8` on the wire.
    public let rawValue: UInt8

    /// Wraps any reason code, known or not.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// The lease ran out before it was renewed.
    public static let leaseExpired = LostReason(rawValue: 1)
    /// An admin released the lock with FORCE_RELEASE.
    public static let forceReleased = LostReason(rawValue: 2)
    /// The Redis upstream lost the lock or could not renew it.
    public static let upstreamLost = LostReason(rawValue: 3)

    /// The upper-case name from docs/PROTOCOL.md, or `REASON_<code>` for an unknown code.
    public var name: String {
        switch self.rawValue {
        case 1: return "LEASE_EXPIRED"
        case 2: return "FORCE_RELEASED"
        case 3: return "UPSTREAM_LOST"
        default: return "REASON_\(self.rawValue)"
        }
    }

    /// Same as ``name``.
    public var description: String {
        self.name
    }
}
