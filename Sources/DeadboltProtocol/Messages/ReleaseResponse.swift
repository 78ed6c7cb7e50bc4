import NIOCore

/// RELEASE's OK payload.
///
/// Layout: `u32 remainingHoldCount`.
public struct ReleaseResponse: WirePayload {
    /// The owner's holds left after this release; 0 means the owner no longer holds the lock.
    public var remainingHoldCount: UInt32

    /// Creates a release response.
    public init(remainingHoldCount: UInt32) {
        self.remainingHoldCount = remainingHoldCount
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireInteger(self.remainingHoldCount)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> ReleaseResponse {
        ReleaseResponse(remainingHoldCount: try buffer.readWireInteger(field: "remainingHoldCount"))
    }
}
