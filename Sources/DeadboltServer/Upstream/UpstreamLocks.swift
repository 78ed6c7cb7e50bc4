import DeadboltCore
import DeadboltRedis
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The upstream lock space, for a broker in upstream mode: it takes in Redis
/// each lock the table would grant, keeps the upstream leases of the holds it
/// took, and wakes local waiters when another broker releases.
///
/// Runs on the service's event loop (its Redis connections are on that loop
/// too): every table call it makes goes through the service, in order.
///
/// Guarantees (docs/ARCHITECTURE.md, "The Redis upstream"):
/// - Nothing is granted locally that Redis has not given this broker.
/// - A hold whose upstream lease was not confirmed in time is taken away
///   locally (LOST, UPSTREAM_LOST) *before* that lease can have ended in Redis.
/// - Only the head of a local queue contends in Redis; a waiting broker
///   retries when a release is published, or when the holder's lease there
///   runs out, and when Redis comes back.
final class UpstreamLocks {
    let configuration: UpstreamConfiguration
    private let eventLoop: any EventLoop
    private let logger: Logger
    /// The connections to Redis; usable from any thread.
    let redis: UpstreamRedis
    private var client: RedisClient { redis.client }
    private var subscriber: RedisSubscriber { redis.subscriber }
    /// The service the answers go to; set once, right after both exist.
    weak var service: LockService?

    private let acquireScript = RedisScript(source: UpstreamScripts.acquire)
    private let releaseScript = RedisScript(source: UpstreamScripts.release)
    private let renewScript = RedisScript(source: UpstreamScripts.renew)
    private let holdersScript = RedisScript(source: UpstreamScripts.holders)

    /// A hold taken upstream by this broker.
    private struct Hold {
        /// Until then (broker's clock) the upstream lease surely lasts.
        var confirmedUntil: NIODeadline
        /// Bound to its session (local TTL 0): renewed by this broker.
        var sessionBound: Bool
        /// Takes the hold away locally at `confirmedUntil`, unless confirmed again.
        var watchdog: Scheduled<Void>?
        /// The next renewal of a session-bound hold.
        var renewal: Scheduled<Void>?
    }

    private struct HoldKey: Hashable {
        var resource: ResourceName
        var token: UInt64
    }

    private var holds: [HoldKey: Hold] = [:]
    /// Resources whose head waiters another broker keeps out: the retry at
    /// the end of that broker's lease. Their release channels are subscribed.
    private var contended: [ResourceName: Scheduled<Void>] = [:]
    private(set) var counters = UpstreamCounters()

    /// Script source → the SHA-1 `SCRIPT LOAD` returned for it.
    private var scriptHashes: [String: String] = [:]
    /// Set once `self` exists: hands release messages to `released(channel:)`
    /// on the loop, where the subscriber's connection already is.
    private let onMessage = NIOLockedValueBox<(@Sendable (RedisPubSubMessage) -> Void)?>(nil)

    init(configuration: UpstreamConfiguration, eventLoop: any EventLoop, logger: Logger) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        let redisLogger = Logger(label: "deadbolt.upstream.redis")
        let onMessage = self.onMessage
        redis = UpstreamRedis(
            client: RedisClient(url: configuration.url, eventLoopGroup: eventLoop, logger: redisLogger),
            subscriber: RedisSubscriber(
                url: configuration.url, eventLoopGroup: eventLoop, logger: redisLogger,
                onMessage: { message in onMessage.withLockedValue { $0 }?(message) }
            )
        )
    }

    var isConnected: Bool { client.isConnected }

    /// Connects, and starts listening for releases and reconnects.
    func start() {
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        // Called on the subscriber's loop, which is this one.
        onMessage.withLockedValue { $0 = { message in
            eventLoop.preconditionInEventLoop()
            this.value.released(channel: message.channel)
        } }
        client.start()
        subscriber.start()
        for events in [client.connectionEvents(), subscriber.connectionEvents()] {
            Task {
                for await event in events {
                    eventLoop.execute { this.value.connectionChanged(event) }
                }
            }
        }
    }

    // MARK: - Keys

    private func key(_ resource: ResourceName) -> String { configuration.keyPrefix + "{" + resource.string + "}" }
    private func keys(_ resource: ResourceName) -> [any RedisArgumentConvertible] {
        let base = key(resource)
        return [base, base + ":readers", base + ":fence"]
    }
    private func channel(_ resource: ResourceName) -> String { key(resource) + ":released" }
    private func holder(_ token: UInt64) -> String { configuration.brokerID + "/" + String(token) }

    /// The resource a release channel is for.
    private func resource(ofChannel channel: String) -> ResourceName? {
        let prefix = configuration.keyPrefix + "{", suffix = "}:released"
        guard channel.hasPrefix(prefix), channel.hasSuffix(suffix) else { return nil }
        let name = String(channel.dropFirst(prefix.count).dropLast(suffix.count))
        return (try? ResourceName(name)) ?? ResourceName(namespaced: name)
    }

    // MARK: - Admissions

    func admit(_ request: AdmissionRequest) {
        counters.admissionsTotal += 1
        guard client.isConnected else {
            // Answered after the current table call, never from inside it.
            eventLoop.assumeIsolated().execute { [self] in answerUnavailable(request, reason: "not connected") }
            return
        }
        let lease = request.ttlMilliseconds > 0
            ? request.ttlMilliseconds + UpstreamConfiguration.slackMilliseconds(forTTL: request.ttlMilliseconds)
            : configuration.leaseMilliseconds
        let sent = NIODeadline.now()
        run(acquireScript, keys: keys(request.resource), arguments: [request.mode == .shared ? "S" : "X", configuration.brokerID, Int(lease)]) {
            [self] reply in
            switch reply {
            case .success(.array(let fields)) where fields.count == 2:
                switch (fields[0], fields[1]) {
                case (.integer(1), .integer(let token)) where token > 0:
                    taken(request, token: UInt64(token), lease: lease, sent: sent)
                    return
                case (.integer(0), .integer(let leftMilliseconds)):
                    held(request, leftMilliseconds: leftMilliseconds)
                    return
                default:
                    break
                }
            case .failure(let error):
                return answerUnavailable(request, reason: "\(error)")
            default:
                break
            }
            logger.error("unexpected reply to the acquire script; nothing granted", metadata: [
                "resource": "\(request.resource)", "reply": "\(reply)",
            ])
            counters.errorsTotal += 1
            service?.notAdmitted(request.id, .failed)
        }
    }

    private func taken(_ request: AdmissionRequest, token: UInt64, lease: UInt32, sent: NIODeadline) {
        guard let service, service.admitted(request.id, fencingToken: token) else {
            // The request left the queue meanwhile: give the lock back.
            releaseInRedis(request.resource, token: token)
            return
        }
        var hold = Hold(confirmedUntil: sent, sessionBound: request.ttlMilliseconds == 0)
        confirm(&hold, key: HoldKey(resource: request.resource, token: token), lease: lease, sent: sent)
        holds[HoldKey(resource: request.resource, token: token)] = hold
        stopWatchingIfServed(request.resource)
    }

    private func held(_ request: AdmissionRequest, leftMilliseconds: Int64) {
        guard let service, service.notAdmitted(request.id, .heldElsewhere) else { return }
        watch(request.resource, retryAfterMilliseconds: leftMilliseconds)
    }

    private func answerUnavailable(_ request: AdmissionRequest, reason: String) {
        counters.unavailableTotal += 1
        logger.debug("upstream unavailable for an acquire", metadata: ["resource": "\(request.resource)", "reason": "\(reason)"])
        // A wait stays queued; it is asked again when Redis is back.
        service?.notAdmitted(request.id, .unavailable)
    }

    // MARK: - Waiting for another broker

    /// Subscribes to the resource's release channel and arms a retry at the
    /// end of the other broker's lease. Once subscribed it asks again at
    /// once, so a release published before the subscription is not missed.
    private func watch(_ resource: ResourceName, retryAfterMilliseconds: Int64) {
        contended[resource]?.cancel()
        let delay = TimeAmount.milliseconds(max(retryAfterMilliseconds, 1) + 1)
        contended[resource] = eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            contended[resource] = nil
            service?.readmit(resource)
            stopWatchingIfServed(resource)
        }
        let channel = channel(resource)
        let subscriber = self.subscriber
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        let eventLoop = self.eventLoop
        Task {
            let subscribed = (try? await subscriber.subscribe(channel)) != nil
            eventLoop.execute {
                guard subscribed else { return }
                this.value.service?.readmit(resource)
            }
        }
    }

    /// A release was published: the local waiters of that resource try again.
    private func released(channel: String) {
        guard let resource = resource(ofChannel: channel) else { return }
        counters.wakeupsTotal += 1
        service?.readmit(resource)
        stopWatchingIfServed(resource)
    }

    /// Stops watching a resource nobody here waits for any more.
    private func stopWatchingIfServed(_ resource: ResourceName) {
        guard let service, !service.hasWaiters(resource) else { return }
        contended.removeValue(forKey: resource)?.cancel()
        let subscriber = self.subscriber, channel = channel(resource)
        Task { try? await subscriber.unsubscribe(channel) }
    }

    private func connectionChanged(_ event: RedisConnectionEvent) {
        guard event == .connected, let service else {
            logger.warning("upstream disconnected; acquires answer UPSTREAM_UNAVAILABLE until it is back")
            return
        }
        logger.notice("upstream connected", metadata: ["upstream": "\(configuration.url)"])
        // Releases published while away are lost: everyone waiting asks again.
        for resource in service.resourcesWithWaiters() { service.readmit(resource) }
    }

    // MARK: - Other brokers' holds

    /// A hold of another broker, as Redis has it.
    struct RemoteHold {
        var brokerID: String
        var fencingToken: UInt64
        var shared: Bool
        var leaseRemainingMilliseconds: UInt32
    }

    /// The holds of `resource` that other brokers have in Redis; none when
    /// Redis cannot be asked.
    func remoteHolds(_ resource: ResourceName) -> EventLoopFuture<[RemoteHold]> {
        let done = eventLoop.makePromise(of: [RemoteHold].self)
        let ownPrefix = configuration.brokerID + "/"
        run(holdersScript, keys: Array(keys(resource).prefix(2)), arguments: []) { reply in
            guard case .success(.array(let fields)) = reply else { return done.succeed([]) }
            var holds: [RemoteHold] = []
            var index = 0
            while index + 2 < fields.count {
                if case .bulkString(var modeBytes) = fields[index], case .bulkString(var holderBytes) = fields[index + 1],
                   case .integer(let left) = fields[index + 2],
                   let mode = modeBytes.readString(length: modeBytes.readableBytes),
                   let holder = holderBytes.readString(length: holderBytes.readableBytes),
                   !holder.hasPrefix(ownPrefix), let slash = holder.lastIndex(of: "/"),
                   let token = UInt64(holder[holder.index(after: slash)...]) {
                    holds.append(RemoteHold(
                        brokerID: String(holder[..<slash]), fencingToken: token, shared: mode == "S",
                        leaseRemainingMilliseconds: UInt32(clamping: max(left, 0))
                    ))
                }
                index += 3
            }
            done.succeed(holds)
        }
        return done.futureResult
    }

    // MARK: - Holds

    func release(_ resource: ResourceName, fencingToken token: UInt64) -> EventLoopFuture<Void> {
        if let hold = holds.removeValue(forKey: HoldKey(resource: resource, token: token)) {
            hold.watchdog?.cancel()
            hold.renewal?.cancel()
        }
        return releaseInRedis(resource, token: token)
    }

    @discardableResult
    private func releaseInRedis(_ resource: ResourceName, token: UInt64) -> EventLoopFuture<Void> {
        let done = eventLoop.makePromise(of: Void.self)
        run(releaseScript, keys: Array(keys(resource).prefix(2)), arguments: [holder(token), channel(resource)]) { [self] reply in
            defer { done.succeed() }
            if case .failure(let error) = reply {
                // Its lease there ends it; other brokers wait until then.
                logger.warning("cannot release upstream; its lease will end it", metadata: [
                    "resource": "\(resource)", "token": "\(token)", "error": "\(error)",
                ])
            }
        }
        return done.futureResult
    }

    func extend(_ resource: ResourceName, fencingToken token: UInt64, ttlMilliseconds: UInt32) {
        let key = HoldKey(resource: resource, token: token)
        guard holds[key] != nil else { return }
        holds[key]!.sessionBound = ttlMilliseconds == 0
        renewInRedis(key, lease: ttlMilliseconds > 0
            ? ttlMilliseconds + UpstreamConfiguration.slackMilliseconds(forTTL: ttlMilliseconds)
            : configuration.leaseMilliseconds)
    }

    private func renewInRedis(_ key: HoldKey, lease: UInt32) {
        let sent = NIODeadline.now()
        run(renewScript, keys: Array(keys(key.resource).prefix(2)), arguments: [holder(key.token), Int(lease)]) { [self] reply in
            guard holds[key] != nil else { return } // released meanwhile
            switch reply {
            case .success(.integer(1)):
                confirm(&holds[key]!, key: key, lease: lease, sent: sent)
            case .success(.integer(0)):
                lose(key, why: "the upstream no longer holds it")
            default:
                // Not confirmed: the watchdog takes it away in time unless a
                // later renewal succeeds. A session-bound hold tries again soon.
                counters.errorsTotal += 1
                logger.warning("cannot renew upstream", metadata: ["resource": "\(key.resource)", "reply": "\(reply)"])
                if holds[key]!.sessionBound { scheduleRenewal(key, after: .milliseconds(Int64(lease / 10))) }
            }
        }
    }

    /// Records that the upstream lease of `key` lasts `lease` from `sent`:
    /// re-arms the watchdog and, for a session-bound hold, the renewal.
    private func confirm(_ hold: inout Hold, key: HoldKey, lease: UInt32, sent: NIODeadline) {
        let margin = UpstreamConfiguration.safetyMarginMilliseconds(forLease: lease)
        hold.confirmedUntil = sent + .milliseconds(Int64(lease) - Int64(margin))
        hold.watchdog?.cancel()
        hold.watchdog = eventLoop.assumeIsolated().scheduleTask(deadline: hold.confirmedUntil) { [self] in
            lose(key, why: "its upstream lease was not confirmed in time")
        }
        if hold.sessionBound {
            hold.renewal?.cancel()
            hold.renewal = scheduleTask(after: .milliseconds(Int64(lease / 3))) { [self] in renewInRedis(key, lease: lease) }
        }
    }

    private func scheduleRenewal(_ key: HoldKey, after delay: TimeAmount) {
        let lease = configuration.leaseMilliseconds
        holds[key]?.renewal?.cancel()
        holds[key]?.renewal = scheduleTask(after: delay) { [self] in renewInRedis(key, lease: lease) }
    }

    private func scheduleTask(after delay: TimeAmount, _ body: @escaping () -> Void) -> Scheduled<Void> {
        eventLoop.assumeIsolated().scheduleTask(in: delay, body)
    }

    private func lose(_ key: HoldKey, why: String) {
        guard let hold = holds.removeValue(forKey: key) else { return }
        hold.watchdog?.cancel()
        hold.renewal?.cancel()
        counters.lostTotal += 1
        logger.warning("lock lost upstream", metadata: ["resource": "\(key.resource)", "token": "\(key.token)", "why": "\(why)"])
        service?.loseUpstream(key.resource, fencingToken: key.token)
    }

    /// Forgets every hold and returns their releases, for a clean shutdown:
    /// ``UpstreamRedis/release(_:)`` then gives them back in Redis, so other
    /// brokers need not wait for their leases to end.
    func takeAllHolds() -> [UpstreamRelease] {
        defer { holds.removeAll() }
        return holds.map { key, hold in
            hold.watchdog?.cancel()
            hold.renewal?.cancel()
            return UpstreamRelease(keys: Array(keys(key.resource).prefix(2)).map { "\($0)" }, holder: holder(key.token), channel: channel(key.resource))
        }
    }

    // MARK: - Running scripts

    /// Runs `script` by EVALSHA (loading it first, and again after NOSCRIPT)
    /// and hands its reply to `body`, on the event loop: the command
    /// connection is on this loop, so no thread hop is made.
    private func run(
        _ script: RedisScript, keys: [any RedisArgumentConvertible], arguments: [any RedisArgumentConvertible],
        _ body: @escaping (Result<RESPValue, any Error>) -> Void
    ) {
        evaluate(script, keys: keys, arguments: arguments, retryingNoScript: true).assumeIsolated().whenComplete(body)
    }

    private func evaluate(
        _ script: RedisScript, keys: [any RedisArgumentConvertible], arguments: [any RedisArgumentConvertible],
        retryingNoScript: Bool
    ) -> EventLoopFuture<RESPValue> {
        guard let hash = scriptHashes[script.source] else {
            return load(script).assumeIsolated().flatMap { [self] _ in
                evaluate(script, keys: keys, arguments: arguments, retryingNoScript: false)
            }.nonisolated()
        }
        let command: [any RedisArgumentConvertible] = ["EVALSHA", hash, keys.count] + keys + arguments
        return client.send(command).assumeIsolated().flatMap { [self] reply in
            guard retryingNoScript, reply.errorReply?.prefix == RedisErrorReply.noScript else {
                return eventLoop.makeSucceededFuture(reply)
            }
            // Redis lost its scripts (SCRIPT FLUSH, a restart): load and run again once.
            scriptHashes[script.source] = nil
            return evaluate(script, keys: keys, arguments: arguments, retryingNoScript: false)
        }.nonisolated()
    }

    private func load(_ script: RedisScript) -> EventLoopFuture<Void> {
        client.send(["SCRIPT", "LOAD", script.source]).assumeIsolated().flatMap { [self] reply in
            guard let hash = reply.string else {
                return eventLoop.makeFailedFuture(RedisError(code: .errorReply, message: "SCRIPT LOAD answered \(reply)"))
            }
            scriptHashes[script.source] = hash
            return eventLoop.makeSucceededVoidFuture()
        }.nonisolated()
    }
}

/// The two connections to Redis: commands and scripts, and pub/sub.
struct UpstreamRedis: Sendable {
    let client: RedisClient
    let subscriber: RedisSubscriber

    /// Waits up to `timeoutMilliseconds` for the command connection.
    func waitUntilConnected(timeoutMilliseconds: Int64) async -> Bool {
        let events = client.connectionEvents()
        if client.isConnected { return true }
        let client = self.client
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await event in events where event == .connected { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(timeoutMilliseconds))
                return false
            }
            let connected = await group.next() ?? false
            group.cancelAll()
            return connected || client.isConnected
        }
    }

    /// Gives holds back in Redis (compare and delete, and publish).
    func release(_ releases: [UpstreamRelease]) async {
        let script = RedisScript(source: UpstreamScripts.release)
        for release in releases {
            _ = try? await client.evalScript(script, keys: release.keys, arguments: [release.holder, release.channel])
        }
    }

    func close() async {
        await client.close()
        await subscriber.close()
    }
}

/// One hold to give back in Redis.
struct UpstreamRelease: Sendable {
    var keys: [String]
    var holder: String
    var channel: String
}

/// What the upstream did, for STATS.
struct UpstreamCounters {
    var admissionsTotal: UInt64 = 0
    var unavailableTotal: UInt64 = 0
    var wakeupsTotal: UInt64 = 0
    var lostTotal: UInt64 = 0
    var errorsTotal: UInt64 = 0
}
