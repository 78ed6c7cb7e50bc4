import NIOCore

/// HELLO (0x01): opens the session. Must be the first request on a connection.
///
/// Layout: `u16 protocolVersion`, `str16 clientName`.
public struct HelloRequest: WirePayload {
    /// The protocol version the client speaks; ``ProtocolVersion/current`` for this library.
    public var protocolVersion: UInt16
    /// A free-form name and version for the daemon's logs, e.g. `deadbolt-cli 0.1.0`; may be empty.
    public var clientName: String

    /// Creates a HELLO request.
    public init(protocolVersion: UInt16 = ProtocolVersion.current, clientName: String) {
        self.protocolVersion = protocolVersion
        self.clientName = clientName
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireInteger(self.protocolVersion)
        buffer.writeStr16(self.clientName)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> HelloRequest {
        HelloRequest(
            protocolVersion: try buffer.readWireInteger(field: "protocolVersion"),
            clientName: try buffer.readStr16(field: "clientName")
        )
    }
}
