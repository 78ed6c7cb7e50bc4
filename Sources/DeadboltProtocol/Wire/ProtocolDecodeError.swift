/// Why a frame body could not be decoded into a message.
///
/// Each case maps to the ``WireStatus`` the daemon answers with (``status``). Decoders throw
/// these for any malformed input; they never trap.
public enum ProtocolDecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The body ended inside the named field (or inside an element of a list it names).
    case truncated(field: String)
    /// The body is shorter than the 5-byte header (`u8 type`, `u32 requestID`); the
    /// associated value is its length in bytes.
    case bodyTooShort(Int)
    /// The type byte names no message the decoder accepts in this direction: an unassigned
    /// code, or e.g. a response type sent to the daemon.
    case unknownMessageType(UInt8)
    /// The named `str16` field holds bytes that are not valid UTF-8.
    case invalidUTF8(field: String)
    /// A `mode` byte is neither exclusive (0) nor shared (1).
    case invalidMode(UInt8)
    /// An acquire's `flags` byte has bits set beyond detached (bit 0) and reentrant (bit 1);
    /// the associated value is the whole byte.
    case invalidFlags(UInt8)

    /// The status a daemon answers a request with when decoding it fails this way.
    ///
    /// Structural damage (truncation, unknown type, short body) is ``WireStatus/protocolError``;
    /// a well-formed field with a value outside its domain is ``WireStatus/invalidArgument``.
    public var status: WireStatus {
        switch self {
        case .truncated, .bodyTooShort, .unknownMessageType:
            return .protocolError
        case .invalidUTF8, .invalidMode, .invalidFlags:
            return .invalidArgument
        }
    }

    /// A one-line English explanation, fit for a failure response's message.
    public var description: String {
        switch self {
        case .truncated(let field):
            return "message truncated in field '\(field)'"
        case .bodyTooShort(let length):
            return "frame body of \(length) bytes is shorter than the 5-byte header"
        case .unknownMessageType(let type):
            return "unknown message type \(hexByte(type))"
        case .invalidUTF8(let field):
            return "field '\(field)' is not valid UTF-8"
        case .invalidMode(let mode):
            return "unknown lock mode \(mode)"
        case .invalidFlags(let flags):
            return "unknown acquire flags in \(hexByte(flags))"
        }
    }
}
