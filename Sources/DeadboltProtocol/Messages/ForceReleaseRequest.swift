import NIOCore

/// FORCE_RELEASE (0x09, admin only): release every holder of a resource. Each holder whose
/// connection is open gets a LOST event with reason FORCE_RELEASED.
///
/// Layout: `str16 resource`.
public struct ForceReleaseRequest: WirePayload {
    /// The lock's name.
    public var resource: String

    /// Creates a force-release request.
    public init(resource: String) {
        self.resource = resource
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStr16(self.resource)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> ForceReleaseRequest {
        ForceReleaseRequest(resource: try buffer.readStr16(field: "resource"))
    }
}
