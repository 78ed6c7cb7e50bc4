import NIOCore

extension RESPValue: CustomStringConvertible {
    /// A short, readable form for logs and error messages: `"OK"`, `(error) ERR …`, `42`,
    /// `[1, "foo", nil]`. Bulk strings longer than 64 bytes are cut.
    public var description: String {
        switch self {
        case .simpleString(let text): return "\"\(text)\""
        case .error(let reply): return "(error) \(reply.message)"
        case .integer(let value): return String(value)
        case .bulkString(let bytes): return Self.describe(bytes)
        case .null: return "nil"
        case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries): return "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .set(let values): return "~[" + values.map(\.description).joined(separator: ", ") + "]"
        case .double(let value): return String(value)
        case .boolean(let value): return String(value)
        case .bigNumber(let digits): return "(big) \(digits)"
        case .verbatimString(let format, let text): return "(\(format)) \(Self.describe(text))"
        case .push(let values): return ">[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }

    private static let describedBytes = 64

    private static func describe(_ bytes: ByteBuffer) -> String {
        let shown = String(decoding: bytes.readableBytesView.prefix(Self.describedBytes), as: UTF8.self)
        let cut = bytes.readableBytes > Self.describedBytes ? "… (\(bytes.readableBytes) bytes)" : ""
        return "\"\(shown)\"" + cut
    }
}
