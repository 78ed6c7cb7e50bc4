import NIOCore

/// Writes each outbound ``RedisCommand`` as its RESP bytes.
///
/// Use it as `MessageToByteHandler(RESPEncoder())`. It knows nothing of replies: matching
/// them to commands is the command handler's job.
public struct RESPEncoder: MessageToByteEncoder, Sendable {
    /// Each outbound message is one command.
    public typealias OutboundIn = RedisCommand

    /// An encoder.
    public init() {}

    /// Appends `data`'s RESP bytes to `out`.
    public func encode(data: RedisCommand, out: inout ByteBuffer) {
        data.encode(into: &out)
    }
}
