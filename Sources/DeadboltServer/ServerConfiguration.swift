import DeadboltCore

/// Everything `deadboltd` needs to run, built by its flags or by a test.
public struct ServerConfiguration: Sendable {
    /// Where the daemon listens.
    public enum Listener: Sendable, Hashable {
        /// Bind a Unix socket at this path (creating its directory), and
        /// remove it on shutdown.
        case path(String)
        /// Serve a listening socket someone else bound and owns (systemd).
        case inheritedDescriptor(Int32, path: String?)
    }

    public var listener: Listener
    /// File mode of a socket the daemon binds itself.
    public var socketMode: UInt32 = 0o660
    /// Group of a socket the daemon binds itself; `nil` keeps the daemon's.
    public var socketGroup: String?
    /// Where the fencing high-water is persisted.
    public var stateDirectory: String
    /// Connections served at once; one more is answered QUOTA_EXCEEDED and closed.
    public var maxConnections = 1024
    /// Largest frame body accepted, checked before the body is read.
    public var maxFrameBytes = 65_536
    /// Connections one uid may have open at once; one more is answered
    /// QUOTA_EXCEEDED and closed.
    public var maxConnectionsPerUID = 512
    /// A connection that has not sent HELLO by then is closed.
    public var helloTimeoutMilliseconds: Int64 = 10_000
    /// A connection that leaves a frame incomplete for this long is closed.
    public var partialFrameTimeoutMilliseconds: Int64 = 10_000
    /// Each uid gets its own namespace of resources: other uids' locks are
    /// invisible and never conflict (`--isolate-uids`).
    public var isolateUIDs = false
    /// Who may connect at all (the socket's mode and group first decide).
    public var accessPolicy = AccessPolicy()
    /// Listing pages: the default and the largest limit a LIST may ask for.
    public var defaultListLimit = 100
    public var maxListLimit = 1000
    /// With no connection, no hold and no waiter for this long, the daemon
    /// exits 0 (socket activation starts it again on the next connection).
    /// `nil`: never.
    public var exitIdleAfterMilliseconds: Int64?
    /// Peers with one of these uids or gids may force-release. Root always may.
    public var adminUIDs: Set<UInt32> = []
    public var adminGIDs: Set<UInt32> = []
    /// The engine's limits and tuning. Per uid: 262,144 holds plus queued
    /// requests, 131,072 queued (the engine's own default is no per-uid
    /// limit). The daemon ends at most 256 leases or waits per bounded step
    /// (the engine's default is 1024), then polls for I/O: a step then stays
    /// well under a millisecond on a slow core.
    public var lockTable = LockTableConfiguration(maxLocksPerUID: 262_144, maxWaitersPerUID: 131_072, maxExpiriesPerAdvance: 256)
    /// Forward locks to a Redis upstream; `nil`: this broker's locks are its own.
    public var upstream: UpstreamConfiguration?
    public var serverName = "deadboltd \(DeadboltVersion.string)"

    public init(listener: Listener, stateDirectory: String) {
        self.listener = listener
        self.stateDirectory = stateDirectory
    }
}

/// The daemon's version.
public enum DeadboltVersion {
    public static let string = "0.1.0"
}
