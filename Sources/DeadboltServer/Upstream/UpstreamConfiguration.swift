import DeadboltRedis
#if canImport(Glibc)
import Glibc
#endif

/// How a broker forwards its locks to a Redis upstream (`deadboltd --upstream`).
public struct UpstreamConfiguration: Sendable {
    /// Where Redis is.
    public var url: RedisURL
    /// Prepended to every key and channel; brokers sharing a lock space share it.
    public var keyPrefix = "deadbolt:"
    /// The upstream lease of a session-bound lock (a local TTL of 0), renewed
    /// every third of it while the lock is held.
    public var leaseMilliseconds: UInt32 = 10_000
    /// Refuse to start when Redis cannot be reached at start-up.
    public var required = false
    /// This broker's name in Redis (holders are `<broker id>/<token>`); unique
    /// per running broker.
    public var brokerID: String

    public init(url: RedisURL, brokerID: String) {
        self.url = url
        self.brokerID = brokerID
    }

    /// `<host name>-<8 random hex digits>`: unique per start, readable in Redis.
    public static func defaultBrokerID() -> String {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "broker"
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return host.split(separator: "/", omittingEmptySubsequences: false).joined(separator: "-") + "-" + String(repeating: "0", count: 8 - suffix.count) + suffix
    }

    /// How much longer than the local lease the upstream lease of a lock with
    /// a TTL is: covers the round trip to Redis and the local timer's lateness,
    /// so the local lease always ends (and releases upstream) first.
    static func slackMilliseconds(forTTL ttlMilliseconds: UInt32) -> UInt32 {
        200 + ttlMilliseconds / 50
    }

    /// How long before an upstream lease could end, by the broker's clock, a
    /// hold not confirmed since is taken away locally (LOST, UPSTREAM_LOST).
    /// The upstream lease is counted from when its command was *sent*, which
    /// is before Redis starts it; the margin covers the two clocks running at
    /// rates up to 1% apart, and the local timer's lateness.
    static func safetyMarginMilliseconds(forLease leaseMilliseconds: UInt32) -> UInt32 {
        leaseMilliseconds / 100 + 5
    }
}
