import NIOCore

/// PING (0x08): liveness check. No payload.
public struct PingRequest: WirePayload {
    /// Creates a ping request.
    public init() {}

    /// Writes nothing: the request has no fields.
    public func encode(into buffer: inout ByteBuffer) {}

    /// Reads nothing: the request has no fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> PingRequest {
        PingRequest()
    }
}
