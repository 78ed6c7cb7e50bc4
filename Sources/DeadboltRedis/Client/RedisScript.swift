/// A Lua script that ``RedisClient/evalScript(_:keys:arguments:)`` runs with `EVALSHA`.
///
/// Declare each script once (`static let release = RedisScript(source: "…")`): the client
/// loads it with `SCRIPT LOAD` the first time, keeps the SHA-1 Redis returns, and reloads it
/// when Redis has forgotten it (`SCRIPT FLUSH`, a restart).
public struct RedisScript: Hashable, Sendable {
    /// The Lua source.
    public let source: String

    /// A script with this Lua source.
    public init(source: String) {
        self.source = source
    }
}
