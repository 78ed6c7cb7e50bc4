import DeadboltCore
import DeadboltProtocol
import Logging
import NIOCore

/// Owns the lock table on one event loop and runs it: it turns requests into
/// engine calls, performs the engine's actions (durable fencing reservations,
/// grants to queued requests, timeouts, LOST pushes), and drives the timer
/// wheel from the loop's clock.
///
/// Every method runs on `eventLoop`; all sessions are served by that same
/// loop, so no lock guards the table (as in Redis, one thread owns the data).
final class LockService {
    let eventLoop: any EventLoop
    let configuration: ServerConfiguration
    let logger: Logger
    private var table: LockTable
    private let stateStore: StateStore
    private var sessions: [SessionID: SessionHandler] = [:]
    private var nextSessionNumber: UInt64 = 1
    private(set) var connectionCount = 0
    private(set) var isShuttingDown = false
    /// The engine's actions not yet performed, in order; reused to keep
    /// requests allocation-free.
    private var actions: [LockAction] = []
    /// True while `performActions` works through `actions`.
    private var performingActions = false
    /// The armed wheel timer and the instant it fires at.
    private var wheelTimer: Scheduled<Void>?
    private var wheelTimerDeadline: Instant?
    /// Watchdog, status and idle checks; cancelled on shutdown.
    private var supervisionTasks: [RepeatedTask] = []
    /// Since when the daemon has had no connection, hold or waiter.
    private var idleSince: Instant?
    private var protocolErrorsTotal: UInt64 = 0
    private var statePersistFailuresTotal: UInt64 = 0
    /// Upstream mode only: where admissions, ended holds and changed leases
    /// go; it answers through `admissionAnswered`, `readmit` and `loseUpstream`.
    var upstreamLocks: UpstreamLocks?
    /// The upstream releases a RELEASE started, which its answer waits for
    /// (collected only during `release`).
    private var upstreamReleases: [EventLoopFuture<Void>] = []
    private var collectingUpstreamReleases = false

    /// Runs on `eventLoop`. `graceUntil` is the previous run's lease horizon
    /// after an unclean stop.
    init(
        configuration: ServerConfiguration, fencingFloor: UInt64, graceUntil: Instant?, stateStore: StateStore,
        eventLoop: any EventLoop, logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.stateStore = stateStore
        self.table = LockTable(configuration: configuration.lockTable, fencingFloor: fencingFloor, graceUntil: graceUntil, now: Self.now())
        if let graceDeadline = table.graceDeadline {
            logger.warning("unclean stop: granting nothing until detached leases of the previous run have ended", metadata: [
                "grace_ms": "\(Self.now().millisecondsUntil(graceDeadline))",
            ])
            arm(at: graceDeadline)
        }
    }

    /// Between two bounded steps of a large expiry, the loop polls for I/O
    /// for at least this long.
    static let stepGapNanoseconds: UInt64 = 50_000

    /// The loop's monotonic clock.
    static func now() -> Instant {
        Instant(nanoseconds: NIODeadline.now().uptimeNanoseconds)
    }

    // MARK: - Connections and sessions

    /// Admits a connection, or says why not.
    func connectionOpened() -> Bool {
        guard !isShuttingDown, connectionCount < configuration.maxConnections else { return false }
        connectionCount += 1
        return true
    }

    /// Connections whose unread answers passed the write buffer's high-water
    /// mark: the daemon reads nothing more from them until they drain.
    private(set) var backedUpConnectionCount = 0

    /// A connection's answers backed up (true) or drained again (false).
    func connectionBackedUp(_ backedUp: Bool) {
        backedUpConnectionCount += backedUp ? 1 : -1
    }

    /// Why a connection's peer is turned away.
    enum PeerRefusal {
        case notAllowed
        case tooManyConnectionsForUID(limit: Int)
    }

    /// Open connections per uid (for `maxConnectionsPerUID`).
    private var connectionsByUID: [UInt32: Int] = [:]

    /// Admits a connection's peer, once its credentials are known: the access
    /// policy, then the per-uid connection limit. nil if admitted; then
    /// `peerClosed` must follow.
    func admit(peer: Peer) -> PeerRefusal? {
        guard configuration.accessPolicy.allows(peer) else { return .notAllowed }
        let open = connectionsByUID[peer.uid, default: 0]
        guard open < configuration.maxConnectionsPerUID else {
            return .tooManyConnectionsForUID(limit: configuration.maxConnectionsPerUID)
        }
        connectionsByUID[peer.uid] = open + 1
        return nil
    }

    func peerClosed(uid: UInt32) {
        let open = connectionsByUID[uid, default: 1] - 1
        connectionsByUID[uid] = open > 0 ? open : nil
    }

    /// Starts a session for a connection that said HELLO.
    func openSession(for handler: SessionHandler, peer: Peer) -> SessionID {
        let id = SessionID(nextSessionNumber)
        nextSessionNumber += 1
        table.openSession(id, peer: peer)
        sessions[id] = handler
        return id
    }

    /// Ends a connection and, if it had one, its session.
    func connectionClosed(session: SessionID?) {
        connectionCount -= 1
        guard let session else { return }
        sessions[session] = nil
        table.closeSession(session, now: Self.now(), into: &actions)
        performActions()
    }

    // MARK: - Requests

    /// Acquire: validated names in, an immediate answer out (nil while queued).
    func acquire(_ request: LockRequest) -> AcquireResult {
        let now = Self.now()
        let result = table.acquire(request, now: now, into: &actions)
        performActions()
        switch result {
        case .granted where request.ttlMilliseconds > 0:
            armWheel(covering: now.adding(milliseconds: request.ttlMilliseconds))
        case .queued:
            if case .milliseconds(let milliseconds) = request.wait {
                armWheel(covering: now.adding(milliseconds: milliseconds))
            }
        default:
            break
        }
        return result
    }

    /// Release; in upstream mode also the release in Redis that the answer
    /// should wait for (it completes whether Redis took it or not).
    func release(resource: ResourceName, owner: OwnerName, session: SessionID) -> (ReleaseResult, EventLoopFuture<Void>?) {
        collectingUpstreamReleases = true
        defer {
            collectingUpstreamReleases = false
            upstreamReleases.removeAll()
        }
        let result = table.release(resource: resource, owner: owner, session: session, now: Self.now(), into: &actions)
        performActions()
        return (result, upstreamReleases.last)
    }

    func renew(resource: ResourceName, owner: OwnerName, session: SessionID, ttlMilliseconds: UInt32) -> RenewResult {
        let now = Self.now()
        let result = table.renew(resource: resource, owner: owner, session: session, ttlMilliseconds: ttlMilliseconds, now: now, into: &actions)
        performActions()
        if case .renewed = result, ttlMilliseconds > 0 {
            armWheel(covering: now.adding(milliseconds: ttlMilliseconds))
        }
        return result
    }

    // MARK: - Upstream answers (upstream mode)

    /// The upstream took the lock for admission `id`; false if its request
    /// has left the queue (the caller gives the lock back).
    func admitted(_ id: UInt64, fencingToken token: UInt64) -> Bool {
        let granted = table.admitted(id, fencingToken: token, now: Self.now(), into: &actions) != nil
        performActions()
        return granted
    }

    /// The upstream did not take it; false if the request has left the queue.
    @discardableResult
    func notAdmitted(_ id: UInt64, _ reason: AdmissionRefusal) -> Bool {
        let found = table.notAdmitted(id, reason, now: Self.now(), into: &actions)
        performActions()
        return found
    }

    func readmit(_ resource: ResourceName) {
        table.readmit(resource, now: Self.now(), into: &actions)
        performActions()
    }

    func loseUpstream(_ resource: ResourceName, fencingToken token: UInt64) {
        table.loseUpstream(resource, fencingToken: token, now: Self.now(), into: &actions)
        performActions()
    }

    func hasWaiters(_ resource: ResourceName) -> Bool {
        table.hasWaiters(resource)
    }

    func resourcesWithWaiters() -> [ResourceName] {
        table.resourcesWithWaiters()
    }

    func forceRelease(resource: ResourceName) -> Int {
        let removed = table.forceRelease(resource: resource, now: Self.now(), into: &actions)
        performActions()
        return removed
    }

    func cancel(session: SessionID, ticket: Ticket) -> Bool {
        let removed = table.cancel(session: session, ticket: ticket, now: Self.now(), into: &actions)
        performActions()
        return removed
    }

    func snapshot(of resource: ResourceName) -> ResourceSnapshot? {
        table.snapshot(of: resource)
    }

    func list(prefix: String, after cursor: ResourceName?, limit: Int) -> ResourcePage {
        table.list(prefix: prefix, after: cursor, limit: limit)
    }

    func countProtocolError() {
        protocolErrorsTotal += 1
    }

    /// The counters STATS reports, by their documented names.
    func statistics() -> [StatsCounter] {
        let counters = table.counters
        return [
            StatsCounter(name: "connections", value: UInt64(connectionCount)),
            StatsCounter(name: "connections_backed_up", value: UInt64(backedUpConnectionCount)),
            // The table's count: open sessions, and closed ones whose detached locks live on.
            StatsCounter(name: "sessions", value: UInt64(counters.sessions)),
            StatsCounter(name: "resources", value: UInt64(counters.resources)),
            StatsCounter(name: "locks_held", value: UInt64(counters.locksHeld)),
            StatsCounter(name: "waiters", value: UInt64(counters.waiters)),
            StatsCounter(name: "grants_total", value: counters.grantsTotal),
            StatsCounter(name: "releases_total", value: counters.releasesTotal),
            StatsCounter(name: "expiries_total", value: counters.expiriesTotal),
            StatsCounter(name: "silent_expiries_total", value: counters.silentExpiriesTotal),
            StatsCounter(name: "timeouts_total", value: counters.timeoutsTotal),
            StatsCounter(name: "lost_total", value: counters.lostTotal),
            StatsCounter(name: "cancels_total", value: counters.cancelsTotal),
            StatsCounter(name: "force_releases_total", value: counters.forceReleasesTotal),
            StatsCounter(name: "protocol_errors_total", value: protocolErrorsTotal),
            StatsCounter(name: "quota_rejections_total", value: counters.quotaRejectionsTotal),
            StatsCounter(name: "fencing_high_water", value: table.fencing.reservedThrough),
            StatsCounter(name: "grace_remaining_ms", value: table.graceDeadline.map { Self.now().millisecondsUntil($0) } ?? 0),
            StatsCounter(name: "state_persist_failures_total", value: statePersistFailuresTotal),
        ] + upstreamStatistics()
    }

    /// The upstream's counters, in upstream mode only.
    private func upstreamStatistics() -> [StatsCounter] {
        guard let upstream = upstreamLocks else { return [] }
        let counters = upstream.counters
        return [
            StatsCounter(name: "upstream_connected", value: upstream.isConnected ? 1 : 0),
            StatsCounter(name: "upstream_admissions_total", value: counters.admissionsTotal),
            StatsCounter(name: "upstream_unavailable_total", value: counters.unavailableTotal),
            StatsCounter(name: "upstream_wakeups_total", value: counters.wakeupsTotal),
            StatsCounter(name: "upstream_lost_total", value: counters.lostTotal),
            StatsCounter(name: "upstream_errors_total", value: counters.errorsTotal),
        ]
    }

    /// Marks the state directory as in use by a running daemon, once the
    /// socket is ours: from now on an unclean stop leaves outstanding exactly
    /// the detached leases up to the table's horizon. During a grace period
    /// the previous run's horizon stays on record instead.
    func recordRunning() throws {
        guard table.graceDeadline == nil else { return }
        try stateStore.persistLeaseHorizon(table.leaseHorizon)
    }

    // MARK: - Supervision

    /// Starts the periodic work that tells systemd and the operator how the
    /// daemon is doing: `WATCHDOG=1` at half of `WATCHDOG_USEC`, sent from
    /// this loop (the one that owns the table), so a wedged loop misses its
    /// pings and systemd restarts it; a `STATUS=` line; and the idle exit,
    /// which calls `onIdle` once.
    func startSupervision(onIdle: @escaping @Sendable () -> Void) {
        let service = NIOLoopBound(self, eventLoop: eventLoop)
        if let watchdogMicroseconds = Systemd.watchdogMicroseconds() {
            let interval = TimeAmount.microseconds(Int64(clamping: watchdogMicroseconds / 2))
            supervisionTasks.append(eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                Systemd.notify("WATCHDOG=1\nSTATUS=\(service.value.statusLine)")
            })
        } else if Systemd.isNotifying {
            supervisionTasks.append(eventLoop.scheduleRepeatedTask(initialDelay: .seconds(5), delay: .seconds(5)) { _ in
                Systemd.notify("STATUS=\(service.value.statusLine)")
            })
        }
        if let idleMilliseconds = configuration.exitIdleAfterMilliseconds {
            let period = TimeAmount.milliseconds(min(max(idleMilliseconds / 4, 10), 1000))
            supervisionTasks.append(eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { task in
                guard service.value.hasBeenIdle(forMilliseconds: idleMilliseconds) else { return }
                task.cancel()
                service.value.logger.notice("exiting after idling", metadata: ["idle_ms": "\(idleMilliseconds)"])
                onIdle()
            })
        }
    }

    /// A one-line summary for systemd's `STATUS=`.
    var statusLine: String {
        let counters = table.counters
        return "\(connectionCount) connections, \(counters.locksHeld) locks held, \(counters.waiters) waiting"
            + (table.graceDeadline == nil ? "" : ", grace period")
    }

    /// True once the daemon has had no connection, hold or waiter for the
    /// given time, as seen by successive calls.
    private func hasBeenIdle(forMilliseconds milliseconds: Int64) -> Bool {
        let counters = table.counters
        guard connectionCount == 0, counters.locksHeld == 0, counters.waiters == 0 else {
            idleSince = nil
            return false
        }
        let now = Self.now()
        guard let since = idleSince else {
            idleSince = now
            return false
        }
        return now.milliseconds(since: since) >= UInt64(milliseconds)
    }

    // MARK: - Shutdown

    /// Stops serving: every queued acquire is answered SHUTTING_DOWN, every
    /// connection is closed once its answers are written. Holds die with the
    /// process; the fencing high-water is already durable.
    func shutDown() -> EventLoopFuture<Void> {
        isShuttingDown = true
        for task in supervisionTasks { task.cancel() }
        supervisionTasks = []
        wheelTimer?.cancel()
        wheelTimer = nil
        for (session, ticket) in table.removeAllWaiters() {
            sessions[session]?.answerFailure(ticket: ticket, type: .acquire, status: .shuttingDown, message: "the daemon is shutting down")
        }
        let closed = sessions.values.map { $0.closeAfterFlush() }
        return EventLoopFuture.andAllComplete(closed, on: eventLoop).assumeIsolated().map { [self] in
            // Every hold is gone with this process. A grace period still owed to
            // a crashed earlier run stays on record.
            guard table.graceDeadline == nil else { return }
            do {
                try stateStore.markClean()
            } catch {
                logger.error("cannot record the clean shutdown; the next start keeps a grace period", metadata: ["error": "\(error)"])
            }
        }.nonisolated()
    }

    // MARK: - Actions and time

    /// Performs the engine's actions in order, each once. A reservation is
    /// made durable before the grants after it are delivered.
    ///
    /// Re-entrant calls add to the queue and return: delivering an answer can
    /// close its connection on the spot (a failed flush), and the close
    /// calls into the engine, whose actions join the end of this queue. (A
    /// nested run over the whole queue sent every answer before it twice.)
    private func performActions() {
        guard !performingActions else { return }
        performingActions = true
        defer { performingActions = false }
        var next = 0
        while next < actions.count {
            let action = actions[next]
            next += 1
            perform(action)
        }
        actions.removeAll(keepingCapacity: true)
    }

    private func perform(_ action: LockAction) {
        switch action {
        case .persistFencingHighWater(let highWater):
            do {
                try stateStore.persistFencingHighWater(highWater)
            } catch {
                // Tokens stay increasing in this run; only a restart before the
                // next successful write could reuse them. Loud, counted, not fatal.
                statePersistFailuresTotal += 1
                logger.critical("cannot persist the fencing high-water", metadata: ["error": "\(error)", "high_water": "\(highWater)"])
            }
        case .persistLeaseHorizon(let horizon):
            do {
                try stateStore.persistLeaseHorizon(horizon)
            } catch {
                // Only a crash before the next successful write could shorten the grace period.
                statePersistFailuresTotal += 1
                logger.critical("cannot persist the lease horizon", metadata: ["error": "\(error)"])
            }
        case .granted(let grant):
            if grant.ttlMilliseconds > 0 {
                armWheel(covering: Self.now().adding(milliseconds: grant.ttlMilliseconds))
            }
            sessions[grant.session]?.answerGranted(grant)
        case .waitTimedOut(let session, let ticket):
            sessions[session]?.answerFailure(ticket: ticket, type: .acquire, status: .waitTimeout, message: "wait timed out")
        case .lost(let notice):
            logger.info("lock lost", metadata: [
                "resource": "\(notice.resource)", "owner": "\(notice.owner)", "reason": "\(notice.reason)", "token": "\(notice.fencingToken)",
            ])
            sessions[notice.session]?.pushLost(notice)
        case .refused(let session, let ticket, .notGranted):
            sessions[session]?.answerFailure(ticket: ticket, type: .acquire, status: .notGranted, message: "held by another broker")
        case .refused(let session, let ticket, .upstreamFailed):
            sessions[session]?.answerFailure(
                ticket: ticket, type: .acquire, status: .internal, message: "the upstream answered unexpectedly (logged)"
            )
        case .refused(let session, let ticket, .upstreamUnavailable):
            sessions[session]?.answerFailure(
                ticket: ticket, type: .acquire, status: .upstreamUnavailable, message: "the upstream is unavailable"
            )
        case .admit(let request):
            upstreamLocks?.admit(request)
        case .releaseUpstream(let resource, let token):
            let done = upstreamLocks?.release(resource, fencingToken: token)
            if let done, collectingUpstreamReleases { upstreamReleases.append(done) }
        case .extendUpstream(let resource, let token, let ttlMilliseconds):
            upstreamLocks?.extend(resource, fencingToken: token, ttlMilliseconds: ttlMilliseconds)
        }
    }

    /// Makes sure the wheel timer fires no later than the tick after `deadline`.
    private func armWheel(covering deadline: Instant) {
        let tick = configuration.lockTable.tickNanoseconds
        let fireAt = Instant(nanoseconds: (deadline.nanoseconds / tick + 1) &* tick)
        if let armed = wheelTimerDeadline, armed <= fireAt { return }
        arm(at: fireAt)
    }

    private func arm(at instant: Instant) {
        wheelTimer?.cancel()
        wheelTimerDeadline = instant
        wheelTimer = eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(instant.nanoseconds)) { [self] in
            wheelTimerFired()
        }
    }

    private func wheelTimerFired() {
        wheelTimer = nil
        wheelTimerDeadline = nil
        guard !isShuttingDown else { return }
        let done = table.advance(to: Self.now(), into: &actions)
        performActions()
        if !done {
            // More is due than one bounded step does: go on after pending I/O.
            // The next step is due a little in the future, not now: NIO runs
            // every task that is ready before it polls again, so a step due at
            // once would run in this same tick and the budget would bound
            // nothing.
            arm(at: Instant(nanoseconds: Self.now().nanoseconds + Self.stepGapNanoseconds))
        } else if let next = table.nextAdvance() {
            arm(at: next)
        }
    }
}
