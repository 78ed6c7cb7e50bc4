import NIOCore

/// QUERY (0x05): who holds and who waits for one resource.
///
/// Layout: `str16 resource`.
public struct QueryRequest: WirePayload {
    /// The lock's name.
    public var resource: String

    /// Creates a query request.
    public init(resource: String) {
        self.resource = resource
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeStr16(self.resource)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> QueryRequest {
        QueryRequest(resource: try buffer.readStr16(field: "resource"))
    }
}
