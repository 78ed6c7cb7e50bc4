import NIOCore

/// RENEW (0x04): set the remaining lease of a held lock to a TTL from now.
///
/// Layout: `str16 resource`, `str16 owner`, `u32 ttlMilliseconds`.
public struct RenewRequest: WirePayload {
    /// The lock's name.
    public var resource: String
    /// The owner the lock was taken under; empty means this session.
    public var owner: String
    /// The new remaining lease, from now. 0 removes the lease, which a detached lock refuses.
    public var ttlMilliseconds: UInt32

    /// Creates a renew request.
    public init(resource: String, owner: String = "", ttlMilliseconds: UInt32) {
        self.resource = resource
        self.owner = owner
        self.ttlMilliseconds = ttlMilliseconds
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStr16(self.resource)
        buffer.writeStr16(self.owner)
        buffer.writeWireInteger(self.ttlMilliseconds)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> RenewRequest {
        RenewRequest(
            resource: try buffer.readStr16(field: "resource"),
            owner: try buffer.readStr16(field: "owner"),
            ttlMilliseconds: try buffer.readWireInteger(field: "ttlMilliseconds")
        )
    }
}
