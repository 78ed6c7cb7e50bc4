import NIOCore

/// Reads RESP2 and RESP3 values from a byte stream that arrives in pieces.
///
/// ``parse(_:)`` returns a value only once all of its bytes are readable, and only then
/// moves the buffer's reader index past it; until then it returns `nil` and leaves the reader
/// index where it was. It remembers how far it got, so each byte is examined once however the
/// input is cut: a large array arriving in many reads is not re-read from its start each
/// time. That memory refers to the bytes after the reader index, so between calls the caller
/// may append bytes but must not consume or change any (``RESPDecoder`` does exactly this).
///
/// Limits, each checked as soon as the offending bytes are readable, before the rest of the
/// value arrives or is buffered: ``maxBulkBytes`` per bulk string, ``maxDepth`` levels of
/// nested aggregates, ``maxLineBytes`` per line. A violation throws ``RESPDecodingError``;
/// the stream cannot be resynchronised after that, and the parser must not be used again.
///
/// A RESP3 attribute (`|`) is read and dropped: the value it annotates is returned alone.
public struct RESPParser: Sendable {
    /// The default ``maxBulkBytes``: 16 MiB. (Redis's own `proto-max-bulk-len` is 512 MiB;
    /// a lock service never reads values that large.)
    public static let defaultMaxBulkBytes = 16 << 20
    /// The default ``maxDepth``: 32 levels.
    public static let defaultMaxDepth = 32
    /// The default ``maxLineBytes``: 64 KiB, Redis's own bound on an inline command.
    public static let defaultMaxLineBytes = 64 << 10

    /// The largest bulk string, blob error or verbatim string accepted, in bytes.
    public let maxBulkBytes: Int
    /// The deepest nesting of aggregates accepted; a top-level array is at depth 1.
    public let maxDepth: Int
    /// The longest line accepted, in bytes between the type byte and the CRLF.
    public let maxLineBytes: Int

    /// An aggregate whose elements are being read. Invariant: `remaining > 0` while it is in
    /// ``open``.
    private struct OpenAggregate: Sendable {
        enum Kind: Sendable { case array, set, map, push, attribute }
        var kind: Kind
        /// Elements still to read: `count` for an array, set or push, `2 × count` for a map,
        /// `2 × count + 1` for an attribute (its pairs, then the value it annotates).
        var remaining: Int
        var elements: [RESPValue]
    }

    private enum Step {
        case value(RESPValue)
        case opened
    }

    /// Aggregates opened and not yet complete, outermost first; `count` is the current depth.
    private var open: [OpenAggregate] = []
    /// Bytes after the reader index that belong to the parts of the current value read so far.
    private var parsedBytes = 0
    /// Bytes of the pending line, after its type byte, already searched for a CR: a line that
    /// arrives in pieces is searched once. When a CR has been found, this is its offset.
    private var lineBytesSearched = 0

    /// A parser with the given limits.
    public init(
        maxBulkBytes: Int = RESPParser.defaultMaxBulkBytes,
        maxDepth: Int = RESPParser.defaultMaxDepth,
        maxLineBytes: Int = RESPParser.defaultMaxLineBytes
    ) {
        precondition(maxBulkBytes >= 0 && maxDepth >= 1 && maxLineBytes >= 1, "RESP limits must be positive")
        self.maxBulkBytes = maxBulkBytes
        self.maxDepth = maxDepth
        self.maxLineBytes = maxLineBytes
    }

    /// The next complete value in `buffer`, whose reader index then stands after it; or `nil`,
    /// with the reader index unchanged, when only part of a value is readable yet.
    public mutating func parse(_ buffer: inout ByteBuffer) throws(RESPDecodingError) -> RESPValue? {
        nextElement: while true {
            guard let step = try self.readElement(buffer) else { return nil }
            guard case .value(var completed) = step else { continue }
            // A value may complete its parent, which may complete its own, and so on.
            while var innermost = self.open.popLast() {
                innermost.elements.append(completed)
                innermost.remaining -= 1
                if innermost.remaining > 0 {
                    self.open.append(innermost)
                    continue nextElement
                }
                completed = Self.value(of: innermost)
            }
            buffer.moveReaderIndex(forwardBy: self.parsedBytes)
            self.parsedBytes = 0
            return completed
        }
    }

    private static func value(of aggregate: OpenAggregate) -> RESPValue {
        switch aggregate.kind {
        case .array: return .array(aggregate.elements)
        case .set: return .set(aggregate.elements)
        case .push: return .push(aggregate.elements)
        case .map:
            var entries: [RESPValue.MapEntry] = []
            entries.reserveCapacity(aggregate.elements.count / 2)
            var index = aggregate.elements.startIndex
            while index + 1 < aggregate.elements.endIndex {
                entries.append(RESPValue.MapEntry(key: aggregate.elements[index], value: aggregate.elements[index + 1]))
                index += 2
            }
            return .map(entries)
        case .attribute:
            // The annotated value is the last element; the attribute's pairs are dropped.
            return aggregate.elements.last ?? .null
        }
    }

    // MARK: - One element

    /// Reads the element at `parsedBytes`: a scalar, or the header of an aggregate (which it
    /// opens). `nil` when it is not all readable yet.
    private mutating func readElement(_ buffer: ByteBuffer) throws(RESPDecodingError) -> Step? {
        let start = buffer.readerIndex + self.parsedBytes
        guard let type = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: ","),
            UInt8(ascii: "#"), UInt8(ascii: "("), UInt8(ascii: "_"):
            guard let length = try self.findLineEnd(buffer, contentStart: start + 1) else { return nil }
            let value = try Self.scalar(type: type, buffer: buffer, at: start + 1, length: length)
            self.advance(by: 1 + length + 2)
            return .value(value)
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            return try self.readBlob(type: type, buffer: buffer, start: start)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: "%"), UInt8(ascii: ">"), UInt8(ascii: "|"):
            guard self.open.count < self.maxDepth else { throw .nestedTooDeep(maxDepth: self.maxDepth) }
            return try self.readAggregateHeader(type: type, buffer: buffer, start: start)
        default:
            throw .invalidTypeByte(type)
        }
    }

    private mutating func advance(by bytes: Int) {
        self.parsedBytes += bytes
        self.lineBytesSearched = 0
    }

    /// The content length of the line whose content starts at `contentStart` (an absolute
    /// index), once its CRLF is readable.
    private mutating func findLineEnd(_ buffer: ByteBuffer, contentStart: Int) throws(RESPDecodingError) -> Int? {
        let available = buffer.writerIndex - contentStart
        // A CR may stand at offsets 0 … maxLineBytes (a line of exactly maxLineBytes bytes).
        let searchEnd = min(available, self.maxLineBytes + 1)
        guard self.lineBytesSearched < searchEnd else { return nil }
        let base = contentStart - buffer.readerIndex
        let searched = self.lineBytesSearched
        let carriageReturn: Int? = buffer.withUnsafeReadableBytes { raw in
            raw[(base + searched)..<(base + searchEnd)].firstIndex(of: UInt8(ascii: "\r")).map { $0 - base }
        }
        guard let carriageReturn else {
            self.lineBytesSearched = searchEnd
            if searchEnd > self.maxLineBytes { throw .lineTooLong(maxLineBytes: self.maxLineBytes) }
            return nil
        }
        self.lineBytesSearched = carriageReturn
        guard let lineFeed = buffer.getInteger(at: contentStart + carriageReturn + 1, as: UInt8.self) else { return nil }
        guard lineFeed == UInt8(ascii: "\n") else { throw .invalidLineTerminator }
        return carriageReturn
    }

    // MARK: - Scalars

    private static func scalar(type: UInt8, buffer: ByteBuffer, at index: Int, length: Int) throws(RESPDecodingError) -> RESPValue {
        let text = buffer.getString(at: index, length: length) ?? ""
        switch type {
        case UInt8(ascii: "+"):
            return .simpleString(text)
        case UInt8(ascii: "-"):
            return .error(RedisErrorReply(message: text))
        case UInt8(ascii: ":"):
            guard let value = RESPNumber.parseInteger(buffer, at: index, length: length, allowsPlus: true) else {
                throw .invalidInteger(text)
            }
            return .integer(value)
        case UInt8(ascii: ","):
            guard !text.isEmpty, let value = Double(text) else { throw .invalidDouble(text) }
            return .double(value)
        case UInt8(ascii: "#"):
            switch text {
            case "t": return .boolean(true)
            case "f": return .boolean(false)
            default: throw .invalidBoolean(text)
            }
        case UInt8(ascii: "("):
            guard RESPNumber.isBigNumber(buffer, at: index, length: length) else { throw .invalidBigNumber(text) }
            return .bigNumber(text)
        default:  // "_", the only other line type readElement sends here
            guard length == 0 else { throw .invalidNull(text) }
            return .null
        }
    }

    // MARK: - Bulk strings, blob errors, verbatim strings

    private mutating func readBlob(type: UInt8, buffer: ByteBuffer, start: Int) throws(RESPDecodingError) -> Step? {
        guard let lineLength = try self.findLineEnd(buffer, contentStart: start + 1) else { return nil }
        let length = try self.length(buffer, at: start + 1, lineLength: lineLength)
        let headerBytes = 1 + lineLength + 2
        if length == -1, type == UInt8(ascii: "$") {
            self.advance(by: headerBytes)
            return .value(.null)
        }
        guard length >= 0 else { throw .negativeLength(length) }
        guard length <= self.maxBulkBytes else { throw .bulkTooLarge(length: length, maxBulkBytes: self.maxBulkBytes) }
        let payload = start + headerBytes
        let terminator = payload + length
        if let carriageReturn = buffer.getInteger(at: terminator, as: UInt8.self), carriageReturn != UInt8(ascii: "\r") {
            throw .bulkNotTerminated
        }
        guard let lineFeed = buffer.getInteger(at: terminator + 1, as: UInt8.self) else { return nil }
        guard lineFeed == UInt8(ascii: "\n") else { throw .bulkNotTerminated }
        let bytes = buffer.getSlice(at: payload, length: length) ?? ByteBuffer()
        let value: RESPValue
        switch type {
        case UInt8(ascii: "$"):
            value = .bulkString(bytes)
        case UInt8(ascii: "!"):
            value = .error(RedisErrorReply(message: String(buffer: bytes)))
        default:  // "=": "fmt:" then the text
            guard length >= 4, buffer.getInteger(at: payload + 3, as: UInt8.self) == UInt8(ascii: ":") else {
                throw .invalidVerbatimString
            }
            value = .verbatimString(
                format: buffer.getString(at: payload, length: 3) ?? "",
                text: buffer.getSlice(at: payload + 4, length: length - 4) ?? ByteBuffer()
            )
        }
        self.advance(by: headerBytes + length + 2)
        return .value(value)
    }

    // MARK: - Aggregates

    private mutating func readAggregateHeader(type: UInt8, buffer: ByteBuffer, start: Int) throws(RESPDecodingError) -> Step? {
        guard let lineLength = try self.findLineEnd(buffer, contentStart: start + 1) else { return nil }
        let count = try self.length(buffer, at: start + 1, lineLength: lineLength)
        self.advance(by: 1 + lineLength + 2)
        if count == -1, type == UInt8(ascii: "*") {
            return .value(.null)
        }
        guard count >= 0 else { throw .negativeLength(count) }
        guard count <= Int(Int32.max) else { throw .invalidLength(buffer.getString(at: start + 1, length: lineLength) ?? "") }
        let kind: OpenAggregate.Kind
        let elements: Int
        switch type {
        case UInt8(ascii: "*"): (kind, elements) = (.array, count)
        case UInt8(ascii: "~"): (kind, elements) = (.set, count)
        case UInt8(ascii: ">"): (kind, elements) = (.push, count)
        case UInt8(ascii: "%"): (kind, elements) = (.map, 2 * count)
        default: (kind, elements) = (.attribute, 2 * count + 1)  // "|"
        }
        guard elements > 0 else {
            return .value(Self.value(of: OpenAggregate(kind: kind, remaining: 0, elements: [])))
        }
        var values: [RESPValue] = []
        values.reserveCapacity(min(elements, 64))  // the count is the peer's claim: grow as elements arrive
        self.open.append(OpenAggregate(kind: kind, remaining: elements, elements: values))
        return .opened
    }

    /// A length or count: decimal digits, or a leading `-` (checked by the caller).
    private func length(_ buffer: ByteBuffer, at index: Int, lineLength: Int) throws(RESPDecodingError) -> Int {
        guard let value = RESPNumber.parseInteger(buffer, at: index, length: lineLength, allowsPlus: false) else {
            throw .invalidLength(buffer.getString(at: index, length: lineLength) ?? "")
        }
        return Int(value)
    }
}
