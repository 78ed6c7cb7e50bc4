import DeadboltProtocol

/// What the daemon said in its HELLO answer: this connection's session and the limits the
/// daemon enforces on it.
public struct SessionInfo: Hashable, Sendable {
    /// The protocol version spoken on the connection (1).
    public var protocolVersion: Int
    /// This connection's session id, unique while the daemon runs; QUERY shows it for each
    /// holder and waiter.
    public var sessionID: UInt64
    /// The daemon's name and version, free-form.
    public var serverName: String
    /// The largest frame body the daemon accepts and sends, in bytes.
    public var maxFrameBytes: Int
    /// The longest resource or owner name, in bytes (255).
    public var maxNameBytes: Int
    /// How many locks this connection may hold (and request) at once.
    public var maxLocksPerConnection: Int
    /// How many acquires this connection may have waiting at once.
    public var maxWaitersPerConnection: Int

    init(_ hello: HelloResponse) {
        self.protocolVersion = Int(hello.protocolVersion)
        self.sessionID = hello.sessionID
        self.serverName = hello.serverName
        self.maxFrameBytes = Int(hello.maxFrameBytes)
        self.maxNameBytes = Int(hello.maxNameBytes)
        self.maxLocksPerConnection = Int(hello.maxLocksPerConnection)
        self.maxWaitersPerConnection = Int(hello.maxWaitersPerConnection)
    }
}
