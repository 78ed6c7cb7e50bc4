import NIOCore

/// One waiting acquire, as QUERY reports it.
///
/// Layout: `str16 owner`, `u64 sessionID`, `i32 pid`, `u32 uid`, `u32 gid`, `u8 mode`,
/// `u64 waitedMilliseconds`, `u32 waitRemainingMilliseconds`.
public struct WaiterInfo: WirePayload {
    /// `waitRemainingMilliseconds` value meaning the waiter has no deadline.
    public static let unbounded: UInt32 = .max

    /// The owner name the waiter asked for; empty for its session.
    public var owner: String
    /// The waiting session.
    public var sessionID: UInt64
    /// The waiting process's pid, from the connection's peer credentials.
    public var pid: Int32
    /// The waiting process's uid.
    public var uid: UInt32
    /// The waiting process's gid.
    public var gid: UInt32
    /// The requested mode.
    public var mode: LockMode
    /// Time since the acquire was queued, in milliseconds.
    public var waitedMilliseconds: UInt64
    /// Time left before the waiter times out, in milliseconds, or ``unbounded``.
    public var waitRemainingMilliseconds: UInt32

    /// Creates a waiter description.
    public init(
        owner: String,
        sessionID: UInt64,
        pid: Int32,
        uid: UInt32,
        gid: UInt32,
        mode: LockMode,
        waitedMilliseconds: UInt64,
        waitRemainingMilliseconds: UInt32
    ) {
        self.owner = owner
        self.sessionID = sessionID
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.waitedMilliseconds = waitedMilliseconds
        self.waitRemainingMilliseconds = waitRemainingMilliseconds
    }

    /// Appends the fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStr16(self.owner)
        buffer.writeWireInteger(self.sessionID)
        buffer.writeWireInteger(self.pid)
        buffer.writeWireInteger(self.uid)
        buffer.writeWireInteger(self.gid)
        buffer.writeLockMode(self.mode)
        buffer.writeWireInteger(self.waitedMilliseconds)
        buffer.writeWireInteger(self.waitRemainingMilliseconds)
    }

    /// Reads the fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> WaiterInfo {
        WaiterInfo(
            owner: try buffer.readStr16(field: "waiter.owner"),
            sessionID: try buffer.readWireInteger(field: "waiter.sessionID"),
            pid: try buffer.readWireInteger(field: "waiter.pid"),
            uid: try buffer.readWireInteger(field: "waiter.uid"),
            gid: try buffer.readWireInteger(field: "waiter.gid"),
            mode: try buffer.readLockMode(field: "waiter.mode"),
            waitedMilliseconds: try buffer.readWireInteger(field: "waiter.waitedMilliseconds"),
            waitRemainingMilliseconds: try buffer.readWireInteger(field: "waiter.waitRemainingMilliseconds")
        )
    }
}
