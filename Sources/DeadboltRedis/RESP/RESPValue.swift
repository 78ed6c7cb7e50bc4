import NIOCore

/// One value of the Redis serialisation protocol: a reply, or an element of one.
///
/// Covers RESP2 and RESP3. Each case names the type byte it is read from. A RESP3
/// attribute (`|`) is not a case: ``RESPParser`` reads it and returns the value it
/// annotates, alone.
///
/// An error reply is a value (``error(_:)``), not a thrown error: a command that Redis
/// refuses was still answered, and the caller decides what `NOSCRIPT` or `WRONGTYPE` means.
public enum RESPValue: Hashable, Sendable {
    /// `+OK\r\n`: a line of text, without CR or LF.
    case simpleString(String)
    /// `-ERR …\r\n`, or RESP3's blob error `!<length>\r\n…\r\n`: Redis refused the command.
    case error(RedisErrorReply)
    /// `:<n>\r\n`: a signed 64-bit integer.
    case integer(Int64)
    /// `$<length>\r\n<bytes>\r\n`: binary-safe bytes, at most the parser's `maxBulkBytes`.
    case bulkString(ByteBuffer)
    /// No value: RESP2's null bulk string (`$-1`) and null array (`*-1`), and RESP3's `_`.
    case null
    /// `*<count>\r\n` followed by `count` values.
    case array([RESPValue])
    /// RESP3 `%<count>\r\n` followed by `count` key–value pairs, in the order Redis sent them
    /// (keys may repeat; nothing is merged).
    case map([MapEntry])
    /// RESP3 `~<count>\r\n` followed by `count` values, in the order Redis sent them.
    case set([RESPValue])
    /// RESP3 `,<number>\r\n`, including `inf`, `-inf` and `nan`.
    case double(Double)
    /// RESP3 `#t\r\n` or `#f\r\n`.
    case boolean(Bool)
    /// RESP3 `(<digits>\r\n`: an integer of any size, as its decimal text (an optional `-`
    /// or `+`, then digits).
    case bigNumber(String)
    /// RESP3 `=<length>\r\n<fmt>:<text>\r\n`: text with a three-letter format such as `txt`
    /// or `mkd`.
    case verbatimString(format: String, text: ByteBuffer)
    /// RESP3 `><count>\r\n` followed by `count` values: out-of-band data such as a pub/sub
    /// message, never the reply to a command.
    case push([RESPValue])

    /// One key–value pair of a ``RESPValue/map(_:)``.
    public struct MapEntry: Hashable, Sendable {
        /// The key, often a simple or bulk string.
        public var key: RESPValue
        /// The value.
        public var value: RESPValue

        /// A pair.
        public init(key: RESPValue, value: RESPValue) {
            self.key = key
            self.value = value
        }
    }
}
