import NIOCore

/// CANCEL (0x0A): withdraw a waiting ACQUIRE sent earlier on this connection.
///
/// Layout: `u32 targetRequestID`.
public struct CancelRequest: WirePayload {
    /// The request id of the ACQUIRE to withdraw.
    public var targetRequestID: UInt32

    /// Creates a cancel request.
    public init(targetRequestID: UInt32) {
        self.targetRequestID = targetRequestID
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireInteger(self.targetRequestID)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> CancelRequest {
        CancelRequest(targetRequestID: try buffer.readWireInteger(field: "targetRequestID"))
    }
}
