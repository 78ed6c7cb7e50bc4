import NIOCore

/// ACQUIRE (0x02): take a lock, trying once or waiting up to a deadline.
///
/// Layout: `str16 resource`, `str16 owner`, `u8 mode`, `u8 flags`, `u32 ttlMilliseconds`,
/// `u32 waitMilliseconds`.
///
/// Decoding checks only the encoding (UTF-8, mode, flag bits). The daemon checks the rest:
/// empty resource, name lengths, detached with TTL 0, re-acquires by the same owner.
public struct AcquireRequest: WirePayload {
    /// `waitMilliseconds` value meaning "wait until granted, cancelled or disconnected".
    public static let waitForever: UInt32 = .max

    /// The lock's name: 1…255 bytes of UTF-8, compared byte for byte.
    public var resource: String
    /// Who holds the lock; empty means the session (connection) itself.
    public var owner: String
    /// Exclusive or shared.
    public var mode: LockMode
    /// Detached and reentrant.
    public var flags: AcquireFlags
    /// The lease, starting at the grant; 0 means no lease.
    public var ttlMilliseconds: UInt32
    /// How long to wait for a grant: 0 tries once, ``waitForever`` waits without a deadline.
    public var waitMilliseconds: UInt32

    /// Creates an acquire request.
    public init(
        resource: String,
        owner: String = "",
        mode: LockMode = .exclusive,
        flags: AcquireFlags = [],
        ttlMilliseconds: UInt32 = 0,
        waitMilliseconds: UInt32 = 0
    ) {
        self.resource = resource
        self.owner = owner
        self.mode = mode
        self.flags = flags
        self.ttlMilliseconds = ttlMilliseconds
        self.waitMilliseconds = waitMilliseconds
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStr16(self.resource)
        buffer.writeStr16(self.owner)
        buffer.writeLockMode(self.mode)
        buffer.writeWireInteger(self.flags.rawValue)
        buffer.writeWireInteger(self.ttlMilliseconds)
        buffer.writeWireInteger(self.waitMilliseconds)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> AcquireRequest {
        AcquireRequest(
            resource: try buffer.readStr16(field: "resource"),
            owner: try buffer.readStr16(field: "owner"),
            mode: try buffer.readLockMode(field: "mode"),
            flags: try buffer.readAcquireFlags(field: "flags"),
            ttlMilliseconds: try buffer.readWireInteger(field: "ttlMilliseconds"),
            waitMilliseconds: try buffer.readWireInteger(field: "waitMilliseconds")
        )
    }
}
