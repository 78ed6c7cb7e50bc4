import NIOCore

/// ACQUIRE's OK payload: the lock was granted.
///
/// Layout: `u64 fencingToken`, `u32 holdCount`, `u32 ttlMilliseconds`.
public struct AcquireResponse: WirePayload {
    /// The grant's fencing token; strictly increasing per resource. A reentrant acquire
    /// returns the token of the hold it nests in.
    public var fencingToken: UInt64
    /// How many holds the owner now has: 1, or more after reentrant acquires.
    public var holdCount: UInt32
    /// The lease granted, counted from the grant; 0 means no lease.
    public var ttlMilliseconds: UInt32

    /// Creates an acquire response.
    public init(fencingToken: UInt64, holdCount: UInt32 = 1, ttlMilliseconds: UInt32) {
        self.fencingToken = fencingToken
        self.holdCount = holdCount
        self.ttlMilliseconds = ttlMilliseconds
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireInteger(self.fencingToken)
        buffer.writeWireInteger(self.holdCount)
        buffer.writeWireInteger(self.ttlMilliseconds)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> AcquireResponse {
        AcquireResponse(
            fencingToken: try buffer.readWireInteger(field: "fencingToken"),
            holdCount: try buffer.readWireInteger(field: "holdCount"),
            ttlMilliseconds: try buffer.readWireInteger(field: "ttlMilliseconds")
        )
    }
}
