import NIOCore

/// LOST (0xC1): pushed by the daemon, with request id 0 and no status, when a lock held by
/// this connection is taken away.
///
/// Layout: `str16 resource`, `str16 owner`, `u64 fencingToken`, `u8 reason`.
public struct LostEvent: WirePayload {
    /// The lock's name.
    public var resource: String
    /// The owner the lock was held under; empty for a lock owned by the session.
    public var owner: String
    /// The fencing token of the lost hold; writes fenced with it are now stale.
    public var fencingToken: UInt64
    /// Why the lock was lost. Unknown reasons decode as-is.
    public var reason: LostReason

    /// Creates a LOST event.
    public init(resource: String, owner: String, fencingToken: UInt64, reason: LostReason) {
        self.resource = resource
        self.owner = owner
        self.fencingToken = fencingToken
        self.reason = reason
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStr16(self.resource)
        buffer.writeStr16(self.owner)
        buffer.writeWireInteger(self.fencingToken)
        buffer.writeWireInteger(self.reason.rawValue)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> LostEvent {
        LostEvent(
            resource: try buffer.readStr16(field: "resource"),
            owner: try buffer.readStr16(field: "owner"),
            fencingToken: try buffer.readWireInteger(field: "fencingToken"),
            reason: LostReason(rawValue: try buffer.readWireInteger(field: "reason"))
        )
    }
}
