/// Errors thrown by ``RESPParser`` (and so by ``RESPDecoder``).
///
/// Every one means the byte stream cannot be trusted or resynchronised: the connection that
/// produced it must be closed. The parser throws as soon as the offending bytes are readable,
/// without waiting for, or buffering, the rest of the value.
public enum RESPDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A value began with `byte`, which is no RESP2 or RESP3 type.
    case invalidTypeByte(UInt8)
    /// A line (a simple string, an error, a number, a length) ran past `maxLineBytes` bytes
    /// without its CRLF.
    case lineTooLong(maxLineBytes: Int)
    /// A line held a CR not followed by LF. RESP lines end at the first CRLF and never
    /// contain a bare CR.
    case invalidLineTerminator
    /// A bulk string, blob error, verbatim string or aggregate announced a length that is not
    /// a decimal integer (`$x`, `$`, RESP3's streamed `$?`), or an aggregate count above
    /// 2,147,483,647.
    case invalidLength(String)
    /// A length below -1, or -1 on a type that has no null form. Only RESP2's null bulk
    /// string (`$-1`) and null array (`*-1`) use -1.
    case negativeLength(Int)
    /// A bulk string, blob error or verbatim string announced `length` bytes, more than the
    /// parser's `maxBulkBytes`.
    case bulkTooLarge(length: Int, maxBulkBytes: Int)
    /// The bytes of a bulk string, blob error or verbatim string were not followed by CRLF.
    case bulkNotTerminated
    /// An aggregate (array, map, set, push, attribute) would be nested deeper than
    /// `maxDepth` levels; a top-level array is at depth 1.
    case nestedTooDeep(maxDepth: Int)
    /// An integer (`:`) that is not an optional sign and 1–19 digits within Int64's range.
    case invalidInteger(String)
    /// A double (`,`) that is not a decimal floating-point number, `inf`, `-inf` or `nan`.
    case invalidDouble(String)
    /// A boolean (`#`) other than `t` or `f`.
    case invalidBoolean(String)
    /// A big number (`(`) that is not an optional sign and at least one digit.
    case invalidBigNumber(String)
    /// A RESP3 null (`_`) with text before its CRLF.
    case invalidNull(String)
    /// A verbatim string (`=`) whose bytes do not start with a three-byte format and `:`.
    case invalidVerbatimString

    /// A one-line English explanation, for logs.
    public var description: String {
        switch self {
        case .invalidTypeByte(let byte):
            "invalid RESP type byte 0x\(String(byte, radix: 16))"
        case .lineTooLong(let maxLineBytes):
            "RESP line longer than \(maxLineBytes) bytes without CRLF"
        case .invalidLineTerminator:
            "RESP line with a CR not followed by LF"
        case .invalidLength(let text):
            "invalid RESP length \"\(text)\""
        case .negativeLength(let length):
            "invalid negative RESP length \(length)"
        case .bulkTooLarge(let length, let maxBulkBytes):
            "RESP bulk of \(length) bytes exceeds the maximum of \(maxBulkBytes) bytes"
        case .bulkNotTerminated:
            "RESP bulk not followed by CRLF"
        case .nestedTooDeep(let maxDepth):
            "RESP aggregates nested deeper than \(maxDepth) levels"
        case .invalidInteger(let text):
            "invalid RESP integer \"\(text)\""
        case .invalidDouble(let text):
            "invalid RESP double \"\(text)\""
        case .invalidBoolean(let text):
            "invalid RESP boolean \"\(text)\""
        case .invalidBigNumber(let text):
            "invalid RESP big number \"\(text)\""
        case .invalidNull(let text):
            "invalid RESP null \"_\(text)\""
        case .invalidVerbatimString:
            "RESP verbatim string without a three-byte format and ':'"
        }
    }
}
