import ArgumentParser
import CMalloc
import DeadboltCore
import DeadboltProtocol
import DeadboltRedis
import DeadboltServer
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// `deadboltd`: parses flags into a ``ServerConfiguration`` and runs the server.
@main
struct Deadboltd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deadboltd",
        abstract: "A lock broker for one host, on a Unix socket.",
        version: DeadboltVersion.string
    )

    @Option(help: "Socket to listen on. Default: $DEADBOLT_SOCKET, else /run/deadbolt/deadbolt.sock as root, else $XDG_RUNTIME_DIR/deadbolt/deadbolt.sock, else /tmp/deadbolt-$UID/deadbolt.sock.")
    var socket: String?

    @Option(help: "File mode of the socket, in octal.")
    var socketMode: String = "0660"

    @Option(help: "Group of the socket.")
    var socketGroup: String?

    @Option(help: "Directory for durable state (the fencing high-water). Default: /var/lib/deadbolt as root, else $XDG_STATE_HOME/deadbolt or ~/.local/state/deadbolt.")
    var stateDir: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "Connections served at once.")
    var maxConnections: Int = 1024

    @Option(help: "Locks held plus queued per connection.")
    var maxLocksPerConnection: Int = 4096

    @Option(help: "Queued acquires per connection.")
    var maxWaitersPerConnection: Int = 1024

    @Option(help: "Locks held plus queued by all connections of one uid.")
    var maxLocksPerUid: Int = 262_144

    @Option(help: "Queued acquires of all connections of one uid.")
    var maxWaitersPerUid: Int = 131_072

    @Option(help: "Resources (names held or awaited) in total.")
    var maxResources: Int = 1 << 20

    @Option(help: "Longest lease a client may ask for, in milliseconds; also caps the grace period after an unclean restart.")
    var maxTtlMs: UInt32 = 86_400_000

    @Option(help: "Largest request frame body, in bytes.")
    var maxFrameBytes: Int = 65_536

    @Option(help: "Close connections that send no HELLO within this many milliseconds.")
    var helloTimeoutMs: Int64 = 10_000

    @Option(help: "With no connection and no lock held for this many seconds, exit 0 (socket activation restarts the daemon on the next connection).")
    var exitIdleAfter: Double?

    @Option(help: "Under socket activation, serve the passed socket with this FileDescriptorName= (needed when systemd passes several).")
    var listenFdName: String?

    @Option(help: "A group whose members may force-release (root always may).")
    var adminGroup: String?

    @Option(help: "Connections one uid may have open at once.")
    var maxConnectionsPerUid: Int = 512

    @Option(help: "Close connections that leave a frame incomplete for this many milliseconds.")
    var partialFrameTimeoutMs: Int64 = 10_000

    @Flag(help: "Give each uid its own namespace of resources: other uids' locks are invisible and never conflict.")
    var isolateUids = false

    @Option(help: "Only these uids (comma-separated) may use the daemon, beyond the socket's mode; root always may.")
    var allowUids: String?

    @Option(help: "Only members of these groups (comma-separated names or gids) may use the daemon; root always may.")
    var allowGroups: String?

    @Option(help: "Share one lock space with other brokers through Redis: redis://[user:password@]host:port[/db] or unix:///path/redis.sock[?db=N].")
    var upstream: String?

    @Option(help: "Prefix of every upstream key and channel.")
    var upstreamPrefix: String = "deadbolt:"

    @Option(help: "Upstream lease of a lock held without a TTL, in milliseconds; renewed every third of it.")
    var upstreamLeaseMs: UInt32 = 10_000

    @Flag(help: "Refuse to start if the upstream cannot be reached (default: start, and answer UPSTREAM_UNAVAILABLE until it can).")
    var upstreamRequired = false

    @Option(help: "This broker's name in the upstream. Default: the host name and a random suffix.")
    var upstreamBrokerId: String?

    func validate() throws {
        guard UInt32(socketMode, radix: 8) != nil else { throw ValidationError("--socket-mode must be octal, e.g. 0660") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard maxConnections > 0, maxLocksPerConnection > 0, maxWaitersPerConnection >= 0, maxResources > 0, maxTtlMs > 0,
              maxLocksPerUid > 0, maxWaitersPerUid >= 0 else {
            throw ValidationError("limits must be positive")
        }
        if let exitIdleAfter, !(exitIdleAfter > 0) { throw ValidationError("--exit-idle-after must be positive") }
        guard (1024...16 << 20).contains(maxFrameBytes) else { throw ValidationError("--max-frame-bytes must be 1024 to 16 MiB") }
        if let upstream {
            do {
                _ = try RedisURL(upstream)
            } catch {
                throw ValidationError("--upstream: \(error.message)")
            }
        }
        guard maxConnectionsPerUid > 0, partialFrameTimeoutMs > 0 else {
            throw ValidationError("--max-connections-per-uid and --partial-frame-timeout-ms must be positive")
        }
        if let allowUids { _ = try Self.uids(allowUids) }
        if let allowGroups { _ = try Self.gids(allowGroups) }
        guard upstreamLeaseMs >= 300 else { throw ValidationError("--upstream-lease-ms must be at least 300") }
        if let upstreamBrokerId, upstreamBrokerId.isEmpty || upstreamBrokerId.contains("/") {
            throw ValidationError("--upstream-broker-id must be non-empty, without '/'")
        }
    }

    func run() async throws {
        returnLargeBlocksToTheSystem()
        let environment = DefaultPaths.processEnvironment()
        let level = Logger.Level(rawValue: logLevel)!
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "deadboltd")

        // systemd's socket, when it passed one, wins over --socket: it owns the path.
        let listener: ServerConfiguration.Listener
        do {
            if let passed = try Systemd.passedSocket(named: listenFdName) {
                logger.info("socket activated", metadata: ["fd": "\(passed.descriptor)", "fd_name": "\(passed.name)"])
                listener = .inheritedDescriptor(passed.descriptor, path: nil)
            } else {
                listener = .path(socket ?? DefaultPaths.socket(environment: environment))
            }
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        var configuration = ServerConfiguration(
            listener: listener, stateDirectory: stateDir ?? DefaultPaths.stateDirectory(environment: environment)
        )
        configuration.exitIdleAfterMilliseconds = exitIdleAfter.map { Int64($0 * 1000) }
        configuration.socketMode = UInt32(socketMode, radix: 8)!
        configuration.socketGroup = socketGroup
        configuration.maxConnections = maxConnections
        configuration.maxFrameBytes = maxFrameBytes
        configuration.helloTimeoutMilliseconds = helloTimeoutMs
        configuration.lockTable.maxLocksPerSession = maxLocksPerConnection
        configuration.lockTable.maxWaitersPerSession = maxWaitersPerConnection
        configuration.lockTable.maxResources = maxResources
        configuration.lockTable.maxLocksPerUID = maxLocksPerUid
        configuration.lockTable.maxWaitersPerUID = maxWaitersPerUid
        configuration.lockTable.maxTTLMilliseconds = maxTtlMs
        if let adminGroup {
            guard let entry = getgrnam(adminGroup) else { throw ValidationError("unknown --admin-group \(adminGroup)") }
            configuration.adminGIDs = [entry.pointee.gr_gid]
        }
        configuration.maxConnectionsPerUID = maxConnectionsPerUid
        configuration.isolateUIDs = isolateUids
        configuration.partialFrameTimeoutMilliseconds = partialFrameTimeoutMs
        configuration.accessPolicy = AccessPolicy(
            allowedUIDs: try allowUids.map(Self.uids), allowedGIDs: try allowGroups.map(Self.gids)
        )
        if let upstream {
            var upstreamConfiguration = UpstreamConfiguration(
                url: try RedisURL(upstream), brokerID: upstreamBrokerId ?? UpstreamConfiguration.defaultBrokerID()
            )
            upstreamConfiguration.keyPrefix = upstreamPrefix
            upstreamConfiguration.leaseMilliseconds = upstreamLeaseMs
            upstreamConfiguration.required = upstreamRequired
            configuration.upstream = upstreamConfiguration
        }

        raiseOpenFileLimit(for: maxConnections, logger: logger)
        let service = DeadboltService(configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                // The server returns on its own only after an idle exit: a clean stop.
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            logger.critical("cannot run", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}

extension Deadboltd {
    /// "0,1000" → uids.
    static func uids(_ list: String) throws -> Set<UInt32> {
        Set(try list.split(separator: ",").map { item in
            guard let uid = UInt32(item.filter { $0 != " " }) else {
                throw ValidationError("--allow-uids: '\(item)' is not a uid")
            }
            return uid
        })
    }

    /// "deadbolt,1001" → gids, names looked up in the group database.
    static func gids(_ list: String) throws -> Set<UInt32> {
        Set(try list.split(separator: ",").map { item in
            let name = String(item.filter { $0 != " " })
            if let gid = UInt32(name) { return gid }
            guard let entry = getgrnam(name) else { throw ValidationError("--allow-groups: unknown group \(name)") }
            return entry.pointee.gr_gid
        })
    }
}

/// The lock table keeps its records in a few large arrays that double as
/// they grow. glibc's dynamic mmap threshold rises to the size of the largest
/// block freed, so after a few doublings every old copy lands on the heap and
/// stays in the RSS (about 18 of 159 bytes per lock at a million locks).
/// A fixed threshold keeps blocks of 128 KiB and more in their own mappings,
/// returned to the system when freed (141 bytes per lock). Network buffers
/// (at most 64 KiB) stay below it. An operator's GLIBC_TUNABLES or
/// MALLOC_MMAP_THRESHOLD_ wins.
private func returnLargeBlocksToTheSystem() {
    let tunables = getenv("GLIBC_TUNABLES").map { String(cString: $0) } ?? ""
    if getenv("MALLOC_MMAP_THRESHOLD_") == nil, !tunables.contains("mmap_threshold") {
        _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024)
    }
}

/// Every connection is a descriptor, and the usual soft limit (1024) is
/// below `--max-connections` plus what the daemon needs itself. Raises the
/// soft limit toward the hard one (as systemd expects a service to), and
/// warns when even the hard limit is too low, since connections past it
/// would fail at accept rather than get QUOTA_EXCEEDED.
private func raiseOpenFileLimit(for maxConnections: Int, logger: Logger) {
    let reservedDescriptors = 64  // listener, epoll, state files, upstream, logs
    let needed = rlim_t(maxConnections + reservedDescriptors)
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < needed else { return }
    let raised = rlimit(rlim_cur: min(needed, limit.rlim_max), rlim_max: limit.rlim_max)
    if setrlimit(Int32(RLIMIT_NOFILE.rawValue), [raised]) != 0 || raised.rlim_cur < needed {
        logger.warning("the open-file limit is below --max-connections; raise LimitNOFILE", metadata: [
            "limit": "\(limit.rlim_max)", "needed": "\(needed)",
        ])
    }
}

