import NIOCore

extension RESPValue {
    /// Appends the value's RESP bytes to `buffer`: the inverse of ``RESPParser/parse(_:)``.
    ///
    /// Each type is written in its own form: ``null`` as RESP3's `_`, an error as a simple
    /// error (`-…`), a double with Swift's shortest round-trip text (`inf`, `-inf`, `nan`
    /// included). Simple strings and errors must not contain CR or LF, and a verbatim
    /// string's format must be three bytes; this is not checked. Used by tests and fake
    /// servers; a client sends only commands (``RedisCommand``).
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .simpleString(let text):
            Self.writeLine("+", text, into: &buffer)
        case .error(let reply):
            Self.writeLine("-", reply.message, into: &buffer)
        case .integer(let value):
            Self.writeLine(":", String(value), into: &buffer)
        case .bulkString(let bytes):
            Self.writeLine("$", String(bytes.readableBytes), into: &buffer)
            buffer.writeImmutableBuffer(bytes)
            buffer.writeStaticString("\r\n")
        case .null:
            buffer.writeStaticString("_\r\n")
        case .array(let values):
            Self.writeAggregate("*", values, into: &buffer)
        case .map(let entries):
            Self.writeLine("%", String(entries.count), into: &buffer)
            for entry in entries {
                entry.key.encode(into: &buffer)
                entry.value.encode(into: &buffer)
            }
        case .set(let values):
            Self.writeAggregate("~", values, into: &buffer)
        case .double(let value):
            Self.writeLine(",", value.isNaN ? "nan" : "\(value)", into: &buffer)
        case .boolean(let value):
            Self.writeLine("#", value ? "t" : "f", into: &buffer)
        case .bigNumber(let digits):
            Self.writeLine("(", digits, into: &buffer)
        case .verbatimString(let format, let text):
            Self.writeLine("=", String(format.utf8.count + 1 + text.readableBytes), into: &buffer)
            buffer.writeString(format)
            buffer.writeStaticString(":")
            buffer.writeImmutableBuffer(text)
            buffer.writeStaticString("\r\n")
        case .push(let values):
            Self.writeAggregate(">", values, into: &buffer)
        }
    }

    private static func writeLine(_ type: StaticString, _ text: String, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(type)
        buffer.writeString(text)
        buffer.writeStaticString("\r\n")
    }

    private static func writeAggregate(_ type: StaticString, _ values: [RESPValue], into buffer: inout ByteBuffer) {
        Self.writeLine(type, String(values.count), into: &buffer)
        for value in values {
            value.encode(into: &buffer)
        }
    }
}
