/// The answer to ``DeadboltClient/renew(_:owner:ttl:)``: the lease the lock has now.
public struct Renewal: Hashable, Sendable {
    /// The lock's name.
    public var resource: String
    /// The owner it is held under; `nil` when the connection itself owns it.
    public var owner: String?
    /// The hold's fencing token, unchanged by renewal.
    public var token: UInt64
    /// The lease now remaining, counted from the renewal (whole milliseconds); `nil` when the
    /// renewal removed the lease.
    public var ttl: Duration?

    /// Creates a renewal description.
    public init(resource: String, owner: String?, token: UInt64, ttl: Duration?) {
        self.resource = resource
        self.owner = owner
        self.token = token
        self.ttl = ttl
    }
}
