import NIOCore

/// Prefixes each outbound frame body with its big-endian `u32` length.
///
/// The encoder does not look inside the body and does not enforce a maximum: the sender
/// keeps its bodies within the peer's limit (the daemon's `maxFrameBytes`, announced in the
/// HELLO response). Use it as `MessageToByteHandler(FrameEncoder())`.
public struct FrameEncoder: MessageToByteEncoder, Sendable {
    /// One frame body, without its length prefix.
    public typealias OutboundIn = ByteBuffer

    /// Creates a frame encoder.
    public init() {}

    /// Writes the length prefix and then the body.
    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        precondition(data.readableBytes <= Int(UInt32.max), "a frame body cannot exceed 4 GiB")
        out.reserveCapacity(minimumWritableBytes: FrameDecoder.lengthFieldBytes + data.readableBytes)
        out.writeInteger(UInt32(data.readableBytes), endianness: .big)
        out.writeImmutableBuffer(data)
    }
}
