import NIOCore

/// CANCEL's OK payload.
///
/// Layout: `u8 removedWaiter` (0 or 1; decoders read any nonzero value as true).
public struct CancelResponse: WirePayload {
    /// True when the target was still waiting and has been answered CANCELLED; false when it
    /// was unknown or already answered.
    public var removedWaiter: Bool

    /// Creates a cancel response.
    public init(removedWaiter: Bool) {
        self.removedWaiter = removedWaiter
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireBool(self.removedWaiter)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> CancelResponse {
        CancelResponse(removedWaiter: try buffer.readWireBool(field: "removedWaiter"))
    }
}
