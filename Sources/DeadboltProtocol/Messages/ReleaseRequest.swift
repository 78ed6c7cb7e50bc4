import NIOCore

/// RELEASE (0x03): drop one hold of a lock.
///
/// Layout: `str16 resource`, `str16 owner`.
public struct ReleaseRequest: WirePayload {
    /// The lock's name.
    public var resource: String
    /// The owner the lock was taken under; empty means this session.
    public var owner: String

    /// Creates a release request.
    public init(resource: String, owner: String = "") {
        self.resource = resource
        self.owner = owner
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStr16(self.resource)
        buffer.writeStr16(self.owner)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> ReleaseRequest {
        ReleaseRequest(
            resource: try buffer.readStr16(field: "resource"),
            owner: try buffer.readStr16(field: "owner")
        )
    }
}
