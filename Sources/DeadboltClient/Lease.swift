import DeadboltProtocol

/// A granted lock, as ``DeadboltClient/acquire(_:mode:ttl:wait:owner:detached:reentrant:)``
/// returns it.
public struct Lease: Hashable, Sendable, CustomStringConvertible {
    /// The lock's name.
    public var resource: String
    /// The owner it is held under; `nil` when the connection itself owns it.
    public var owner: String?
    /// Exclusive or shared.
    public var mode: LockMode
    /// The grant's fencing token. Tokens of one resource strictly increase, also across daemon
    /// restarts, so a protected system can reject a writer whose token is older than one it
    /// has seen. A reentrant re-acquire returns the same token.
    public var token: UInt64
    /// The owner's nested holds: 1, or more after reentrant acquires. Each needs a release.
    public var holdCount: Int
    /// The lease granted, counted from the grant (whole milliseconds); `nil` when the lock has
    /// no lease and is held until released or until the connection ends.
    public var ttl: Duration?

    /// Creates a lease description.
    public init(resource: String, owner: String?, mode: LockMode, token: UInt64, holdCount: Int, ttl: Duration?) {
        self.resource = resource
        self.owner = owner
        self.mode = mode
        self.token = token
        self.holdCount = holdCount
        self.ttl = ttl
    }

    /// E.g. `report (exclusive, token 42, ttl 30000 ms)`.
    public var description: String {
        var parts = ["\(self.mode)", "token \(self.token)"]
        if let owner = self.owner { parts.insert("owner \(owner)", at: 0) }
        if self.holdCount > 1 { parts.append("\(self.holdCount) holds") }
        if let ttl = self.ttl { parts.append("ttl \(WireArguments.wholeMilliseconds(ttl)) ms") }
        return "\(self.resource) (\(parts.joined(separator: ", ")))"
    }
}
