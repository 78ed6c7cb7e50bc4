import NIOCore

/// LIST's OK payload: one page of resources in byte order of their names.
///
/// Layout: `u32 count`, `count × ListEntry`, `str16 nextCursor`.
public struct ListResponse: WirePayload {
    /// The page's resources, in byte order.
    public var entries: [ListEntry]
    /// The cursor for the next page; empty when this page is the last.
    public var nextCursor: String

    /// Creates a list response.
    public init(entries: [ListEntry], nextCursor: String = "") {
        self.entries = entries
        self.nextCursor = nextCursor
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireList(self.entries, countAs: UInt32.self)
        buffer.writeStr16(self.nextCursor)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> ListResponse {
        let count = try buffer.readWireInteger(as: UInt32.self, field: "count")
        let entries = try buffer.readWireList(count: Int(count), of: ListEntry.self)
        return ListResponse(entries: entries, nextCursor: try buffer.readStr16(field: "nextCursor"))
    }
}
