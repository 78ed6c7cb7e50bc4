import NIOCore

/// RENEW's OK payload.
///
/// Layout: `u64 fencingToken`, `u32 ttlMilliseconds`.
public struct RenewResponse: WirePayload {
    /// The fencing token of the renewed hold (unchanged by renewal).
    public var fencingToken: UInt64
    /// The lease now remaining, from the renewal; 0 means no lease.
    public var ttlMilliseconds: UInt32

    /// Creates a renew response.
    public init(fencingToken: UInt64, ttlMilliseconds: UInt32) {
        self.fencingToken = fencingToken
        self.ttlMilliseconds = ttlMilliseconds
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireInteger(self.fencingToken)
        buffer.writeWireInteger(self.ttlMilliseconds)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> RenewResponse {
        RenewResponse(
            fencingToken: try buffer.readWireInteger(field: "fencingToken"),
            ttlMilliseconds: try buffer.readWireInteger(field: "ttlMilliseconds")
        )
    }
}
