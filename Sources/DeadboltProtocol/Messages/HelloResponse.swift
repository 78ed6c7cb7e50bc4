import NIOCore

/// HELLO's OK payload: the version the daemon will speak and the limits it enforces.
///
/// Layout: `u16 protocolVersion`, `u64 sessionID`, `u32 maxFrameBytes`, `u16 maxNameBytes`,
/// `u32 maxLocksPerConnection`, `u32 maxWaitersPerConnection`, `str16 serverName`.
public struct HelloResponse: WirePayload {
    /// The protocol version of this session.
    public var protocolVersion: UInt16
    /// The daemon's id for this connection, unique while the daemon runs; it appears in QUERY
    /// output as the holder's or waiter's session.
    public var sessionID: UInt64
    /// The largest frame body the daemon accepts and sends, in bytes.
    public var maxFrameBytes: UInt32
    /// The longest resource or owner name accepted, in bytes.
    public var maxNameBytes: UInt16
    /// How many locks this connection may hold at once.
    public var maxLocksPerConnection: UInt32
    /// How many acquires this connection may have waiting at once.
    public var maxWaitersPerConnection: UInt32
    /// A free-form name and version of the daemon, e.g. `deadboltd 0.1.0`.
    public var serverName: String

    /// Creates a HELLO response.
    public init(
        protocolVersion: UInt16 = ProtocolVersion.current,
        sessionID: UInt64,
        maxFrameBytes: UInt32,
        maxNameBytes: UInt16,
        maxLocksPerConnection: UInt32,
        maxWaitersPerConnection: UInt32,
        serverName: String
    ) {
        self.protocolVersion = protocolVersion
        self.sessionID = sessionID
        self.maxFrameBytes = maxFrameBytes
        self.maxNameBytes = maxNameBytes
        self.maxLocksPerConnection = maxLocksPerConnection
        self.maxWaitersPerConnection = maxWaitersPerConnection
        self.serverName = serverName
    }

    /// Appends the payload fields.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeWireInteger(self.protocolVersion)
        buffer.writeWireInteger(self.sessionID)
        buffer.writeWireInteger(self.maxFrameBytes)
        buffer.writeWireInteger(self.maxNameBytes)
        buffer.writeWireInteger(self.maxLocksPerConnection)
        buffer.writeWireInteger(self.maxWaitersPerConnection)
        buffer.writeStr16(self.serverName)
    }

    /// Reads the payload fields.
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> HelloResponse {
        HelloResponse(
            protocolVersion: try buffer.readWireInteger(field: "protocolVersion"),
            sessionID: try buffer.readWireInteger(field: "sessionID"),
            maxFrameBytes: try buffer.readWireInteger(field: "maxFrameBytes"),
            maxNameBytes: try buffer.readWireInteger(field: "maxNameBytes"),
            maxLocksPerConnection: try buffer.readWireInteger(field: "maxLocksPerConnection"),
            maxWaitersPerConnection: try buffer.readWireInteger(field: "maxWaitersPerConnection"),
            serverName: try buffer.readStr16(field: "serverName")
        )
    }
}
