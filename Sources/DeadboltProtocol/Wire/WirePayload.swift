import NIOCore

/// A message payload, or a part of one, with a symmetric codec.
///
/// `encode(into:)` writes the fields after the 5-byte header (or the status, for responses);
/// `decode(from:)` reads them back. Decoders read the fields they know and leave any bytes
/// after them unread: that is how later protocol versions append fields to a message.
public protocol WirePayload: Hashable, Sendable {
    /// Appends the payload's fields to `buffer`.
    func encode(into buffer: inout ByteBuffer)

    /// Reads the payload's fields from the front of `buffer`.
    static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> Self
}
