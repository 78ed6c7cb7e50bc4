import NIOCore

/// STATS (0x07): the daemon's counters. No payload.
public struct StatsRequest: WirePayload {
    /// Creates a stats request.
    public init() {}

    /// Writes nothing: the request has no fields.
    public func encode(into buffer: inout ByteBuffer) {}

    /// Reads nothing: the request has no fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> StatsRequest {
        StatsRequest()
    }
}
