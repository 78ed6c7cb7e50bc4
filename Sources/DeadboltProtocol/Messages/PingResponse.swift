import NIOCore

/// PING's OK payload. Empty.
public struct PingResponse: WirePayload {
    /// Creates a ping response.
    public init() {}

    /// Writes nothing: the response has no fields.
    public func encode(into buffer: inout ByteBuffer) {}

    /// Reads nothing: the response has no fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> PingResponse {
        PingResponse()
    }
}
