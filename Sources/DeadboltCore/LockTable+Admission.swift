/// Upstream admission (``Admission/upstream``): a request the table would
/// grant is first taken upstream, and granted only with the upstream's
/// answer and fencing token.
///
/// Invariants, in upstream mode:
/// - A hold exists only for a request the upstream admitted.
/// - A request being admitted (`admission != 0`) stays in its queue, so
///   every request behind it stays behind it (FIFO), and an exclusive request
///   is admitted only at the head of its queue with no holder, shared ones
///   only while every request ahead of them is shared.
/// - An answer for a request that has left the queue meanwhile (timed out,
///   cancelled, its session closed) finds nothing: ``admitted(_:fencingToken:now:into:)``
///   returns nil, and the caller releases what it took upstream.
extension LockTable {
    /// The upstream took the lock for admission `id`, with fencing token
    /// `token`: the request is granted (its ``LockAction/granted(_:)`` is
    /// appended) and its grant returned. Returns nil if the request has left
    /// the queue; the caller then releases the upstream lock.
    @discardableResult
    public mutating func admitted(_ id: UInt64, fencingToken token: UInt64, now: Instant, into actions: inout [LockAction]) -> Grant? {
        guard let waiter = admissions.removeValue(forKey: id) else { return nil }
        let record = waiters[waiter]
        waiters[waiter].admission = 0
        removeWaiter(waiter, timerFired: false)
        let holder = insertHolder(
            resource: record.resource, session: record.session, owner: record.owner, mode: record.mode,
            ttlMilliseconds: record.ttlMilliseconds, detached: record.detached, token: token, now: now, into: &actions
        )
        let granted = grant(holder, ticket: record.ticket, now: now)
        actions.append(.granted(granted))
        settle(record.resource, now: now, into: &actions)
        return granted
    }

    /// The upstream did not take the lock for admission `id`, for `reason`.
    /// A try is refused (``LockAction/refused(session:ticket:_:)``); a wait
    /// stays at its place in the queue until ``readmit(_:now:into:)``.
    /// Returns false if the request has left the queue.
    @discardableResult
    public mutating func notAdmitted(_ id: UInt64, _ reason: AdmissionRefusal, now: Instant, into actions: inout [LockAction]) -> Bool {
        guard let waiter = admissions.removeValue(forKey: id) else { return false }
        waiters[waiter].admission = 0
        let resource = waiters[waiter].resource
        if waiters[waiter].tryOnce {
            let refusal: QueuedRefusal = switch reason {
            case .heldElsewhere: .notGranted
            case .unavailable: .upstreamUnavailable
            case .failed: .upstreamFailed
            }
            actions.append(.refused(session: sessions[waiters[waiter].session].id, ticket: waiters[waiter].ticket, refusal))
            removeWaiter(waiter, timerFired: false)
            settle(resource, now: now, into: &actions)
        } else if reason != .heldElsewhere {
            waiters[waiter].upstreamUnavailable = true
        }
        return true
    }

    /// Asks the upstream again for the requests at the head of `name`'s queue
    /// that are not being admitted (after a release elsewhere, a lease there
    /// running out, or the upstream coming back).
    public mutating func readmit(_ name: ResourceName, now: Instant, into actions: inout [LockAction]) {
        guard let resource = lookUp(name, hash: ResourceIndex.hash(name), now: now, into: &actions) else { return }
        settle(resource, now: now, into: &actions)
    }

    /// True if a request waits for `name` (being admitted or not).
    public func hasWaiters(_ name: ResourceName) -> Bool {
        find(name, hash: ResourceIndex.hash(name)).map { resources[$0].firstWaiter != noIndex } ?? false
    }

    /// Names of every resource with a request waiting for admission, to
    /// readmit when the upstream comes back.
    public func resourcesWithWaiters() -> [ResourceName] {
        resourceIndex.indices.compactMap { resources[$0].firstWaiter != noIndex ? resources[$0].name : nil }
    }

    /// The upstream lost the hold of `name` with `token` (its lease there
    /// could not be renewed): it is taken away with LOST(upstreamLost), and
    /// the queue is served. Returns false if there is no such hold.
    @discardableResult
    public mutating func loseUpstream(_ name: ResourceName, fencingToken token: UInt64, now: Instant, into actions: inout [LockAction]) -> Bool {
        guard let resource = lookUp(name, hash: ResourceIndex.hash(name), now: now, into: &actions) else { return false }
        var holder = resources[resource].firstHolder
        while holder != noIndex, holders[holder].fencingToken != token { holder = holderAfter(holder) }
        guard holder != noIndex else { return false }
        removeHolder(holder, timerFired: false, lost: .upstreamLost, into: &actions)
        settle(resource, now: now, into: &actions)
        return true
    }

    /// Upstream mode: starts the admission of the requests at the head of
    /// `resource`'s queue that the rules would grant now. Frees the record if
    /// nobody holds or waits.
    mutating func admitFromQueue(_ resource: Int32, into actions: inout [LockAction]) {
        // Walks the queue from its head; everything before the current request
        // is shared (the walk stops at the first exclusive one).
        var waiter = resources[resource].firstWaiter
        while waiter != noIndex {
            let record = waiters[waiter]
            let held = resources[resource]
            let compatible = held.holderCount == 0 || (held.heldMode == .shared && record.mode == .shared)
            guard compatible && (record.mode == .shared || waiter == held.firstWaiter) else { break }
            if record.admission == 0 {
                let id = nextAdmission
                nextAdmission += 1
                waiters[waiter].admission = id
                admissions[id] = waiter
                actions.append(.admit(AdmissionRequest(
                    id: id, session: sessions[record.session].id, ticket: record.ticket, resource: held.name,
                    owner: record.owner, mode: record.mode, ttlMilliseconds: record.ttlMilliseconds, detached: record.detached
                )))
            }
            if record.mode == .exclusive { break }
            waiter = waiterAfter(waiter)
        }
        freeIfEmpty(resource)
    }

    /// Upstream mode: tells the caller a hold's lease changed.
    mutating func extendUpstream(_ holder: Int32, ttlMilliseconds: UInt32, into actions: inout [LockAction]) {
        guard configuration.admission == .upstream else { return }
        actions.append(.extendUpstream(
            resource: resources[holders[holder].resource].name, fencingToken: holders[holder].fencingToken,
            ttlMilliseconds: ttlMilliseconds
        ))
    }
}
