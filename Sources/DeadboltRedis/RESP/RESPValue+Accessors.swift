import NIOCore

extension RESPValue {
    /// The text of a simple, bulk or verbatim string (invalid UTF-8 repaired); `nil` for any
    /// other value.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes), .verbatimString(_, let bytes): String(buffer: bytes)
        default: nil
        }
    }

    /// The bytes of a bulk or verbatim string, or the UTF-8 of a simple string; `nil` for any
    /// other value.
    public var bytes: ByteBuffer? {
        switch self {
        case .simpleString(let text): ByteBuffer(string: text)
        case .bulkString(let bytes), .verbatimString(_, let bytes): bytes
        default: nil
        }
    }

    /// The number of an integer reply; `nil` for any other value (a bulk string of digits
    /// included: Redis says which replies are integers).
    public var integer: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }

    /// The elements of an array, set or push; `nil` for any other value.
    public var elements: [RESPValue]? {
        switch self {
        case .array(let values), .set(let values), .push(let values): values
        default: nil
        }
    }

    /// The error reply, if this is one.
    public var errorReply: RedisErrorReply? {
        if case .error(let reply) = self { reply } else { nil }
    }

    /// True for ``null``.
    public var isNull: Bool {
        self == .null
    }
}
