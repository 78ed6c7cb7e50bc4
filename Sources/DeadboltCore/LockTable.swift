/// The lock engine: who holds which lock, who waits for it, and when leases end.
///
/// A pure state machine in the manner of postgres-nio's: events go in (acquire,
/// release, renew, a session closing, the clock advancing) and what happened
/// comes out, as the call's result and as ``LockAction``s appended to the
/// caller's buffer. It never reads a clock, never blocks and never calls out,
/// so every rule can be driven by a test with a manual clock.
///
/// Rules (docs/ARCHITECTURE.md has the full list):
/// - Exclusive holds exclude everything; shared holds exclude exclusive ones.
/// - Queues are strictly FIFO per resource. A request that finds a queue waits
///   behind it even if it could be granted, so a queued writer blocks later
///   readers. Consecutive shared requests at the head are granted together.
/// - A lease starts at the grant. A lease is treated as over by any call on its
///   resource once `now >= deadline`, and the wheel ends it at the first
///   `advance` in a later tick: never early, at most one tick late.
/// - Everything `advance` finds due is one instant: all due leases end and all
///   due waits time out first, then the affected queues are served.
/// - During a grace period (after an unclean restart) nothing is granted:
///   tries are refused, waits queue, and the queues are served when it ends.
public struct LockTable: Sendable {
    public let configuration: LockTableConfiguration
    public private(set) var counters = LockCounters()
    public private(set) var fencing: FencingTokenAllocator
    /// Until then nothing is granted; `nil` once over (or if there was none).
    public private(set) var graceDeadline: Instant?
    /// The durable lease horizon: no detached lease ends after it.
    public private(set) var leaseHorizon: Instant

    var wheel: TimerWheel
    var resourceIndex = ResourceIndex()
    var resources = Slab<ResourceRecord>()
    var holders = Slab<HolderRecord>()
    var waiters = Slab<WaiterRecord>()
    var sessionIndex: [SessionID: Int32] = [:]
    var sessions = Slab<SessionRecord>()
    /// Holds and queued requests per uid, for the per-uid limits; kept only
    /// when a per-uid limit is set (it costs a hash per hold and wait).
    var uidUsage: [UInt32: UIDUsage] = [:]
    let tracksUIDUsage: Bool
    /// Upstream admission: the waiter each outstanding admission is for.
    var admissions: [UInt64: Int32] = [:]
    var nextAdmission: UInt64 = 1
    /// Reused by `advance` so that a quiet tick allocates nothing.
    private var firedScratch: [UInt64] = []
    private var touchedScratch: [Int32] = []

    /// A table whose fencing tokens start above `fencingFloor` (the high-water
    /// persisted by the previous run) and whose clock starts at `now`.
    ///
    /// After an unclean stop, pass the previous run's lease horizon as
    /// `graceUntil`: holders of detached leases may still believe they hold,
    /// so nothing is granted until then (at most `maxTTLMilliseconds` from now).
    public init(configuration: LockTableConfiguration = .init(), fencingFloor: UInt64 = 0, graceUntil: Instant? = nil, now: Instant) {
        self.configuration = configuration
        self.tracksUIDUsage = configuration.maxLocksPerUID != .max || configuration.maxWaitersPerUID != .max
        self.fencing = FencingTokenAllocator(floor: fencingFloor, reservationSize: configuration.fencingReservationSize)
        self.wheel = TimerWheel(tickNanoseconds: configuration.tickNanoseconds, start: now)
        if let graceUntil, graceUntil > now, configuration.admission == .local {
            self.graceDeadline = min(graceUntil, now.adding(milliseconds: configuration.maxTTLMilliseconds))
        }
        self.leaseHorizon = graceDeadline ?? now
    }

    /// Prepares storage for `locks` holds, to keep growth out of a benchmark.
    public mutating func reserveCapacity(locks: Int) {
        withResourceHashes { index, hashOf in index.reserveCapacity(locks, hashOf: hashOf) }
        resources.reserveCapacity(locks)
        holders.reserveCapacity(locks)
        wheel.reserveCapacity(locks)
    }

    // MARK: - Sessions

    /// Makes a session known. Every other call names an open session.
    public mutating func openSession(_ id: SessionID, peer: Peer) {
        precondition(sessionIndex[id] == nil, "session \(id) opened twice")
        sessionIndex[id] = sessions.insert(SessionRecord(id: id, peer: peer))
        counters.sessions += 1
    }

    /// Ends a session: its queued requests leave their queues unanswered, its
    /// session-bound holds are released (and the next waiters served), and its
    /// detached holds live on until released or their leases end. A grace
    /// period that is due ends after the session is gone, so none of its
    /// requests is granted on the way out.
    public mutating func closeSession(_ id: SessionID, now: Instant, into actions: inout [LockAction]) {
        guard let session = sessionIndex.removeValue(forKey: id) else { return }
        var touched: [Int32] = []
        var waiter = sessions[session].firstWaiter
        while waiter != noIndex {
            let next = waiters[waiter].nextInSession
            touched.append(waiters[waiter].resource)
            removeWaiter(waiter, timerFired: false)
            waiter = next
        }
        // Only the session-bound holds: the detached ones are on a list of their own.
        var holder = sessions[session].firstHolder
        while holder != noIndex {
            let next = holders[holder].nextInSession
            touched.append(holders[holder].resource)
            counters.releasesTotal += 1
            removeHolder(holder, timerFired: false, lost: nil, into: &actions)
            holder = next
        }
        sessions[session].isOpen = false
        collectSessionIfDone(session)
        endGraceIfDue(now: now, into: &actions)
        for resource in touched { settle(resource, now: now, into: &actions) }
    }

    // MARK: - Acquire

    /// Grants, queues or refuses a request. Grants it at once when the resource
    /// is free, or held shared with nobody queued and the request is shared.
    public mutating func acquire(_ request: LockRequest, now: Instant, into actions: inout [LockAction]) -> AcquireResult {
        guard let session = sessionIndex[request.session] else {
            preconditionFailure("acquire on unknown session \(request.session)")
        }
        if request.detached && request.ttlMilliseconds == 0 {
            return .refused(.detachedWithoutLease)
        }
        if request.ttlMilliseconds > configuration.maxTTLMilliseconds {
            return .refused(.ttlTooLong)
        }
        endGraceIfDue(now: now, into: &actions)
        let uid = sessions[session].peer.uid
        let nameHash = ResourceIndex.hash(request.resource)
        var resource = lookUp(request.resource, hash: nameHash, now: now, into: &actions)
        if let existing = resource {
            if let holder = findHolder(existing, owner: request.owner, session: session, uid: uid).match {
                return reacquire(holder, request, now: now, into: &actions)
            }
            if hasWaiter(session: session, resource: existing, owner: request.owner) {
                return .refused(.alreadyWaiting)
            }
        }
        let record = resource.map { resources[$0] }
        let grantable = graceDeadline == nil
            && (record.map { $0.firstWaiter == noIndex && ($0.holderCount == 0 || ($0.heldMode == .shared && request.mode == .shared)) } ?? true)
        if !grantable && request.wait == .noWait {
            return .refused(.notGranted)
        }
        // Queued requests count against the hold limit too, so a grant from
        // the queue never takes a session past it.
        if sessions[session].holderCount + sessions[session].waiterCount >= configuration.maxLocksPerSession {
            return refuseForQuota(.locksPerSession)
        }
        if !grantable && sessions[session].waiterCount >= configuration.maxWaitersPerSession {
            return refuseForQuota(.waitersPerSession)
        }
        let usage = uidUsage[uid] ?? UIDUsage()
        if usage.holders + usage.waiters >= configuration.maxLocksPerUID {
            return refuseForQuota(.locksPerUID)
        }
        if !grantable && usage.waiters >= configuration.maxWaitersPerUID {
            return refuseForQuota(.waitersPerUID)
        }
        if resource == nil {
            if resources.count >= configuration.maxResources { return refuseForQuota(.resources) }
            let created = resources.insert(ResourceRecord(name: request.resource, nameHash: nameHash))
            withResourceHashes { index, hashOf in index.insert(hash: nameHash, index: created, hashOf: hashOf) }
            counters.resources += 1
            resource = created
        }
        if grantable && configuration.admission == .local {
            let holder = insertHolder(
                resource: resource!, session: session, owner: request.owner, mode: request.mode,
                ttlMilliseconds: request.ttlMilliseconds, detached: request.detached, token: nil, now: now, into: &actions
            )
            return .granted(grant(holder, ticket: request.ticket, now: now))
        }
        // Upstream admission: even a grantable request (or a try) queues while
        // the upstream is asked; settle asks it.
        let waiter = enqueue(request, resource: resource!, session: session, now: now)
        if configuration.admission == .upstream {
            waiters[waiter].tryOnce = request.wait == .noWait
            settle(resource!, now: now, into: &actions)
        }
        return .queued
    }

    /// The owner holds the resource already: nest, or refuse at once.
    private mutating func reacquire(_ holder: Int32, _ request: LockRequest, now: Instant, into actions: inout [LockAction]) -> AcquireResult {
        guard request.reentrant, request.mode == .exclusive, holders[holder].mode == .exclusive else {
            return .refused(.alreadyHeld)
        }
        holders[holder].holdCount += 1
        // A nested acquire with a lease renews the hold's lease; without one it keeps it.
        if request.ttlMilliseconds > 0 {
            setLease(holder, ttlMilliseconds: request.ttlMilliseconds, now: now, into: &actions)
            extendUpstream(holder, ttlMilliseconds: request.ttlMilliseconds, into: &actions)
        }
        counters.grantsTotal += 1
        var nested = grant(holder, ticket: request.ticket, now: now)
        nested.session = request.session  // the requester, which may be another session of the owner's uid
        return .granted(nested)
    }

    private mutating func refuseForQuota(_ quota: Quota) -> AcquireResult {
        counters.quotaRejectionsTotal += 1
        return .refused(.quotaExceeded(quota))
    }

    @discardableResult
    private mutating func enqueue(_ request: LockRequest, resource: Int32, session: Int32, now: Instant) -> Int32 {
        var waitDeadline = noDeadline
        if case .milliseconds(let milliseconds) = request.wait {
            waitDeadline = now.adding(milliseconds: milliseconds).nanoseconds
        }
        let waiter = waiters.insert(WaiterRecord(
            resource: resource, session: session, ttlMilliseconds: request.ttlMilliseconds,
            ticket: request.ticket, owner: request.owner, enqueuedAt: now.nanoseconds,
            waitDeadline: waitDeadline, mode: request.mode, detached: request.detached
        ))
        if waitDeadline != noDeadline {
            waiters[waiter].timer = wheel.schedule(deadline: Instant(nanoseconds: waitDeadline), payload: UInt64(TimerPayload.wait(waiter))).index
        }
        linkWaiter(waiter)
        counters.waiters += 1
        return waiter
    }

    // MARK: - Release, renew, force-release, cancel

    /// Gives up one hold of `owner` (one level of a reentrant hold).
    public mutating func release(
        resource name: ResourceName, owner: OwnerName, session id: SessionID, now: Instant, into actions: inout [LockAction]
    ) -> ReleaseResult {
        let (resource, holder): (Int32, Int32)
        switch ownHold(of: owner, on: name, session: id, now: now, into: &actions) {
        case .success(let found): (resource, holder) = found
        case .failure(.lockUnexist): return .lockUnexist
        case .failure(.belongsToOthers): return .belongsToOthers
        case .failure(.permissionDenied): return .permissionDenied
        }
        holders[holder].holdCount -= 1
        let remaining = holders[holder].holdCount
        if remaining == 0 {
            counters.releasesTotal += 1
            removeHolder(holder, timerFired: false, lost: nil, into: &actions)
            settle(resource, now: now, into: &actions)
        }
        return .released(remainingHoldCount: remaining)
    }

    /// Sets the lease of `owner`'s hold to end `ttlMilliseconds` from now;
    /// 0 removes the lease (not allowed for a detached hold).
    public mutating func renew(
        resource name: ResourceName, owner: OwnerName, session id: SessionID, ttlMilliseconds: UInt32,
        now: Instant, into actions: inout [LockAction]
    ) -> RenewResult {
        if ttlMilliseconds > configuration.maxTTLMilliseconds { return .ttlTooLong }
        let holder: Int32
        switch ownHold(of: owner, on: name, session: id, now: now, into: &actions) {
        case .success(let found): holder = found.holder
        case .failure(.lockUnexist): return .lockUnexist
        case .failure(.belongsToOthers): return .belongsToOthers
        case .failure(.permissionDenied): return .permissionDenied
        }
        if ttlMilliseconds == 0 && holders[holder].detached {
            return .detachedWithoutLease
        }
        setLease(holder, ttlMilliseconds: ttlMilliseconds, now: now, into: &actions)
        extendUpstream(holder, ttlMilliseconds: ttlMilliseconds, into: &actions)
        return .renewed(fencingToken: holders[holder].fencingToken, ttlMilliseconds: ttlMilliseconds)
    }

    /// Why a release or renew found no hold of its owner.
    private enum HoldMismatch: Error {
        case lockUnexist, belongsToOthers, permissionDenied
    }

    /// The resource and the hold of `owner` on it, after ending due leases.
    private mutating func ownHold(
        of owner: OwnerName, on name: ResourceName, session id: SessionID, now: Instant, into actions: inout [LockAction]
    ) -> Result<(resource: Int32, holder: Int32), HoldMismatch> {
        guard let session = sessionIndex[id] else { preconditionFailure("release or renew on unknown session \(id)") }
        endGraceIfDue(now: now, into: &actions)
        guard let resource = lookUp(name, hash: ResourceIndex.hash(name), now: now, into: &actions) else { return .failure(.lockUnexist) }
        let found = findHolder(resource, owner: owner, session: session, uid: sessions[session].peer.uid)
        guard let holder = found.match else {
            if found.otherUID { return .failure(.permissionDenied) }
            return .failure(resources[resource].holderCount == 0 ? .lockUnexist : .belongsToOthers)
        }
        return .success((resource, holder))
    }

    /// Takes every hold on a resource away, telling open holders, and serves
    /// its queue. Who may do this is the caller's decision. Returns the number
    /// of holds removed.
    public mutating func forceRelease(resource name: ResourceName, now: Instant, into actions: inout [LockAction]) -> Int {
        endGraceIfDue(now: now, into: &actions)
        guard let resource = lookUp(name, hash: ResourceIndex.hash(name), now: now, into: &actions) else { return 0 }
        var removed = 0
        while case let holder = resources[resource].firstHolder, holder != noIndex {
            counters.forceReleasesTotal += 1
            removeHolder(holder, timerFired: false, lost: .forceReleased, into: &actions)
            removed += 1
        }
        settle(resource, now: now, into: &actions)
        return removed
    }

    /// Removes a queued request of `session` by its ticket. Returns false when
    /// no such request is queued (already granted, timed out, or never queued).
    /// The caller answers the cancelled request.
    public mutating func cancel(session id: SessionID, ticket: Ticket, now: Instant, into actions: inout [LockAction]) -> Bool {
        guard let session = sessionIndex[id] else { return false }
        endGraceIfDue(now: now, into: &actions)
        var waiter = sessions[session].firstWaiter
        while waiter != noIndex, waiters[waiter].ticket != ticket {
            waiter = waiters[waiter].nextInSession
        }
        guard waiter != noIndex else { return false }
        let resource = waiters[waiter].resource
        removeWaiter(waiter, timerFired: false)
        counters.cancelsTotal += 1
        settle(resource, now: now, into: &actions)
        return true
    }

    /// Empties every queue, for shutdown. Returns the removed requests in no
    /// particular order so the caller can answer each one.
    public mutating func removeAllWaiters() -> [(session: SessionID, ticket: Ticket)] {
        var removed: [(session: SessionID, ticket: Ticket)] = []
        for resource in resourceIndex.indices {
            while case let waiter = resources[resource].firstWaiter, waiter != noIndex {
                removed.append((sessions[waiters[waiter].session].id, waiters[waiter].ticket))
                removeWaiter(waiter, timerFired: false)
            }
            freeIfEmpty(resource)
        }
        return removed
    }

    // MARK: - Time

    /// Ends the leases and waits whose ticks have fully passed by `now`, then
    /// serves the queues they touched. Does bounded work; returns false when
    /// more is due, and the caller should call again soon (without waiting for
    /// ``nextAdvance()``).
    public mutating func advance(to now: Instant, into actions: inout [LockAction]) -> Bool {
        endGraceIfDue(now: now, into: &actions)
        firedScratch.removeAll(keepingCapacity: true)
        touchedScratch.removeAll(keepingCapacity: true)
        let done = wheel.advance(
            to: now, workBudget: configuration.timerWorkPerAdvance, maxFired: configuration.maxExpiriesPerAdvance, fired: &firedScratch
        )
        for payload in firedScratch {
            let index = TimerPayload.index(UInt32(truncatingIfNeeded: payload))
            if TimerPayload.isWait(UInt32(truncatingIfNeeded: payload)) {
                let waiter = index
                touchedScratch.append(waiters[waiter].resource)
                let session = sessions[waiters[waiter].session].id, ticket = waiters[waiter].ticket
                if waiters[waiter].upstreamUnavailable {
                    actions.append(.refused(session: session, ticket: ticket, .upstreamUnavailable))
                } else {
                    actions.append(.waitTimedOut(session: session, ticket: ticket))
                }
                counters.timeoutsTotal += 1
                removeWaiter(waiter, timerFired: true)
            } else {
                touchedScratch.append(holders[index].resource)
                counters.expiriesTotal += 1
                removeHolder(index, timerFired: true, lost: .leaseExpired, into: &actions)
            }
        }
        for resource in touchedScratch { settle(resource, now: now, into: &actions) }
        return done
    }

    /// When ``advance(to:into:)`` next has work; `nil` when no lease or wait is
    /// pending. The caller arms one timer for it.
    public func nextAdvance() -> Instant? {
        guard let graceDeadline else { return wheel.nextAdvance() }
        return min(graceDeadline, wheel.nextAdvance() ?? graceDeadline)
    }

    /// Ends the grace period once `now` reaches its deadline, and serves every
    /// queue that formed during it.
    private mutating func endGraceIfDue(now: Instant, into actions: inout [LockAction]) {
        guard let graceDeadline, now >= graceDeadline else { return }
        self.graceDeadline = nil
        for resource in resourceIndex.indices { settle(resource, now: now, into: &actions) }
    }

    // MARK: - Internals

    /// Lends the resource index out for a change, with a way to read any
    /// record's name hash. (The records are read through a second reference
    /// that ends with the call, before the next change to them, so they are
    /// never copied.)
    private mutating func withResourceHashes(_ body: (inout ResourceIndex, (Int32) -> UInt32) -> Void) {
        let records = resources
        body(&resourceIndex) { records[$0].nameHash }
    }

    /// The record named `name`, if any.
    func find(_ name: ResourceName, hash: UInt32) -> Int32? {
        resourceIndex.find(hash: hash) { resources[$0].nameHash == hash && resources[$0].name == name }
    }

    /// The live record for `name`, after ending any of its leases that are due
    /// at `now` (so no call ever honours a lease past its deadline, however far
    /// behind the wheel is). `nil` when nobody holds or waits for it.
    mutating func lookUp(_ name: ResourceName, hash: UInt32, now: Instant, into actions: inout [LockAction]) -> Int32? {
        guard let resource = find(name, hash: hash) else { return nil }
        var due: [Int32] = []  // allocates only when a lease is due
        var holder = resources[resource].firstHolder
        while holder != noIndex {
            if holders[holder].leaseDeadline <= now.nanoseconds { due.append(holder) }
            holder = holderAfter(holder)
        }
        guard !due.isEmpty else { return resource }
        for holder in due {
            counters.expiriesTotal += 1
            removeHolder(holder, timerFired: false, lost: .leaseExpired, into: &actions)
        }
        settle(resource, now: now, into: &actions)
        return resources[resource].live ? resource : nil
    }

    /// The hold of `owner` on `resource`: for the session's own name, the
    /// session's hold; for a named owner, the hold with that name and uid.
    /// `otherUID` tells that the name is held, but by another uid.
    func findHolder(_ resource: Int32, owner: OwnerName, session: Int32, uid: UInt32) -> (match: Int32?, otherUID: Bool) {
        var otherUID = false
        var holder = resources[resource].firstHolder
        while holder != noIndex {
            let record = holders[holder]
            if owner.isSession {
                if record.owner.isSession && record.session == session { return (holder, false) }
            } else if record.owner == owner {
                if sessions[record.session].peer.uid == uid { return (holder, false) }
                otherUID = true
            }
            holder = holderAfter(holder)
        }
        return (nil, otherUID)
    }

    /// True if `session` already has a request for `resource` queued by `owner`.
    private func hasWaiter(session: Int32, resource: Int32, owner: OwnerName) -> Bool {
        var waiter = sessions[session].firstWaiter
        while waiter != noIndex {
            if waiters[waiter].resource == resource && waiters[waiter].owner == owner { return true }
            waiter = waiters[waiter].nextInSession
        }
        return false
    }

    /// The grant of `holder`, with the lease it has left from `now`: the TTL
    /// asked for on a fresh grant, what remains after a nested acquire.
    func grant(_ holder: Int32, ticket: Ticket, now: Instant) -> Grant {
        let record = holders[holder]
        let leftMilliseconds = record.leaseDeadline == noDeadline ? 0 : now.millisecondsUntil(Instant(nanoseconds: record.leaseDeadline))
        return Grant(
            session: sessions[record.session].id, ticket: ticket, resource: resources[record.resource].name,
            owner: record.owner, mode: record.mode, fencingToken: record.fencingToken,
            holdCount: record.holdCount, ttlMilliseconds: UInt32(clamping: leftMilliseconds)
        )
    }

    /// Creates a hold with a fresh fencing token (the upstream's, if given),
    /// asking for a durable reservation first when the token is beyond the
    /// current one.
    mutating func insertHolder(
        resource: Int32, session: Int32, owner: OwnerName, mode: LockMode, ttlMilliseconds: UInt32,
        detached: Bool, token upstreamToken: UInt64?, now: Instant, into actions: inout [LockAction]
    ) -> Int32 {
        precondition(
            resources[resource].holderCount == 0 || (resources[resource].heldMode == .shared && mode == .shared),
            "conflicting grant on \(resources[resource].name)"
        )
        let token: UInt64
        if let upstreamToken {
            token = upstreamToken
        } else {
            let (issued, reservation) = fencing.issue()
            if let reservation { actions.append(.persistFencingHighWater(reservation)) }
            token = issued
        }
        let holder = holders.insert(HolderRecord(
            resource: resource, session: session, owner: owner, fencingToken: token,
            leaseDeadline: noDeadline, grantedAt: now.nanoseconds, mode: mode, detached: detached
        ))
        if ttlMilliseconds > 0 { setLease(holder, ttlMilliseconds: ttlMilliseconds, now: now, into: &actions) }
        linkHolder(holder)
        counters.locksHeld += 1
        counters.grantsTotal += 1
        return holder
    }

    /// Replaces a hold's lease with one ending `ttlMilliseconds` from `now`
    /// (no lease for 0). A detached lease beyond the durable lease horizon
    /// first moves the horizon past it.
    mutating func setLease(_ holder: Int32, ttlMilliseconds: UInt32, now: Instant, into actions: inout [LockAction]) {
        if holders[holder].timer != noIndex {
            wheel.cancel(TimerHandle(index: holders[holder].timer))
            holders[holder].timer = noIndex
        }
        guard ttlMilliseconds > 0 else {
            holders[holder].leaseDeadline = noDeadline
            return
        }
        let deadline = now.adding(milliseconds: ttlMilliseconds)
        if holders[holder].detached && deadline > leaseHorizon && configuration.admission == .local {
            leaseHorizon = deadline.adding(milliseconds: configuration.leaseHorizonSlackMilliseconds)
            actions.append(.persistLeaseHorizon(leaseHorizon))
        }
        holders[holder].leaseDeadline = deadline.nanoseconds
        holders[holder].timer = wheel.schedule(deadline: deadline, payload: UInt64(TimerPayload.lease(holder))).index
    }

    /// Removes a hold. With a `lost` reason, tells its session if open (or
    /// counts a silent expiry). Does not serve the queue: call `settle`.
    mutating func removeHolder(_ holder: Int32, timerFired: Bool, lost: LostReason?, into actions: inout [LockAction]) {
        let record = holders[holder]
        if !timerFired && record.timer != noIndex {
            wheel.cancel(TimerHandle(index: record.timer))
        }
        if let lost {
            if sessions[record.session].isOpen {
                counters.lostTotal += 1
                actions.append(.lost(LostNotice(
                    session: sessions[record.session].id, resource: resources[record.resource].name,
                    owner: record.owner, fencingToken: record.fencingToken, reason: lost
                )))
            } else if lost == .leaseExpired {
                // Only a lease that ran out is an expiry; a force-release of an
                // orphaned detached hold is counted in forceReleasesTotal alone.
                counters.silentExpiriesTotal += 1
            }
        }
        if configuration.admission == .upstream && lost != .upstreamLost {
            actions.append(.releaseUpstream(resource: resources[record.resource].name, fencingToken: record.fencingToken))
        }
        unlinkHolder(holder)
        holders.remove(at: holder)
        counters.locksHeld -= 1
        collectSessionIfDone(record.session)
    }

    mutating func removeWaiter(_ waiter: Int32, timerFired: Bool) {
        if !timerFired && waiters[waiter].timer != noIndex {
            wheel.cancel(TimerHandle(index: waiters[waiter].timer))
        }
        if waiters[waiter].admission != 0 { admissions[waiters[waiter].admission] = nil }
        unlinkWaiter(waiter)
        waiters.remove(at: waiter)
        counters.waiters -= 1
    }

    /// Serves the queue of `resource` from its head: grants while the head is
    /// compatible with the holders, so consecutive shared requests go together.
    /// Then drops the record if nobody holds or waits. Idempotent.
    mutating func settle(_ resource: Int32, now: Instant, into actions: inout [LockAction]) {
        guard resources[resource].live else { return }
        if configuration.admission == .upstream { return admitFromQueue(resource, into: &actions) }
        while graceDeadline == nil, case let waiter = resources[resource].firstWaiter, waiter != noIndex {
            let record = waiters[waiter]
            let held = resources[resource]
            guard held.holderCount == 0 || (held.heldMode == .shared && record.mode == .shared) else { break }
            removeWaiter(waiter, timerFired: false)
            let holder = insertHolder(
                resource: resource, session: record.session, owner: record.owner, mode: record.mode,
                ttlMilliseconds: record.ttlMilliseconds, detached: record.detached, token: nil, now: now, into: &actions
            )
            actions.append(.granted(grant(holder, ticket: record.ticket, now: now)))
        }
        freeIfEmpty(resource)
    }

    mutating func freeIfEmpty(_ resource: Int32) {
        guard resources[resource].live, resources[resource].holderCount == 0, resources[resource].firstWaiter == noIndex else { return }
        let nameHash = resources[resource].nameHash
        withResourceHashes { index, hashOf in index.remove(hash: nameHash, index: resource, hashOf: hashOf) }
        resources[resource].live = false
        resources.remove(at: resource)
        counters.resources -= 1
    }

    /// Forgets a closed session once it owns nothing.
    private mutating func collectSessionIfDone(_ session: Int32) {
        let record = sessions[session]
        guard record.live, !record.isOpen, record.holderCount == 0, record.waiterCount == 0 else { return }
        sessions[session].live = false
        sessions.remove(at: session)
        counters.sessions -= 1
    }
}
