import NIOCore

/// LIST (0x06): resources whose names start with a prefix, a page at a time, in byte order.
///
/// Layout: `str16 prefix`, `u32 limit`, `str16 cursor`.
public struct ListRequest: WirePayload {
    /// Only names starting with these bytes are listed; empty lists everything.
    public var prefix: String
    /// The most entries wanted; 0 lets the daemon choose. The daemon may return fewer.
    public var limit: UInt32
    /// Empty to start at the beginning; otherwise only names strictly after it in byte
    /// order, normally the previous page's `nextCursor`.
    public var cursor: String

    /// Creates a list request.
    public init(prefix: String = "", limit: UInt32 = 0, cursor: String = "") {
        self.prefix = prefix
        self.limit = limit
        self.cursor = cursor
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStr16(self.prefix)
        buffer.writeWireInteger(self.limit)
        buffer.writeStr16(self.cursor)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> ListRequest {
        ListRequest(
            prefix: try buffer.readStr16(field: "prefix"),
            limit: try buffer.readWireInteger(field: "limit"),
            cursor: try buffer.readStr16(field: "cursor")
        )
    }
}
