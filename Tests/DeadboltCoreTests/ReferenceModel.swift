import DeadboltCore

/// A deliberately naive executable specification of ``LockTable``.
///
/// Plain arrays and dictionaries, linear scans, and no timer wheel: what is
/// due is found by scanning every deadline. Each rule below is the one stated
/// in a doc comment of Sources/DeadboltCore, written out the obvious way, so
/// that when the engine and the model disagree the disagreement names a rule.
///
/// The model speaks its own small vocabulary (``ModelGrant``, ``ModelAction``,
/// ``ResourceView``, ``ModelCounters``) rather than constructing the engine's
/// types, whose initializers are internal. `ModelBasedTests` converts the
/// engine's outputs into this vocabulary and compares.
///
/// Rules mirrored (LockTable.swift):
/// - Exclusive excludes everything; shared excludes exclusive. Queues are FIFO:
///   a request that finds a queue waits behind it; the head of a queue is
///   served while it is compatible with the holders.
/// - Lazy expiry: `acquire`, `release`, `renew` and `forceRelease` first end
///   every lease of their resource with `deadline <= now` (LOST for open
///   sessions, silently for detached holds of closed ones), serve that queue,
///   and only then do their own work. Waits are never timed out lazily, and
///   `cancel` and `closeSession` do not expire leases.
/// - `advance(to: now)` ends every lease and every wait whose deadline lies in a
///   tick that has fully passed (`deadline < floor(now / tick) * tick`), all of
///   them first, and then serves the queues it touched.
/// - A detached request needs a lease, and no TTL may exceed
///   `maxTTLMilliseconds`; both are refused before anything else happens.
/// - One fencing counter for the table; a token beyond the reservation asks
///   for a new reservation of `fencingReservationSize` first.
/// - A detached lease that would end after the durable lease horizon first
///   moves the horizon to its end plus `leaseHorizonSlackMilliseconds`.
/// - Grace period (after an unclean restart): until it ends nothing is granted
///   (tries are refused, waits queue). Every call but `openSession` first ends
///   it once `now >= graceDeadline` and then serves every queue, in an order
///   the engine does not specify (the caller passes the one it saw).
struct ReferenceModel {
    struct Holder {
        var owner: OwnerName
        var session: SessionID
        var mode: LockMode
        var detached: Bool
        var fencingToken: UInt64
        var holdCount: UInt32
        /// Nanoseconds.
        var grantedAt: UInt64
        /// Nanoseconds; nil without a lease.
        var leaseDeadline: UInt64?
    }

    struct Waiter {
        var owner: OwnerName
        var session: SessionID
        var ticket: Ticket
        var mode: LockMode
        var ttlMilliseconds: UInt32
        var detached: Bool
        /// Nanoseconds.
        var enqueuedAt: UInt64
        /// Nanoseconds; nil for an unbounded wait.
        var waitDeadline: UInt64?
    }

    /// Holders in grant order, waiters in arrival order.
    struct Resource {
        var holders: [Holder] = []
        var waiters: [Waiter] = []
    }

    struct Session {
        var peer: Peer
        var isOpen: Bool
    }

    let maxLocksPerSession: Int
    let maxWaitersPerSession: Int
    let maxResources: Int
    let tickNanoseconds: UInt64
    let fencingReservationSize: UInt64
    let maxTTLMilliseconds: UInt32
    let leaseHorizonSlackMilliseconds: UInt32

    /// Only resources with a holder or a waiter are present.
    private(set) var resources: [ResourceName: Resource] = [:]
    /// Every session ever opened, open or not (the model never forgets one).
    private(set) var sessions: [SessionID: Session] = [:]
    private(set) var lastIssuedToken: UInt64
    private(set) var reservedThrough: UInt64
    /// Nanoseconds; nil once the grace period is over, or if there was none.
    private(set) var graceDeadline: UInt64?
    /// Nanoseconds: no detached lease ends after it.
    private(set) var leaseHorizon: UInt64
    /// How many of the last call's actions came from ending the grace period
    /// (they come first).
    private(set) var graceActionCount = 0
    /// Only the `…Total` fields are kept here; the gauges are counted on demand.
    private var totals = ModelCounters()

    init(configuration: LockTableConfiguration, fencingFloor: UInt64 = 0, graceUntil: Instant? = nil, now: Instant) {
        maxLocksPerSession = configuration.maxLocksPerSession
        maxWaitersPerSession = configuration.maxWaitersPerSession
        maxResources = configuration.maxResources
        tickNanoseconds = configuration.tickNanoseconds
        fencingReservationSize = configuration.fencingReservationSize
        maxTTLMilliseconds = configuration.maxTTLMilliseconds
        leaseHorizonSlackMilliseconds = configuration.leaseHorizonSlackMilliseconds
        lastIssuedToken = fencingFloor
        reservedThrough = fencingFloor
        // Grace lasts until the previous run's horizon, but never longer than the longest lease.
        if let graceUntil, graceUntil > now {
            graceDeadline = min(graceUntil.nanoseconds, Self.adding(maxTTLMilliseconds, to: now.nanoseconds))
        }
        leaseHorizon = graceDeadline ?? now.nanoseconds
    }

    // MARK: - Sessions

    mutating func openSession(_ id: SessionID, peer: Peer) {
        precondition(sessions[id] == nil, "the model never reuses a session id")
        sessions[id] = Session(peer: peer, isOpen: true)
    }

    /// Queued requests vanish unanswered, session-bound holds are released,
    /// detached ones stay. The engine does not specify in which order it serves
    /// the touched queues, so the caller passes the order it saw (`servingFirst`).
    mutating func closeSession(
        _ id: SessionID, now: Instant, graceOrder: [ResourceName] = [], servingFirst order: [ResourceName]
    ) -> [ModelAction] {
        graceActionCount = 0
        guard sessions[id]?.isOpen == true else { return [] }
        var actions: [ModelAction] = []
        var touched: [ResourceName] = []
        for name in resources.keys.sorted() {
            var resource = resources[name]!
            let waitersBefore = resource.waiters.count
            resource.waiters.removeAll { $0.session == id }
            let bound = resource.holders.filter { $0.session == id && !$0.detached }
            resource.holders.removeAll { $0.session == id && !$0.detached }
            totals.releasesTotal += UInt64(bound.count)
            if resource.waiters.count != waitersBefore || !bound.isEmpty {
                touched.append(name)
                resources[name] = resource
            }
        }
        sessions[id]!.isOpen = false
        // A due grace period ends once the session is gone, serving every queue.
        endGraceIfDue(now: now.nanoseconds, order: graceOrder, into: &actions)
        for name in Self.servingOrder(touched, first: order) {
            serveQueue(of: name, now: now.nanoseconds, into: &actions)
        }
        return actions
    }

    // MARK: - Acquire

    mutating func acquire(_ request: LockRequest, now: Instant, graceOrder: [ResourceName] = []) -> (ModelAcquireResult, [ModelAction]) {
        precondition(sessions[request.session]?.isOpen == true, "acquire on a session that is not open")
        graceActionCount = 0
        if request.detached && request.ttlMilliseconds == 0 {
            return (.refused(.detachedWithoutLease), [])
        }
        if request.ttlMilliseconds > maxTTLMilliseconds {
            return (.refused(.ttlTooLong), [])
        }
        let now = now.nanoseconds
        var actions: [ModelAction] = []
        endGraceIfDue(now: now, order: graceOrder, into: &actions)
        endLeases(of: request.resource, dueBy: now, into: &actions)

        if let resource = resources[request.resource] {
            if let index = findHolder(in: resource, owner: request.owner, session: request.session).match {
                return (reacquire(holderAt: index, of: request.resource, request, now: now, into: &actions), actions)
            }
            if resource.waiters.contains(where: { $0.session == request.session && $0.owner == request.owner }) {
                return (.refused(.alreadyWaiting), actions)
            }
        }
        let existing = resources[request.resource]
        let grantable = graceDeadline == nil
            && (existing.map { $0.waiters.isEmpty && Self.compatible(request.mode, with: $0.holders) } ?? true)
        if !grantable && request.wait == .noWait {
            return (.refused(.notGranted), actions)
        }
        let held = holdCount(of: request.session)
        let waiting = waitCount(of: request.session)
        if held + waiting >= maxLocksPerSession {
            return (refuse(.locksPerSession), actions)
        }
        if !grantable && waiting >= maxWaitersPerSession {
            return (refuse(.waitersPerSession), actions)
        }
        if existing == nil && resources.count >= maxResources {
            return (refuse(.resources), actions)
        }
        var resource = existing ?? Resource()
        if grantable {
            let token = issueToken(into: &actions)
            var holder = Holder(
                owner: request.owner, session: request.session, mode: request.mode, detached: request.detached,
                fencingToken: token, holdCount: 1, grantedAt: now, leaseDeadline: nil
            )
            setLease(of: &holder, ttlMilliseconds: request.ttlMilliseconds, now: now, into: &actions)
            resource.holders.append(holder)
            resources[request.resource] = resource
            totals.grantsTotal += 1
            return (.granted(grant(holder, resource: request.resource, ticket: request.ticket, now: now)), actions)
        }
        var waitDeadline: UInt64?
        if case .milliseconds(let milliseconds) = request.wait {
            waitDeadline = Self.adding(milliseconds, to: now)
        }
        resource.waiters.append(Waiter(
            owner: request.owner, session: request.session, ticket: request.ticket, mode: request.mode,
            ttlMilliseconds: request.ttlMilliseconds, detached: request.detached, enqueuedAt: now, waitDeadline: waitDeadline
        ))
        resources[request.resource] = resource
        return (.queued, actions)
    }

    /// The owner holds already: nest an exclusive reentrant request, refuse anything else.
    private mutating func reacquire(
        holderAt index: Int, of name: ResourceName, _ request: LockRequest, now: UInt64, into actions: inout [ModelAction]
    ) -> ModelAcquireResult {
        var resource = resources[name]!
        guard request.reentrant, request.mode == .exclusive, resource.holders[index].mode == .exclusive else {
            return .refused(.alreadyHeld)
        }
        resource.holders[index].holdCount += 1
        // A nested acquire with a lease renews the hold's lease; without one it keeps it.
        if request.ttlMilliseconds > 0 {
            setLease(of: &resource.holders[index], ttlMilliseconds: request.ttlMilliseconds, now: now, into: &actions)
        }
        resources[name] = resource
        totals.grantsTotal += 1
        var nested = grant(resource.holders[index], resource: name, ticket: request.ticket, now: now)
        nested.session = request.session
        return .granted(nested)
    }

    private mutating func refuse(_ quota: Quota) -> ModelAcquireResult {
        totals.quotaRejectionsTotal += 1
        return .refused(.quotaExceeded(quota))
    }

    // MARK: - Release, renew, force-release, cancel

    mutating func release(
        resource name: ResourceName, owner: OwnerName, session: SessionID, now: Instant, graceOrder: [ResourceName] = []
    ) -> (ReleaseResult, [ModelAction]) {
        precondition(sessions[session]?.isOpen == true, "release on a session that is not open")
        graceActionCount = 0
        var actions: [ModelAction] = []
        endGraceIfDue(now: now.nanoseconds, order: graceOrder, into: &actions)
        endLeases(of: name, dueBy: now.nanoseconds, into: &actions)
        guard var resource = resources[name] else { return (.lockUnexist, actions) }
        let found = findHolder(in: resource, owner: owner, session: session)
        guard let index = found.match else {
            if found.otherUID { return (.permissionDenied, actions) }
            return (resource.holders.isEmpty ? .lockUnexist : .belongsToOthers, actions)
        }
        resource.holders[index].holdCount -= 1
        let remaining = resource.holders[index].holdCount
        if remaining == 0 {
            resource.holders.remove(at: index)
            totals.releasesTotal += 1
        }
        resources[name] = resource
        if remaining == 0 {
            serveQueue(of: name, now: now.nanoseconds, into: &actions)
        }
        return (.released(remainingHoldCount: remaining), actions)
    }

    mutating func renew(
        resource name: ResourceName, owner: OwnerName, session: SessionID, ttlMilliseconds: UInt32, now: Instant,
        graceOrder: [ResourceName] = []
    ) -> (RenewResult, [ModelAction]) {
        precondition(sessions[session]?.isOpen == true, "renew on a session that is not open")
        graceActionCount = 0
        if ttlMilliseconds > maxTTLMilliseconds { return (.ttlTooLong, []) }
        var actions: [ModelAction] = []
        endGraceIfDue(now: now.nanoseconds, order: graceOrder, into: &actions)
        endLeases(of: name, dueBy: now.nanoseconds, into: &actions)
        guard var resource = resources[name] else { return (.lockUnexist, actions) }
        let found = findHolder(in: resource, owner: owner, session: session)
        guard let index = found.match else {
            if found.otherUID { return (.permissionDenied, actions) }
            return (resource.holders.isEmpty ? .lockUnexist : .belongsToOthers, actions)
        }
        if ttlMilliseconds == 0 && resource.holders[index].detached {
            return (.detachedWithoutLease, actions)
        }
        setLease(of: &resource.holders[index], ttlMilliseconds: ttlMilliseconds, now: now.nanoseconds, into: &actions)
        resources[name] = resource
        return (.renewed(fencingToken: resource.holders[index].fencingToken, ttlMilliseconds: ttlMilliseconds), actions)
    }

    mutating func forceRelease(resource name: ResourceName, now: Instant, graceOrder: [ResourceName] = []) -> (Int, [ModelAction]) {
        graceActionCount = 0
        var actions: [ModelAction] = []
        endGraceIfDue(now: now.nanoseconds, order: graceOrder, into: &actions)
        endLeases(of: name, dueBy: now.nanoseconds, into: &actions)
        guard let resource = resources[name] else { return (0, actions) }
        resources[name]!.holders = []
        for holder in resource.holders {
            totals.forceReleasesTotal += 1
            takeAway(holder, of: name, reason: .forceReleased, into: &actions)
        }
        serveQueue(of: name, now: now.nanoseconds, into: &actions)
        return (resource.holders.count, actions)
    }

    mutating func cancel(session: SessionID, ticket: Ticket, now: Instant, graceOrder: [ResourceName] = []) -> (Bool, [ModelAction]) {
        graceActionCount = 0
        guard sessions[session]?.isOpen == true else { return (false, []) }
        var actions: [ModelAction] = []
        endGraceIfDue(now: now.nanoseconds, order: graceOrder, into: &actions)
        for name in resources.keys.sorted() {
            guard let index = resources[name]!.waiters.firstIndex(where: { $0.session == session && $0.ticket == ticket }) else {
                continue
            }
            resources[name]!.waiters.remove(at: index)
            totals.cancelsTotal += 1
            serveQueue(of: name, now: now.nanoseconds, into: &actions)
            return (true, actions)
        }
        return (false, actions)
    }

    // MARK: - Time

    /// Ends everything whose deadline's tick has fully passed, then serves the
    /// touched queues, first those in `order` (the order the engine used, which
    /// it does not specify), then the rest.
    mutating func advance(to now: Instant, graceOrder: [ResourceName] = [], servingFirst order: [ResourceName]) -> [ModelAction] {
        graceActionCount = 0
        let boundary = now.nanoseconds / tickNanoseconds * tickNanoseconds
        var actions: [ModelAction] = []
        endGraceIfDue(now: now.nanoseconds, order: graceOrder, into: &actions)
        var touched: [ResourceName] = []
        for name in resources.keys.sorted() {
            var resource = resources[name]!
            let expired = resource.holders.filter { ($0.leaseDeadline ?? .max) < boundary }
            let timedOut = resource.waiters.filter { ($0.waitDeadline ?? .max) < boundary }
            if expired.isEmpty && timedOut.isEmpty { continue }
            resource.holders.removeAll { ($0.leaseDeadline ?? .max) < boundary }
            resource.waiters.removeAll { ($0.waitDeadline ?? .max) < boundary }
            resources[name] = resource
            for holder in expired {
                totals.expiriesTotal += 1
                takeAway(holder, of: name, reason: .leaseExpired, into: &actions)
            }
            for waiter in timedOut {
                totals.timeoutsTotal += 1
                actions.append(.waitTimedOut(session: waiter.session, ticket: waiter.ticket))
            }
            touched.append(name)
        }
        for name in Self.servingOrder(touched, first: order) {
            serveQueue(of: name, now: now.nanoseconds, into: &actions)
        }
        return actions
    }

    // MARK: - Views

    func view(of name: ResourceName) -> ResourceView? {
        guard let resource = resources[name] else { return nil }
        return ResourceView(
            holders: resource.holders.map { holder in
                let session = sessions[holder.session]!
                return HolderView(
                    owner: holder.owner, session: holder.session, peer: session.peer, sessionOpen: session.isOpen,
                    mode: holder.mode, detached: holder.detached, fencingToken: holder.fencingToken,
                    holdCount: holder.holdCount, grantedAt: holder.grantedAt, leaseDeadline: holder.leaseDeadline
                )
            },
            waiters: resource.waiters.map { waiter in
                WaiterView(
                    owner: waiter.owner, session: waiter.session, peer: sessions[waiter.session]!.peer, ticket: waiter.ticket,
                    mode: waiter.mode, enqueuedAt: waiter.enqueuedAt, waitDeadline: waiter.waitDeadline
                )
            }
        )
    }

    var counters: ModelCounters {
        var counters = totals
        counters.locksHeld = resources.values.reduce(0) { $0 + $1.holders.count }
        counters.waiters = resources.values.reduce(0) { $0 + $1.waiters.count }
        counters.resources = resources.count
        var known = Set(sessions.filter { $0.value.isOpen }.keys)
        for resource in resources.values {
            for holder in resource.holders { known.insert(holder.session) }
        }
        counters.sessions = known.count
        return counters
    }

    /// Every lease and wait deadline in the table, in nanoseconds.
    var deadlines: [UInt64] {
        resources.values.flatMap { resource in
            resource.holders.compactMap(\.leaseDeadline) + resource.waiters.compactMap(\.waitDeadline)
        }
    }

    func holdCount(of session: SessionID) -> Int {
        resources.values.reduce(0) { $0 + $1.holders.filter { $0.session == session }.count }
    }

    func waitCount(of session: SessionID) -> Int {
        resources.values.reduce(0) { $0 + $1.waiters.filter { $0.session == session }.count }
    }

    // MARK: - Rules shared by the calls

    /// Lazy expiry: every lease of `name` with `deadline <= now` ends, in grant
    /// order, and then the queue is served.
    private mutating func endLeases(of name: ResourceName, dueBy now: UInt64, into actions: inout [ModelAction]) {
        guard let resource = resources[name] else { return }
        let expired = resource.holders.filter { ($0.leaseDeadline ?? .max) <= now }
        guard !expired.isEmpty else { return }
        resources[name]!.holders.removeAll { ($0.leaseDeadline ?? .max) <= now }
        for holder in expired {
            totals.expiriesTotal += 1
            takeAway(holder, of: name, reason: .leaseExpired, into: &actions)
        }
        serveQueue(of: name, now: now, into: &actions)
    }

    /// Tells an open session it lost a hold; a closed session's (detached) hold
    /// that runs out is counted as a silent expiry.
    private mutating func takeAway(_ holder: Holder, of name: ResourceName, reason: LostReason, into actions: inout [ModelAction]) {
        if sessions[holder.session]!.isOpen {
            totals.lostTotal += 1
            actions.append(.lost(session: holder.session, resource: name, owner: holder.owner, fencingToken: holder.fencingToken, reason: reason))
        } else if reason == .leaseExpired {
            totals.silentExpiriesTotal += 1
        }
    }

    /// Grants from the head of the queue while the head is compatible with the
    /// holders; forgets the resource once nobody holds or waits.
    private mutating func serveQueue(of name: ResourceName, now: UInt64, into actions: inout [ModelAction]) {
        guard var resource = resources[name] else { return }
        while graceDeadline == nil, let head = resource.waiters.first, Self.compatible(head.mode, with: resource.holders) {
            resource.waiters.removeFirst()
            let token = issueToken(into: &actions)
            var holder = Holder(
                owner: head.owner, session: head.session, mode: head.mode, detached: head.detached,
                fencingToken: token, holdCount: 1, grantedAt: now, leaseDeadline: nil
            )
            setLease(of: &holder, ttlMilliseconds: head.ttlMilliseconds, now: now, into: &actions)
            resource.holders.append(holder)
            totals.grantsTotal += 1
            actions.append(.granted(grant(holder, resource: name, ticket: head.ticket, now: now)))
        }
        resources[name] = resource.holders.isEmpty && resource.waiters.isEmpty ? nil : resource
    }

    /// Once the grace deadline has come, ends the grace period and serves every
    /// queue: first those in `order`, then the rest by name.
    private mutating func endGraceIfDue(now: UInt64, order: [ResourceName], into actions: inout [ModelAction]) {
        guard let graceDeadline, now >= graceDeadline else { return }
        self.graceDeadline = nil
        for name in Self.servingOrder(Array(resources.keys), first: order) {
            serveQueue(of: name, now: now, into: &actions)
        }
        graceActionCount = actions.count
    }

    /// A lease ending `ttlMilliseconds` from now, or none for 0. A detached
    /// lease past the durable horizon moves the horizon first.
    private mutating func setLease(of holder: inout Holder, ttlMilliseconds: UInt32, now: UInt64, into actions: inout [ModelAction]) {
        guard ttlMilliseconds > 0 else {
            holder.leaseDeadline = nil
            return
        }
        let deadline = Self.adding(ttlMilliseconds, to: now)
        if holder.detached && deadline > leaseHorizon {
            leaseHorizon = Self.adding(leaseHorizonSlackMilliseconds, to: deadline)
            actions.append(.persistLeaseHorizon(leaseHorizon))
        }
        holder.leaseDeadline = deadline
    }

    private mutating func issueToken(into actions: inout [ModelAction]) -> UInt64 {
        lastIssuedToken += 1
        if lastIssuedToken > reservedThrough {
            reservedThrough = lastIssuedToken + fencingReservationSize - 1
            actions.append(.persistFencingHighWater(reservedThrough))
        }
        return lastIssuedToken
    }

    /// Session-owned: that session's own hold. Named: the hold with that name
    /// taken by any session of the same uid; `otherUID` when only another uid has it.
    private func findHolder(in resource: Resource, owner: OwnerName, session: SessionID) -> (match: Int?, otherUID: Bool) {
        let uid = sessions[session]!.peer.uid
        var otherUID = false
        for (index, holder) in resource.holders.enumerated() {
            if owner.isSession {
                if holder.owner.isSession && holder.session == session { return (index, false) }
            } else if holder.owner == owner {
                if sessions[holder.session]!.peer.uid == uid { return (index, false) }
                otherUID = true
            }
        }
        return (nil, otherUID)
    }

    /// A grant carries the lease the hold has left from `now`, in whole
    /// milliseconds rounded up (0 without a lease): the TTL asked for on a fresh
    /// grant, what remains on a nested acquire that did not renew.
    private func grant(_ holder: Holder, resource: ResourceName, ticket: Ticket, now: UInt64) -> ModelGrant {
        var left: UInt64 = 0
        if let deadline = holder.leaseDeadline, deadline > now {
            left = (deadline - now + 999_999) / 1_000_000
        }
        return ModelGrant(
            session: holder.session, ticket: ticket, resource: resource, owner: holder.owner, mode: holder.mode,
            fencingToken: holder.fencingToken, holdCount: holder.holdCount, ttlMilliseconds: UInt32(clamping: left)
        )
    }

    private static func compatible(_ mode: LockMode, with holders: [Holder]) -> Bool {
        holders.isEmpty || (mode == .shared && holders.allSatisfy { $0.mode == .shared })
    }

    private static func adding(_ milliseconds: UInt32, to nanoseconds: UInt64) -> UInt64 {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(UInt64(milliseconds) * 1_000_000)
        return overflow ? .max : sum
    }

    private static func servingOrder(_ touched: [ResourceName], first order: [ResourceName]) -> [ResourceName] {
        let leading = order.filter { touched.contains($0) }
        return leading + touched.filter { !leading.contains($0) }.sorted()
    }
}

// MARK: - The model's vocabulary

/// A grant, field for field as ``Grant``.
struct ModelGrant: Hashable, CustomStringConvertible {
    var session: SessionID
    var ticket: Ticket
    var resource: ResourceName
    var owner: OwnerName
    var mode: LockMode
    var fencingToken: UInt64
    var holdCount: UInt32
    var ttlMilliseconds: UInt32

    init(
        session: SessionID, ticket: Ticket, resource: ResourceName, owner: OwnerName, mode: LockMode,
        fencingToken: UInt64, holdCount: UInt32, ttlMilliseconds: UInt32
    ) {
        self.session = session
        self.ticket = ticket
        self.resource = resource
        self.owner = owner
        self.mode = mode
        self.fencingToken = fencingToken
        self.holdCount = holdCount
        self.ttlMilliseconds = ttlMilliseconds
    }

    init(_ grant: Grant) {
        self.init(
            session: grant.session, ticket: grant.ticket, resource: grant.resource, owner: grant.owner, mode: grant.mode,
            fencingToken: grant.fencingToken, holdCount: grant.holdCount, ttlMilliseconds: grant.ttlMilliseconds
        )
    }

    var description: String {
        "\(resource)/\(ownerLabel(owner))@s\(session.rawValue) t\(ticket.rawValue) \(mode == .exclusive ? "X" : "S") "
            + "token=\(fencingToken) holds=\(holdCount) ttl=\(ttlMilliseconds)"
    }
}

/// ``LockAction``, in the model's vocabulary.
enum ModelAction: Hashable, CustomStringConvertible {
    case persistFencingHighWater(UInt64)
    /// Nanoseconds.
    case persistLeaseHorizon(UInt64)
    case granted(ModelGrant)
    case waitTimedOut(session: SessionID, ticket: Ticket)
    case lost(session: SessionID, resource: ResourceName, owner: OwnerName, fencingToken: UInt64, reason: LostReason)

    init(_ action: LockAction) {
        switch action {
        case .persistFencingHighWater(let highWater): self = .persistFencingHighWater(highWater)
        case .persistLeaseHorizon(let horizon): self = .persistLeaseHorizon(horizon.nanoseconds)
        case .granted(let grant): self = .granted(ModelGrant(grant))
        case .waitTimedOut(let session, let ticket): self = .waitTimedOut(session: session, ticket: ticket)
        case .lost(let notice):
            self = .lost(session: notice.session, resource: notice.resource, owner: notice.owner, fencingToken: notice.fencingToken, reason: notice.reason)
        case .admit, .refused, .releaseUpstream, .extendUpstream:
            preconditionFailure("upstream admission is not modelled: the model runs the table with local admission")
        }
    }

    /// Ends a hold or a wait (as opposed to handing out a lock).
    var isRemoval: Bool {
        switch self {
        case .waitTimedOut, .lost: true
        case .persistFencingHighWater, .persistLeaseHorizon, .granted: false
        }
    }

    /// A total order on removals, to compare them as multisets.
    var removalKey: (UInt8, UInt64, UInt64) {
        switch self {
        case .lost(let session, _, _, let token, _): (0, session.rawValue, token)
        case .waitTimedOut(let session, let ticket): (1, session.rawValue, ticket.rawValue)
        case .persistFencingHighWater(let highWater): (2, highWater, 0)
        case .persistLeaseHorizon(let horizon): (3, horizon, 0)
        case .granted(let grant): (4, grant.fencingToken, 0)
        }
    }

    var description: String {
        switch self {
        case .persistFencingHighWater(let highWater): "persist(\(highWater))"
        case .persistLeaseHorizon(let horizon): "horizon(\(milliseconds(horizon)))"
        case .granted(let grant): "granted(\(grant))"
        case .waitTimedOut(let session, let ticket): "timedOut(s\(session.rawValue) t\(ticket.rawValue))"
        case .lost(let session, let resource, let owner, let token, let reason):
            "lost(\(resource)/\(ownerLabel(owner))@s\(session.rawValue) token=\(token) \(reason == .leaseExpired ? "expired" : "forced"))"
        }
    }
}

/// ``AcquireResult``, in the model's vocabulary.
enum ModelAcquireResult: Hashable, CustomStringConvertible {
    case granted(ModelGrant)
    case queued
    case refused(AcquireRefusal)

    init(_ result: AcquireResult) {
        switch result {
        case .granted(let grant): self = .granted(ModelGrant(grant))
        case .queued: self = .queued
        case .refused(let refusal): self = .refused(refusal)
        }
    }

    var description: String {
        switch self {
        case .granted(let grant): "granted(\(grant))"
        case .queued: "queued"
        case .refused(let refusal): "refused(\(refusal))"
        }
    }
}

/// One hold as ``HolderSnapshot`` shows it, instants in nanoseconds.
struct HolderView: Hashable, CustomStringConvertible {
    var owner: OwnerName
    var session: SessionID
    var peer: Peer
    var sessionOpen: Bool
    var mode: LockMode
    var detached: Bool
    var fencingToken: UInt64
    var holdCount: UInt32
    var grantedAt: UInt64
    var leaseDeadline: UInt64?

    init(
        owner: OwnerName, session: SessionID, peer: Peer, sessionOpen: Bool, mode: LockMode, detached: Bool,
        fencingToken: UInt64, holdCount: UInt32, grantedAt: UInt64, leaseDeadline: UInt64?
    ) {
        self.owner = owner
        self.session = session
        self.peer = peer
        self.sessionOpen = sessionOpen
        self.mode = mode
        self.detached = detached
        self.fencingToken = fencingToken
        self.holdCount = holdCount
        self.grantedAt = grantedAt
        self.leaseDeadline = leaseDeadline
    }

    init(_ snapshot: HolderSnapshot) {
        self.init(
            owner: snapshot.owner, session: snapshot.session, peer: snapshot.peer, sessionOpen: snapshot.sessionOpen,
            mode: snapshot.mode, detached: snapshot.detached, fencingToken: snapshot.fencingToken,
            holdCount: snapshot.holdCount, grantedAt: snapshot.grantedAt.nanoseconds,
            leaseDeadline: snapshot.leaseDeadline?.nanoseconds
        )
    }

    var description: String {
        "\(ownerLabel(owner))@s\(session.rawValue)(uid \(peer.uid)\(sessionOpen ? "" : ", closed")) \(mode == .exclusive ? "X" : "S")"
            + "\(detached ? " detached" : "") token=\(fencingToken) holds=\(holdCount) at=\(milliseconds(grantedAt))"
            + " lease=\(leaseDeadline.map(milliseconds) ?? "none")"
    }
}

/// One queued request as ``WaiterSnapshot`` shows it, instants in nanoseconds.
struct WaiterView: Hashable, CustomStringConvertible {
    var owner: OwnerName
    var session: SessionID
    var peer: Peer
    var ticket: Ticket
    var mode: LockMode
    var enqueuedAt: UInt64
    var waitDeadline: UInt64?

    init(owner: OwnerName, session: SessionID, peer: Peer, ticket: Ticket, mode: LockMode, enqueuedAt: UInt64, waitDeadline: UInt64?) {
        self.owner = owner
        self.session = session
        self.peer = peer
        self.ticket = ticket
        self.mode = mode
        self.enqueuedAt = enqueuedAt
        self.waitDeadline = waitDeadline
    }

    init(_ snapshot: WaiterSnapshot) {
        self.init(
            owner: snapshot.owner, session: snapshot.session, peer: snapshot.peer, ticket: snapshot.ticket,
            mode: snapshot.mode, enqueuedAt: snapshot.enqueuedAt.nanoseconds, waitDeadline: snapshot.waitDeadline?.nanoseconds
        )
    }

    var description: String {
        "t\(ticket.rawValue) \(ownerLabel(owner))@s\(session.rawValue) \(mode == .exclusive ? "X" : "S") at=\(milliseconds(enqueuedAt))"
            + " until=\(waitDeadline.map(milliseconds) ?? "forever")"
    }
}

/// A resource as ``ResourceSnapshot`` shows it.
struct ResourceView: Hashable, CustomStringConvertible {
    var holders: [HolderView]
    var waiters: [WaiterView]

    init(holders: [HolderView], waiters: [WaiterView]) {
        self.holders = holders
        self.waiters = waiters
    }

    init(_ snapshot: ResourceSnapshot) {
        self.init(holders: snapshot.holders.map(HolderView.init), waiters: snapshot.waiters.map(WaiterView.init))
    }

    var description: String {
        "holders [\(holders.map(\.description).joined(separator: "; "))] waiters [\(waiters.map(\.description).joined(separator: "; "))]"
    }
}

/// ``LockCounters``, field for field.
struct ModelCounters: Hashable {
    var locksHeld = 0
    var waiters = 0
    var resources = 0
    var sessions = 0
    var grantsTotal: UInt64 = 0
    var releasesTotal: UInt64 = 0
    var expiriesTotal: UInt64 = 0
    var silentExpiriesTotal: UInt64 = 0
    var timeoutsTotal: UInt64 = 0
    var lostTotal: UInt64 = 0
    var cancelsTotal: UInt64 = 0
    var forceReleasesTotal: UInt64 = 0
    var quotaRejectionsTotal: UInt64 = 0

    init() {}

    init(_ counters: LockCounters) {
        locksHeld = counters.locksHeld
        waiters = counters.waiters
        resources = counters.resources
        sessions = counters.sessions
        grantsTotal = counters.grantsTotal
        releasesTotal = counters.releasesTotal
        expiriesTotal = counters.expiriesTotal
        silentExpiriesTotal = counters.silentExpiriesTotal
        timeoutsTotal = counters.timeoutsTotal
        lostTotal = counters.lostTotal
        cancelsTotal = counters.cancelsTotal
        forceReleasesTotal = counters.forceReleasesTotal
        quotaRejectionsTotal = counters.quotaRejectionsTotal
    }
}

func ownerLabel(_ owner: OwnerName) -> String {
    owner.isSession ? "<session>" : owner.string
}

/// Nanoseconds as milliseconds with the fraction, e.g. "1003.25ms".
func milliseconds(_ nanoseconds: UInt64) -> String {
    let whole = nanoseconds / 1_000_000
    let fraction = nanoseconds % 1_000_000
    guard fraction != 0 else { return "\(whole)ms" }
    var digits = String(fraction)
    digits = String(repeating: "0", count: 6 - digits.count) + digits
    while digits.hasSuffix("0") { digits.removeLast() }
    return "\(whole).\(digits)ms"
}
