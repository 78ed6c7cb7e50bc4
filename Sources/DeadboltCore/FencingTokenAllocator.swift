/// Issues fencing tokens: one counter for the whole table, so tokens strictly
/// increase per resource (and across resources), also across restarts.
///
/// Durability works by reservation. Tokens up to `reservedThrough` may be
/// issued; to issue one beyond it, the allocator first reserves a block of
/// `reservationSize` more and asks its caller (through
/// ``LockAction/persistFencingHighWater(_:)``) to make the new high-water
/// durable before delivering the grant that carries the token. After a
/// restart, the persisted high-water is the floor: every token issued before
/// the restart is at most that floor, every token issued after is above it.
public struct FencingTokenAllocator: Hashable, Sendable {
    /// The last token issued, or the floor if none was.
    public private(set) var lastIssued: UInt64
    /// Tokens up to this value are covered by a durable reservation.
    public private(set) var reservedThrough: UInt64
    /// How many tokens one reservation covers.
    public let reservationSize: UInt64

    /// Starts above `floor`, the high-water persisted by the previous run (0 if none).
    public init(floor: UInt64, reservationSize: UInt64) {
        precondition(reservationSize > 0)
        lastIssued = floor
        reservedThrough = floor
        self.reservationSize = reservationSize
    }

    /// The next token, and the new high-water to persist first if one is needed.
    public mutating func issue() -> (token: UInt64, reservation: UInt64?) {
        precondition(lastIssued < .max, "fencing tokens exhausted")
        let token = lastIssued + 1
        var reservation: UInt64?
        if token > reservedThrough {
            let (end, overflow) = token.addingReportingOverflow(reservationSize - 1)
            reservedThrough = overflow ? .max : end
            reservation = reservedThrough
        }
        lastIssued = token
        return (token, reservation)
    }
}
