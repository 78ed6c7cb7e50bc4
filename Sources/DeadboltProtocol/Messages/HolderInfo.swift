import NIOCore

/// One holder of a resource, as QUERY reports it.
///
/// Layout: `str16 owner`, `u64 sessionID`, `i32 pid`, `u32 uid`, `u32 gid`, `u8 mode`,
/// `u8 holderFlags` (bit 0: detached; other bits ignored), `u64 fencingToken`,
/// `u32 holdCount`, `u64 heldMilliseconds`, `u32 leaseRemainingMilliseconds`.
public struct HolderInfo: WirePayload {
    /// `leaseRemainingMilliseconds` value meaning the hold has no lease.
    public static let noLease: UInt32 = .max

    /// The holder's bit in `holderFlags`.
    static let detachedBit: UInt8 = 1 << 0

    /// The owner name; empty for a lock owned by its session.
    public var owner: String
    /// The session that took the lock (for a detached lock, possibly closed since).
    public var sessionID: UInt64
    /// The taking process's pid, from the connection's peer credentials.
    public var pid: Int32
    /// The taking process's uid.
    public var uid: UInt32
    /// The taking process's gid.
    public var gid: UInt32
    /// The mode of the hold.
    public var mode: LockMode
    /// True when the lock survives its session.
    public var detached: Bool
    /// The hold's fencing token.
    public var fencingToken: UInt64
    /// The number of nested holds (more than 1 only for reentrant acquires).
    public var holdCount: UInt32
    /// Time since the grant, in milliseconds.
    public var heldMilliseconds: UInt64
    /// Lease left, in milliseconds, or ``noLease``.
    public var leaseRemainingMilliseconds: UInt32

    /// Creates a holder description.
    public init(
        owner: String,
        sessionID: UInt64,
        pid: Int32,
        uid: UInt32,
        gid: UInt32,
        mode: LockMode,
        detached: Bool,
        fencingToken: UInt64,
        holdCount: UInt32,
        heldMilliseconds: UInt64,
        leaseRemainingMilliseconds: UInt32
    ) {
        self.owner = owner
        self.sessionID = sessionID
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.detached = detached
        self.fencingToken = fencingToken
        self.holdCount = holdCount
        self.heldMilliseconds = heldMilliseconds
        self.leaseRemainingMilliseconds = leaseRemainingMilliseconds
    }

    /// Appends the fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStr16(self.owner)
        buffer.writeWireInteger(self.sessionID)
        buffer.writeWireInteger(self.pid)
        buffer.writeWireInteger(self.uid)
        buffer.writeWireInteger(self.gid)
        buffer.writeLockMode(self.mode)
        buffer.writeWireInteger(self.detached ? Self.detachedBit : 0)
        buffer.writeWireInteger(self.fencingToken)
        buffer.writeWireInteger(self.holdCount)
        buffer.writeWireInteger(self.heldMilliseconds)
        buffer.writeWireInteger(self.leaseRemainingMilliseconds)
    }

    /// Reads the fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> HolderInfo {
        HolderInfo(
            owner: try buffer.readStr16(field: "holder.owner"),
            sessionID: try buffer.readWireInteger(field: "holder.sessionID"),
            pid: try buffer.readWireInteger(field: "holder.pid"),
            uid: try buffer.readWireInteger(field: "holder.uid"),
            gid: try buffer.readWireInteger(field: "holder.gid"),
            mode: try buffer.readLockMode(field: "holder.mode"),
            detached: try buffer.readWireInteger(as: UInt8.self, field: "holder.holderFlags") & Self.detachedBit != 0,
            fencingToken: try buffer.readWireInteger(field: "holder.fencingToken"),
            holdCount: try buffer.readWireInteger(field: "holder.holdCount"),
            heldMilliseconds: try buffer.readWireInteger(field: "holder.heldMilliseconds"),
            leaseRemainingMilliseconds: try buffer.readWireInteger(field: "holder.leaseRemainingMilliseconds")
        )
    }
}
