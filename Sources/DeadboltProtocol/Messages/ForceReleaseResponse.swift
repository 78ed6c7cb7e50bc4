import NIOCore

/// FORCE_RELEASE's OK payload.
///
/// Layout: `u32 releasedHolders`.
public struct ForceReleaseResponse: WirePayload {
    /// How many holders were removed; 0 when the resource was free.
    public var releasedHolders: UInt32

    /// Creates a force-release response.
    public init(releasedHolders: UInt32) {
        self.releasedHolders = releasedHolders
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireInteger(self.releasedHolders)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> ForceReleaseResponse {
        ForceReleaseResponse(releasedHolders: try buffer.readWireInteger(field: "releasedHolders"))
    }
}
