import DeadboltCore
import Foundation
import XCTest

/// Drives ``LockTable`` and ``ReferenceModel`` with the same random steps and
/// compares them after every step: the call's result, the actions, every
/// resource's holders and queue, the counters, the fencing allocator, the
/// grace deadline and the lease horizon. It also checks invariants on the
/// engine alone: mutual exclusion, FIFO, fencing and horizon order, never
/// early and at most a tick late, no grant during a grace period, no lost
/// waiter, and `nextAdvance` never sleeping past due work.
///
/// `DEADBOLT_SEED=<n>` replays a run; `DEADBOLT_MODEL_STEPS=<n>` changes its
/// length (200 000 by default, some 7–15 s in a debug build).
final class ModelBasedTests: XCTestCase {
    func testEngineAgreesWithReferenceModel() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed: UInt64
        if let text = environment["DEADBOLT_SEED"] {
            seed = try XCTUnwrap(UInt64(text), "DEADBOLT_SEED must be a decimal UInt64, got \(text)")
        } else {
            seed = UInt64.random(in: 0...UInt64.max)
        }
        let steps: Int
        if let text = environment["DEADBOLT_MODEL_STEPS"] {
            steps = try XCTUnwrap(Int(text), "DEADBOLT_MODEL_STEPS must be a decimal Int, got \(text)")
        } else {
            steps = 200_000
        }
        print("ModelBasedTests: seed \(seed), \(steps) steps; replay with DEADBOLT_SEED=\(seed) swift test --filter ModelBased")

        let harness = ModelHarness(seed: seed)
        let clock = ContinuousClock()
        let started = clock.now
        do {
            for _ in 0..<steps { try harness.step() }
            try harness.drain()
        } catch {
            XCTFail(harness.report(error))
            return
        }
        let elapsed = clock.now - started
        print("ModelBasedTests: \(harness.stepNumber) steps in \(elapsed); \(harness.summary)")
        // A generator that stopped reaching a rule would let it rot unnoticed.
        if steps >= 100_000 {
            for event in ModelHarness.Event.allCases where harness.coverage[event.rawValue] == 0 {
                XCTFail("seed \(seed): \(steps) steps never produced \(event)")
            }
        }
    }

    /// The one engine bug the model found, pinned by hand: a detached hold of
    /// a closed session that is force-released is not a lease that ran out,
    /// so it is no (silent) expiry.
    func testForceReleasingAnOrphanedDetachedHoldIsNotAnExpiry() throws {
        var table = LockTable(now: .milliseconds(1000))
        var actions: [LockAction] = []
        table.openSession(SessionID(1), peer: Peer(pid: 1, uid: 1000, gid: 1000))
        let request = LockRequest(
            resource: try ResourceName("r"), session: SessionID(1), ticket: Ticket(1), ttlMilliseconds: 100, detached: true
        )
        guard case .granted = table.acquire(request, now: .milliseconds(1000), into: &actions) else {
            return XCTFail("expected a grant")
        }
        table.closeSession(SessionID(1), now: .milliseconds(1001), into: &actions)
        XCTAssertEqual(table.forceRelease(resource: try ResourceName("r"), now: .milliseconds(1002), into: &actions), 1)
        XCTAssertEqual(table.counters.forceReleasesTotal, 1)
        XCTAssertEqual(table.counters.expiriesTotal, 0)
        XCTAssertEqual(table.counters.silentExpiriesTotal, 0, "a force-release is not an expiry")
        XCTAssertEqual(table.counters.sessions, 0)
    }
}

// MARK: - Random numbers

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and fully determined by
/// its seed, so a failing seed replays exactly.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (bound < 2^32), by multiply-shift.
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0 && bound < 1 << 32)
        return Int(((next() >> 32) &* UInt64(bound)) >> 32)
    }

    mutating func chance(_ percent: Int) -> Bool {
        below(100) < percent
    }

    mutating func element<T>(of array: [T]) -> T {
        array[below(array.count)]
    }
}

struct ModelFailure: Error {
    var message: String
}

// MARK: - The driver

/// One engine, one model, one random walk over a handful of sessions,
/// resources and owners, with small leases and waits so that expiry, timeout
/// and quota refusal happen all the time. Now and then the "daemon" restarts:
/// a fresh table, with the fencing floor and (after an unclean stop) the
/// grace period that the previous table's persisted values call for.
final class ModelHarness {
    static let tick: UInt64 = 1_000_000
    static let names: [ResourceName] = ["r0", "r1", "r2", "r3"].map { try! ResourceName($0) }
    static let owners: [OwnerName] = [.session, try! OwnerName("alice"), try! OwnerName("bob")]
    static let uids: [UInt32] = [1000, 1001]
    static let configuration = LockTableConfiguration(
        maxLocksPerSession: 3, maxWaitersPerSession: 2, maxResources: 3, tickNanoseconds: tick,
        // Large enough that one `advance` always finishes: the model ends
        // everything due in one batch, as `advance` does when within its limits.
        timerWorkPerAdvance: 1 << 20, maxExpiriesPerAdvance: 1 << 20,
        fencingReservationSize: 8, maxTTLMilliseconds: 25, leaseHorizonSlackMilliseconds: 3
    )

    /// Outcomes that the walk must reach; a run of ≥ 100 000 steps fails if one never happens.
    enum Event: Int, CaseIterable {
        case grantedAtOnce, queued, reentrantGrant, refusedNotGranted, refusedAlreadyHeld, refusedAlreadyWaiting
        case refusedDetachedWithoutLease, refusedTTLTooLong, quotaLocksPerSession, quotaWaitersPerSession, quotaResources
        case released, releasedOneLevel, releaseLockUnexist, releaseBelongsToOthers, releasePermissionDenied
        case renewed, renewedToNoLease, renewLockUnexist, renewBelongsToOthers, renewPermissionDenied
        case renewDetachedWithoutLease, renewTTLTooLong, forceReleasedHolds, forceReleaseOfNothing
        case forceReleaseOfOrphanedHold, cancelled, cancelMissed
        case sessionClosed, sessionClosedWithDetachedHolds, grantFromQueue, sharedBatchGrant, grantAfterWaitDeadline
        case lazyExpiry, expiryInAdvance, silentExpiry, waitTimedOut, forceReleaseLost
        case persistHighWater, persistLeaseHorizon
        case advanceWithinTick, advanceOnDeadline, advanceOnFiringInstant, advanceJustBeforeFiring, largeJump
        case clockMovedWithoutAdvance
        case restartClean, restartUnclean, refusedInGrace, queuedInGrace, graceEndedByAdvance, graceEndedByOtherCall
    }

    enum Op {
        case open(SessionID, Peer)
        case close(SessionID)
        case acquire(LockRequest)
        case release(ResourceName, OwnerName, SessionID)
        case renew(ResourceName, OwnerName, SessionID, UInt32)
        case forceRelease(ResourceName)
        case cancel(SessionID, Ticket)
        case clock(to: UInt64, advance: Bool)
        case restart(fencingFloor: UInt64, graceUntil: UInt64?)
    }

    enum Outcome {
        case none
        case acquire(ModelAcquireResult)
        case release(ReleaseResult)
        case renew(RenewResult)
        case forced(Int)
        case cancelled(Bool)
    }

    struct Entry {
        var step: Int
        var now: UInt64
        var op: Op
        var outcome = Outcome.none
        var actions: [ModelAction] = []
    }

    /// How a call's actions (after any that end the grace period) are judged.
    enum Kind {
        /// A call on one resource: its order is specified, compare exactly.
        case single
        case forceRelease
        /// Removals in no specified order, then grants per resource.
        case advance
        /// Grants per resource, resources in no specified order.
        case close
    }

    /// How a queued ticket ended.
    enum Ending: Int, CaseIterable {
        case granted, timedOut, cancelled, sessionClosed, restart
    }

    /// One engine call: its answer and actions, and which of the actions
    /// ended the grace period (they come first).
    struct EngineCall<Result> {
        var result: Result
        var actions: [ModelAction]
        var graceActionCount: Int
        /// The order in which the grace period's end served the queues.
        var graceOrder: [ResourceName]
        /// The order in which the rest of the call served the queues.
        var servingOrder: [ResourceName]
    }

    let seed: UInt64
    private var random: SplitMix64
    private var engine: LockTable
    private var model: ReferenceModel
    private(set) var stepNumber = 0
    private var now: UInt64
    private var open: [SessionID] = []
    private var closed: [SessionID] = []
    private var peers: [SessionID: Peer] = [:]
    private var nextSession: UInt64 = 1
    private var nextTicket: UInt64 = 1
    /// Tickets queued in the engine and not yet ended, with where they wait.
    private var queued: [Ticket: (session: SessionID, resource: ResourceName)] = [:]
    private var endings = [Int](repeating: 0, count: Ending.allCases.count)
    /// These survive restarts: tokens increase per resource across them.
    private var lastToken: [ResourceName: UInt64] = [:]
    private var highestToken: UInt64 = 0
    private var persistedHighWater: UInt64 = 0
    private var persistedLeaseHorizon: UInt64 = 0
    private var silentExpiries: UInt64 = 0
    /// The engine's views of `names` after the last step.
    private var views: [ResourceView?] = Array(repeating: nil, count: ModelHarness.names.count)
    private var transcript: [Entry] = []
    private(set) var coverage = [Int](repeating: 0, count: Event.allCases.count)

    init(seed: UInt64) {
        self.seed = seed
        random = SplitMix64(seed: seed)
        // A placeholder table; `startTable` makes the real one.
        now = 1000 * Self.tick
        engine = LockTable(now: .zero)
        model = ReferenceModel(configuration: Self.configuration, now: .zero)
        startTable(fencingFloor: UInt64(random.below(1000)), graceUntil: random.chance(50) ? now + UInt64(random.below(40)) * Self.tick : nil)
    }

    /// A fresh table at `now`, as after a daemon start. The wheel counts the
    /// tick holding its start instant as processed, so a deadline inside that
    /// very tick would fire one tick later than the model's rule says (still
    /// within the documented "at most one tick late"); so the table starts
    /// mid-tick and the walk goes on from the next tick boundary.
    private func startTable(fencingFloor: UInt64, graceUntil: UInt64?) {
        let start = now + Self.tick / 2
        engine = LockTable(configuration: Self.configuration, fencingFloor: fencingFloor, graceUntil: graceUntil.map(Instant.init), now: Instant(nanoseconds: start))
        model = ReferenceModel(configuration: Self.configuration, fencingFloor: fencingFloor, graceUntil: graceUntil.map(Instant.init), now: Instant(nanoseconds: start))
        now = (start / Self.tick + 1) * Self.tick
        persistedHighWater = fencingFloor
        persistedLeaseHorizon = engine.leaseHorizon.nanoseconds
        open = []
        closed = []
        views = Array(repeating: nil, count: Self.names.count)
        for _ in 0..<5 { openSession() }
    }

    // MARK: Steps

    func step() throws {
        stepNumber += 1
        let roll = random.below(10_000)
        switch roll {
        case ..<3_500: try acquireStep()
        case ..<5_000: try releaseStep()
        case ..<5_800: try renewStep()
        case ..<6_050: try forceReleaseStep()
        case ..<6_650: try cancelStep()
        case ..<6_900: if open.count > 3 { try closeStep() } else { try acquireStep() }
        case ..<7_150: if open.count < 6 { try openStep() } else { try acquireStep() }
        case ..<7_158: try restartStep()
        default: try clockStep()
        }
    }

    /// Closes every session and lets every lease run out: afterwards every
    /// ticket ever queued has ended exactly once and the table is empty.
    func drain() throws {
        while let session = open.first {
            stepNumber += 1
            try closeStep(session)
        }
        stepNumber += 1
        try clockStep(to: now + 3_600_000 * Self.tick, advance: true)
        try expect(queued.isEmpty, "tickets still queued after the drain: \(queued.keys.map(\.rawValue).sorted())")
        let counters = ModelCounters(engine.counters)
        try expect(
            counters.locksHeld == 0 && counters.waiters == 0 && counters.resources == 0 && counters.sessions == 0,
            "the drained table is not empty: \(counters)"
        )
        try expect(engine.graceDeadline == nil, "the grace period outlived an hour")
        try expect(engine.nextAdvance() == nil, "the drained table still has timers: \(String(describing: engine.nextAdvance()))")
    }

    private func openSession() {
        let id = SessionID(nextSession)
        nextSession += 1
        let uid = random.element(of: Self.uids)
        let peer = Peer(pid: Int32(10_000 + id.rawValue), uid: uid, gid: uid)
        engine.openSession(id, peer: peer)
        model.openSession(id, peer: peer)
        open.append(id)
        peers[id] = peer
    }

    private func openStep() throws {
        openSession()
        begin(.open(open.last!, peers[open.last!]!))
        try checkState(actions: [], kind: .single)
    }

    /// The daemon stops, cleanly or not, and starts again on what it persisted.
    private func restartStep() throws {
        let floor = persistedHighWater
        let graceUntil: UInt64?
        switch random.below(100) {
        case ..<30:
            graceUntil = nil
            hit(.restartClean)
        case ..<65:
            graceUntil = persistedLeaseHorizon
            hit(.restartUnclean)
        default:
            // Any horizon the previous run may have written, including one beyond the TTL cap.
            graceUntil = now + UInt64(random.below(40)) * Self.tick + UInt64(random.below(4)) * Self.tick / 4
            hit(.restartUnclean)
        }
        begin(.restart(fencingFloor: floor, graceUntil: graceUntil))
        endings[Ending.restart.rawValue] += queued.count
        queued = [:]
        startTable(fencingFloor: floor, graceUntil: graceUntil)
        try checkState(actions: [], kind: .single)
    }

    private func closeStep(_ chosen: SessionID? = nil) throws {
        let session = chosen ?? random.element(of: open)
        begin(.close(session))
        let hadDetached = model.resources.values.contains { $0.holders.contains { $0.session == session && $0.detached } }
        let call = try callEngine(closing: true) { engine, actions in engine.closeSession(session, now: instant, into: &actions) }
        let modelActions = model.closeSession(session, now: instant, graceOrder: call.graceOrder, servingFirst: call.servingOrder)
        try compareActions(call, modelActions, kind: .close)
        open.removeAll { $0 == session }
        closed.append(session)
        hit(.sessionClosed)
        if hadDetached { hit(.sessionClosedWithDetachedHolds) }
        try checkState(actions: call.actions, kind: .close, closing: session)
    }

    private func acquireStep() throws {
        let session = random.element(of: open)
        let name = random.element(of: Self.names)
        let owner = randomOwner()
        let mode: LockMode = random.chance(60) ? .exclusive : .shared
        let wait: WaitPolicy
        switch random.below(100) {
        case ..<35: wait = .noWait
        case ..<80: wait = .milliseconds(UInt32(random.below(7)))
        default: wait = .forever
        }
        let ttl: UInt32
        switch random.below(100) {
        case ..<30: ttl = 0
        case ..<90: ttl = UInt32(1 + random.below(5))
        default: ttl = UInt32(10 + random.below(20)) // above 25 is too long
        }
        let request = LockRequest(
            resource: name, owner: owner, session: session, ticket: Ticket(nextTicket), mode: mode,
            ttlMilliseconds: ttl, wait: wait, detached: random.chance(20), reentrant: random.chance(30)
        )
        nextTicket += 1
        begin(.acquire(request))
        let inGrace = engine.graceDeadline.map { now < $0.nanoseconds } ?? false
        let call = try callEngine { engine, actions in ModelAcquireResult(engine.acquire(request, now: instant, into: &actions)) }
        note(.acquire(call.result))
        let (modelResult, modelActions) = model.acquire(request, now: instant, graceOrder: call.graceOrder)
        try expect(call.result == modelResult, "acquire answered \(call.result); the model says \(modelResult)")
        try compareActions(call, modelActions, kind: .single)

        switch call.result {
        case .granted(let grant): hit(grant.holdCount > 1 ? .reentrantGrant : .grantedAtOnce)
        case .queued: hit(inGrace ? .queuedInGrace : .queued)
        case .refused(.notGranted): hit(inGrace ? .refusedInGrace : .refusedNotGranted)
        case .refused(.alreadyHeld): hit(.refusedAlreadyHeld)
        case .refused(.alreadyWaiting): hit(.refusedAlreadyWaiting)
        case .refused(.detachedWithoutLease): hit(.refusedDetachedWithoutLease)
        case .refused(.ttlTooLong): hit(.refusedTTLTooLong)
        case .refused(.quotaExceeded(.locksPerSession)): hit(.quotaLocksPerSession)
        case .refused(.quotaExceeded(.waitersPerSession)): hit(.quotaWaitersPerSession)
        case .refused(.quotaExceeded(.resources)): hit(.quotaResources)
        case .refused(.quotaExceeded(.locksPerUID)), .refused(.quotaExceeded(.waitersPerUID)):
            throw ModelFailure(message: "a per-uid quota refused, but the model's table sets none")
        }
        try checkState(
            actions: call.actions, kind: .single, immediate: call.result,
            newlyQueued: call.result == .queued ? (request.ticket, session, name) : nil
        )
    }

    private func releaseStep() throws {
        let (name, owner, session) = randomTarget()
        begin(.release(name, owner, session))
        let call = try callEngine { engine, actions in engine.release(resource: name, owner: owner, session: session, now: instant, into: &actions) }
        note(.release(call.result))
        let (modelResult, modelActions) = model.release(resource: name, owner: owner, session: session, now: instant, graceOrder: call.graceOrder)
        try expect(call.result == modelResult, "release answered \(call.result); the model says \(modelResult)")
        try compareActions(call, modelActions, kind: .single)
        switch call.result {
        case .released(let remaining): hit(remaining == 0 ? .released : .releasedOneLevel)
        case .lockUnexist: hit(.releaseLockUnexist)
        case .belongsToOthers: hit(.releaseBelongsToOthers)
        case .permissionDenied: hit(.releasePermissionDenied)
        }
        try checkState(actions: call.actions, kind: .single)
    }

    private func renewStep() throws {
        let (name, owner, session) = randomTarget()
        let ttl: UInt32
        switch random.below(100) {
        case ..<20: ttl = 0
        case ..<90: ttl = UInt32(1 + random.below(5))
        default: ttl = random.chance(50) ? 20 : 30 // 30 is too long
        }
        begin(.renew(name, owner, session, ttl))
        let call = try callEngine { engine, actions in
            engine.renew(resource: name, owner: owner, session: session, ttlMilliseconds: ttl, now: instant, into: &actions)
        }
        note(.renew(call.result))
        let (modelResult, modelActions) = model.renew(
            resource: name, owner: owner, session: session, ttlMilliseconds: ttl, now: instant, graceOrder: call.graceOrder
        )
        try expect(call.result == modelResult, "renew answered \(call.result); the model says \(modelResult)")
        try compareActions(call, modelActions, kind: .single)
        switch call.result {
        case .renewed(_, let ttl): hit(ttl == 0 ? .renewedToNoLease : .renewed)
        case .lockUnexist: hit(.renewLockUnexist)
        case .belongsToOthers: hit(.renewBelongsToOthers)
        case .permissionDenied: hit(.renewPermissionDenied)
        case .detachedWithoutLease: hit(.renewDetachedWithoutLease)
        case .ttlTooLong: hit(.renewTTLTooLong)
        }
        try checkState(actions: call.actions, kind: .single)
    }

    private func forceReleaseStep() throws {
        // Often a resource held for a closed session (an orphaned detached hold), if any.
        let orphaned = Self.names.filter { model.resources[$0]?.holders.contains { !model.sessions[$0.session]!.isOpen } == true }
        let name = !orphaned.isEmpty && random.chance(50) ? random.element(of: orphaned) : random.element(of: Self.names)
        begin(.forceRelease(name))
        let call = try callEngine { engine, actions in engine.forceRelease(resource: name, now: instant, into: &actions) }
        note(.forced(call.result))
        let (modelResult, modelActions) = model.forceRelease(resource: name, now: instant, graceOrder: call.graceOrder)
        try expect(call.result == modelResult, "force-release removed \(call.result) holds; the model says \(modelResult)")
        try compareActions(call, modelActions, kind: .forceRelease)
        hit(call.result > 0 ? .forceReleasedHolds : .forceReleaseOfNothing)
        if views[index(of: name)]?.holders.contains(where: { !$0.sessionOpen }) == true { hit(.forceReleaseOfOrphanedHold) }
        try checkState(actions: call.actions, kind: .forceRelease)
    }

    private func cancelStep() throws {
        let session: SessionID
        let ticket: Ticket
        let roll = random.below(100)
        if roll < 70, !queued.isEmpty {
            ticket = random.element(of: queued.keys.sorted { $0.rawValue < $1.rawValue })
            session = random.chance(90) ? queued[ticket]!.session : random.element(of: open)
        } else if roll < 90 || closed.isEmpty {
            ticket = Ticket(UInt64(1 + random.below(Int(nextTicket))))
            session = random.element(of: open)
        } else {
            ticket = Ticket(UInt64(1 + random.below(Int(nextTicket))))
            session = random.element(of: closed)
        }
        begin(.cancel(session, ticket))
        let call = try callEngine { engine, actions in engine.cancel(session: session, ticket: ticket, now: instant, into: &actions) }
        note(.cancelled(call.result))
        let (modelResult, modelActions) = model.cancel(session: session, ticket: ticket, now: instant, graceOrder: call.graceOrder)
        try expect(call.result == modelResult, "cancel answered \(call.result); the model says \(modelResult)")
        try compareActions(call, modelActions, kind: .single)
        try checkState(actions: call.actions, kind: .single, cancelled: (session, ticket, call.result))
    }

    private func clockStep() throws {
        let tick = Self.tick
        var target = now
        var landing: Event?
        switch random.below(100) {
        case ..<8:
            break
        case ..<28:
            // Within the current tick: nothing new can become due.
            let room = tick - now % tick
            if room > 1 { target = now + 1 + UInt64(random.below(Int(room - 1))) }
        case ..<40:
            target = (now / tick + 1) * tick
        case ..<62:
            target = now + UInt64(1 + random.below(5)) * tick + (random.chance(30) ? UInt64(random.below(4)) * tick / 4 : 0)
        case ..<90:
            var upcoming = model.deadlines.filter { $0 >= now }
            if let grace = model.graceDeadline { upcoming.append(grace) }
            upcoming.sort()
            if upcoming.isEmpty {
                target = now + tick
            } else {
                let deadline = random.chance(50) ? upcoming[0] : random.element(of: upcoming)
                switch random.below(3) {
                case 0:
                    target = deadline
                    landing = .advanceOnDeadline
                case 1:
                    target = (deadline / tick + 1) * tick
                    landing = .advanceOnFiringInstant
                default:
                    target = max(now, (deadline / tick + 1) * tick - 1)
                    landing = .advanceJustBeforeFiring
                }
            }
        default:
            target = now + UInt64(20 + random.below(2000)) * tick + UInt64(random.below(4)) * tick / 4
            landing = .largeJump
        }
        // A grace period ended by some other call than advance needs a clock
        // that moved past its deadline without an advance.
        let passesGrace = model.graceDeadline.map { target >= $0 } ?? false
        let advancing = random.chance(passesGrace ? 50 : 80)
        if advancing {
            if let landing { hit(landing) }
            if target > now && target / tick == now / tick { hit(.advanceWithinTick) }
        } else {
            hit(.clockMovedWithoutAdvance)
        }
        try clockStep(to: target, advance: advancing)
    }

    private func clockStep(to target: UInt64, advance: Bool) throws {
        now = target
        begin(.clock(to: target, advance: advance))
        guard advance else {
            try checkState(actions: [], kind: .single)
            return
        }
        let call = try callEngine(advancing: true) { engine, actions in engine.advance(to: instant, into: &actions) }
        try expect(call.result, "advance stopped at its limits on a table this small")
        let modelActions = model.advance(to: instant, graceOrder: call.graceOrder, servingFirst: call.servingOrder)
        try compareActions(call, modelActions, kind: .advance)
        try checkState(actions: call.actions, kind: .advance, advanced: true)
    }

    // MARK: Choosing targets

    private var instant: Instant { Instant(nanoseconds: now) }

    private func randomOwner() -> OwnerName {
        switch random.below(4) {
        case 0, 1: Self.owners[0]
        case 2: Self.owners[1]
        default: Self.owners[2]
        }
    }

    /// Mostly an existing hold, presented by its own session or another
    /// session of the same uid; sometimes by a stranger; sometimes anything.
    private func randomTarget() -> (ResourceName, OwnerName, SessionID) {
        var holds: [(ResourceName, ReferenceModel.Holder)] = []
        for name in Self.names {
            for holder in model.resources[name]?.holders ?? [] { holds.append((name, holder)) }
        }
        guard random.chance(75), !holds.isEmpty else {
            return (random.element(of: Self.names), randomOwner(), random.element(of: open))
        }
        let (name, holder) = random.element(of: holds)
        var owner = holder.owner
        if random.chance(10) { owner = randomOwner() }
        let session: SessionID
        if owner.isSession {
            session = open.contains(holder.session) && random.chance(85) ? holder.session : random.element(of: open)
        } else {
            let uid = peers[holder.session]!.uid
            let sameUID = open.filter { peers[$0]!.uid == uid }
            session = !sameUID.isEmpty && random.chance(75) ? random.element(of: sameUID) : random.element(of: open)
        }
        return (name, owner, session)
    }

    // MARK: Calling the engine

    /// Calls the engine and sorts out its actions. The queues served when the
    /// grace period ends are served in an order of the engine's own (that of
    /// its resource index); to learn it, a copy of the table ends the grace
    /// period alone first (a `cancel` of a ticket nobody has does only that).
    ///
    /// A session close ends the grace period only after the session is gone,
    /// so no probe can see it alone: there (`closing`), every action of the
    /// call comes from ending the grace period, whose serving order is the
    /// order of the call's grants.
    private func callEngine<Result>(
        advancing: Bool = false, closing: Bool = false, _ body: (inout LockTable, inout [LockAction]) -> Result
    ) throws -> EngineCall<Result> {
        var graceActions: [ModelAction] = []
        let graceBefore = engine.graceDeadline
        if !closing, let grace = graceBefore, now >= grace.nanoseconds, let session = open.first {
            var probe = engine
            var raw: [LockAction] = []
            _ = probe.cancel(session: session, ticket: Ticket(.max), now: instant, into: &raw)
            graceActions = raw.map(ModelAction.init)
        }
        var raw: [LockAction] = []
        let result = body(&engine, &raw)
        let actions = raw.map(ModelAction.init)
        note(actions: actions)
        var graceCount = 0
        if graceBefore != nil && engine.graceDeadline == nil {
            if closing { graceActions = actions }
            graceCount = graceActions.count
            try expect(actions.starts(with: graceActions), "ending the grace period acted differently in the call than alone: \(graceActions)")
            hit(advancing ? .graceEndedByAdvance : .graceEndedByOtherCall)
        }
        return EngineCall(
            result: result, actions: actions, graceActionCount: graceCount,
            graceOrder: Self.grantOrder(graceActions), servingOrder: Self.grantOrder(Array(actions.dropFirst(graceCount)))
        )
    }

    /// The resources in the order their first grant appears: the order in
    /// which the engine served its queues.
    private static func grantOrder(_ actions: [ModelAction]) -> [ResourceName] {
        var order: [ResourceName] = []
        for case .granted(let grant) in actions where !order.contains(grant.resource) {
            order.append(grant.resource)
        }
        return order
    }

    // MARK: Comparing

    private func compareActions<Result>(_ call: EngineCall<Result>, _ model: [ModelAction], kind: Kind) throws {
        let engineGrace = Array(call.actions.prefix(call.graceActionCount))
        let modelGrace = Array(model.prefix(self.model.graceActionCount))
        try expect(engineGrace == modelGrace, "the grace period ended differently\n  engine: \(engineGrace)\n  model:  \(modelGrace)")
        let engine = Array(call.actions.dropFirst(engineGrace.count))
        let model = Array(model.dropFirst(modelGrace.count))
        switch kind {
        case .single, .forceRelease, .close:
            try expect(engine == model, "actions differ\n  engine: \(engine)\n  model:  \(model)")
        case .advance:
            // "All due leases end and all due waits time out first, then the
            // affected queues are served": removals, in any order, then grants.
            let engineRemovals = Array(engine.prefix { $0.isRemoval })
            let engineGrants = Array(engine.dropFirst(engineRemovals.count))
            try expect(!engineGrants.contains { $0.isRemoval }, "advance served a queue before ending everything due: \(engine)")
            let modelRemovals = Array(model.prefix { $0.isRemoval })
            let modelGrants = Array(model.dropFirst(modelRemovals.count))
            try expect(
                engineRemovals.sorted { $0.removalKey < $1.removalKey } == modelRemovals.sorted { $0.removalKey < $1.removalKey },
                "advance ended different leases or waits\n  engine: \(engineRemovals)\n  model:  \(modelRemovals)"
            )
            try expect(engineGrants == modelGrants, "advance granted differently\n  engine: \(engineGrants)\n  model:  \(modelGrants)")
        }
    }

    /// Compares the whole state with the model, then checks the engine's own
    /// invariants, then remembers the engine's views for the next step.
    private func checkState(
        actions: [ModelAction], kind: Kind, immediate: ModelAcquireResult? = nil,
        newlyQueued: (ticket: Ticket, session: SessionID, resource: ResourceName)? = nil,
        closing: SessionID? = nil, cancelled: (session: SessionID, ticket: Ticket, done: Bool)? = nil, advanced: Bool = false
    ) throws {
        var current: [ResourceView?] = []
        current.reserveCapacity(Self.names.count)
        for name in Self.names {
            let engineView = engine.snapshot(of: name).map(ResourceView.init)
            let modelView = model.view(of: name)
            try expect(engineView == modelView, "state of \(name) differs\n  engine: \(describe(engineView))\n  model:  \(describe(modelView))")
            current.append(engineView)
        }
        let engineCounters = ModelCounters(engine.counters)
        let modelCounters = model.counters
        try expect(engineCounters == modelCounters, "counters differ\n  engine: \(engineCounters)\n  model:  \(modelCounters)")
        if engineCounters.silentExpiriesTotal > silentExpiries { hit(.silentExpiry) }
        silentExpiries = engineCounters.silentExpiriesTotal
        try expect(
            engine.fencing.lastIssued == model.lastIssuedToken && engine.fencing.reservedThrough == model.reservedThrough,
            "fencing differs: engine issued \(engine.fencing.lastIssued) reserved \(engine.fencing.reservedThrough), "
                + "model issued \(model.lastIssuedToken) reserved \(model.reservedThrough)"
        )
        try expect(
            engine.graceDeadline?.nanoseconds == model.graceDeadline && engine.leaseHorizon.nanoseconds == model.leaseHorizon,
            "grace or lease horizon differs: engine grace \(String(describing: engine.graceDeadline)) horizon \(engine.leaseHorizon), "
                + "model grace \(model.graceDeadline.map(milliseconds) ?? "none") horizon \(milliseconds(model.leaseHorizon))"
        )

        try checkActions(actions, kind: kind)
        if let immediate { try checkImmediate(immediate, actions: actions, current: current) }
        if let closing {
            // Its requests left their queues unanswered.
            for (ticket, entry) in queued where entry.session == closing {
                queued[ticket] = nil
                endings[Ending.sessionClosed.rawValue] += 1
            }
        }
        if let cancelled {
            // The engine alone: a ticket that is queued must be cancellable by its session, once.
            let wasQueued = queued[cancelled.ticket].map { $0.session == cancelled.session } ?? false
            try expect(
                cancelled.done == wasQueued,
                "cancel of t\(cancelled.ticket.rawValue) on s\(cancelled.session.rawValue) answered \(cancelled.done), but it was \(wasQueued ? "" : "not ")queued there"
            )
            if cancelled.done {
                queued[cancelled.ticket] = nil
                endings[Ending.cancelled.rawValue] += 1
                hit(.cancelled)
            } else {
                hit(.cancelMissed)
            }
        }
        if let newlyQueued {
            try expect(queued[newlyQueued.ticket] == nil, "ticket t\(newlyQueued.ticket.rawValue) queued twice")
            queued[newlyQueued.ticket] = (newlyQueued.session, newlyQueued.resource)
        }
        try checkInvariants(current, actions: actions, immediate: immediate, newlyQueued: newlyQueued, advanced: advanced)
        views = current
    }

    /// Fencing and horizon order, FIFO bookkeeping and lateness, judged from the actions alone.
    private func checkActions(_ actions: [ModelAction], kind: Kind) throws {
        let boundary = now / Self.tick * Self.tick
        var grantedThisCall = Set<ResourceName>()
        for action in actions {
            switch action {
            case .persistFencingHighWater(let highWater):
                try expect(highWater > persistedHighWater, "fencing high-water \(highWater) does not exceed \(persistedHighWater)")
                persistedHighWater = highWater
                hit(.persistHighWater)
            case .persistLeaseHorizon(let horizon):
                try expect(horizon > persistedLeaseHorizon, "lease horizon \(milliseconds(horizon)) does not exceed \(milliseconds(persistedLeaseHorizon))")
                persistedLeaseHorizon = horizon
                hit(.persistLeaseHorizon)
            case .granted(let grant):
                guard let entry = queued.removeValue(forKey: grant.ticket) else {
                    throw ModelFailure(message: "grant of t\(grant.ticket.rawValue), which was not queued (never, or no longer): \(grant)")
                }
                try expect(entry.session == grant.session && entry.resource == grant.resource, "t\(grant.ticket.rawValue) queued as \(entry) but granted as \(grant)")
                try expect(grant.holdCount == 1, "a grant from the queue nests: \(grant)")
                try checkFreshToken(grant)
                endings[Ending.granted.rawValue] += 1
                hit(.grantFromQueue)
                if grantedThisCall.contains(grant.resource) { hit(.sharedBatchGrant) }
                grantedThisCall.insert(grant.resource)
                let waiter = views[index(of: grant.resource)]?.waiters.first { $0.ticket == grant.ticket }
                if let deadline = waiter?.waitDeadline, deadline <= now { hit(.grantAfterWaitDeadline) }
            case .waitTimedOut(let session, let ticket):
                try expect(kind == .advance, "a wait timed out outside advance: t\(ticket.rawValue)")
                guard let entry = queued.removeValue(forKey: ticket), entry.session == session else {
                    throw ModelFailure(message: "timeout of t\(ticket.rawValue) on s\(session.rawValue), which was not queued there")
                }
                let waiter = views[index(of: entry.resource)]?.waiters.first { $0.ticket == ticket }
                let deadline = try unwrap(waiter?.waitDeadline, "t\(ticket.rawValue) timed out without a wait deadline")
                try expect(deadline < boundary, "t\(ticket.rawValue) timed out early: deadline \(milliseconds(deadline)), now \(milliseconds(now))")
                endings[Ending.timedOut.rawValue] += 1
                hit(.waitTimedOut)
            case .lost(let session, let resource, _, let token, let reason):
                try expect(open.contains(session), "LOST pushed to s\(session.rawValue), which is closed")
                switch reason {
                case .leaseExpired:
                    let holder = views[index(of: resource)]?.holders.first { $0.fencingToken == token }
                    let deadline = try unwrap(holder?.leaseDeadline, "token \(token) expired without having had a lease")
                    if kind == .advance {
                        try expect(deadline < boundary, "token \(token) expired early: lease \(milliseconds(deadline)), now \(milliseconds(now))")
                        hit(.expiryInAdvance)
                    } else {
                        try expect(deadline <= now, "token \(token) expired lazily before its deadline \(milliseconds(deadline))")
                        hit(.lazyExpiry)
                    }
                case .forceReleased:
                    try expect(kind == .forceRelease, "a force-release LOST outside forceRelease")
                    hit(.forceReleaseLost)
                case .upstreamLost:
                    throw ModelFailure(message: "an upstream LOST from a table with local admission")
                }
            }
        }
    }

    private func checkImmediate(_ result: ModelAcquireResult, actions: [ModelAction], current: [ResourceView?]) throws {
        guard case .granted(let grant) = result else { return }
        if grant.holdCount == 1 {
            try checkFreshToken(grant)
            return
        }
        // A nested acquire returns the token of the hold it nests in, which
        // existed before the call or was granted from the queue during it.
        var before = views[index(of: grant.resource)]?.holders.first { $0.fencingToken == grant.fencingToken }?.holdCount
        for case .granted(let earlier) in actions where earlier.fencingToken == grant.fencingToken {
            before = earlier.holdCount
        }
        let after = current[index(of: grant.resource)]?.holders.first { $0.fencingToken == grant.fencingToken }
        try expect(
            before == grant.holdCount - 1 && after?.holdCount == grant.holdCount,
            "nested grant \(grant) does not match a hold (before: \(before.map(String.init) ?? "none"), after: \(describe(after)))"
        )
    }

    private func checkFreshToken(_ grant: ModelGrant) throws {
        let token = grant.fencingToken
        try expect(token > highestToken, "token \(token) of \(grant) is not above every earlier token (\(highestToken))")
        try expect(token > lastToken[grant.resource, default: 0], "token \(token) does not increase on \(grant.resource)")
        try expect(token <= persistedHighWater, "token \(token) handed out beyond the persisted high-water \(persistedHighWater)")
        highestToken = token
        lastToken[grant.resource] = token
    }

    private func checkInvariants(
        _ current: [ResourceView?], actions: [ModelAction], immediate: ModelAcquireResult?,
        newlyQueued: (ticket: Ticket, session: SessionID, resource: ResourceName)?, advanced: Bool
    ) throws {
        let inGrace = engine.graceDeadline != nil
        if inGrace {
            let granted = actions.contains { if case .granted = $0 { true } else { false } }
                || { if case .granted = immediate { true } else { false } }()
            try expect(!granted, "a lock was granted during the grace period")
        }
        var waiting: [Ticket: ResourceName] = [:]
        var earliestDeadline = UInt64.max
        for (position, name) in Self.names.enumerated() {
            let view = current[position]
            let holders = view?.holders ?? []
            let waiters = view?.waiters ?? []
            if let view { try expect(!holders.isEmpty || !waiters.isEmpty, "\(name) is listed with nobody on it: \(view)") }
            try expect(!inGrace || holders.isEmpty, "\(name) is held during the grace period")

            // Mutual exclusion.
            if holders.contains(where: { $0.mode == .exclusive }) {
                try expect(holders.count == 1, "\(name) has an exclusive holder among others: \(describe(view))")
            }
            // Outside the grace period a queue is always served: its head is blocked by the holders.
            if let head = waiters.first, !inGrace {
                try expect(
                    !holders.isEmpty && (head.mode == .exclusive || holders[0].mode == .exclusive),
                    "\(name) has a grantable request waiting: \(describe(view))"
                )
            }
            for holder in holders {
                try expect(holder.holdCount >= 1, "a hold with count 0 on \(name)")
                try expect(holder.sessionOpen == open.contains(holder.session), "\(name): hold of s\(holder.session.rawValue) shows the wrong session state")
                try expect(holder.sessionOpen || holder.detached, "\(name): a session-bound hold outlived its session: \(holder)")
                try expect(!holder.detached || holder.leaseDeadline != nil, "\(name): a detached hold without a lease: \(holder)")
                if let deadline = holder.leaseDeadline {
                    earliestDeadline = min(earliestDeadline, deadline)
                    if advanced {
                        try expect(deadline + Self.tick > now, "\(name): \(holder) is past its lease by a tick or more after advance to \(milliseconds(now))")
                    }
                    if holder.detached {
                        try expect(deadline <= persistedLeaseHorizon, "\(name): detached lease \(holder) ends after the persisted horizon \(milliseconds(persistedLeaseHorizon))")
                    }
                }
            }

            // FIFO: survivors keep their order, newcomers join at the tail,
            // and nobody is granted while someone ahead of them still waits.
            let before = views[position]?.waiters.map(\.ticket) ?? []
            let after = waiters.map(\.ticket)
            let remaining = Set(after)
            var expected = before.filter(remaining.contains)
            if let newlyQueued, newlyQueued.resource == name { expected.append(newlyQueued.ticket) }
            try expect(after == expected, "queue of \(name) went from \(before.map(\.rawValue)) to \(after.map(\.rawValue))")
            for case .granted(let grant) in actions where grant.resource == name {
                let place = try unwrap(before.firstIndex(of: grant.ticket), "t\(grant.ticket.rawValue) granted on \(name) without waiting there")
                for ahead in before[..<place] where remaining.contains(ahead) {
                    throw ModelFailure(message: "t\(grant.ticket.rawValue) granted on \(name) while t\(ahead.rawValue) ahead of it still waits")
                }
            }

            for waiter in waiters {
                try expect(open.contains(waiter.session), "\(name): a request of closed s\(waiter.session.rawValue) still waits")
                waiting[waiter.ticket] = name
                if let deadline = waiter.waitDeadline {
                    earliestDeadline = min(earliestDeadline, deadline)
                    if advanced {
                        try expect(deadline + Self.tick > now, "\(name): t\(waiter.ticket.rawValue) waits a tick or more past its deadline after advance")
                    }
                }
            }
        }
        try expect(persistedLeaseHorizon == engine.leaseHorizon.nanoseconds, "the lease horizon moved without a persist action")

        // No lost waiter: every ticket queued and not yet ended waits somewhere, and nothing else does.
        try expect(
            waiting.count == queued.count && queued.allSatisfy { waiting[$0.key] == $0.value.resource },
            "waiting tickets \(waiting.keys.map(\.rawValue).sorted()) differ from those queued and not ended \(queued.keys.map(\.rawValue).sorted())"
        )

        // The engine never sleeps past the first deadline (or the grace
        // deadline), and leaves nothing due behind an advance.
        let next = engine.nextAdvance()
        var latest = earliestDeadline == .max ? UInt64.max : (earliestDeadline / Self.tick + 1) * Self.tick
        if let grace = engine.graceDeadline { latest = min(latest, grace.nanoseconds) }
        if latest == .max {
            try expect(next == nil, "nextAdvance is \(String(describing: next)) with nothing pending")
        } else {
            let nextNanoseconds = try unwrap(next?.nanoseconds, "nextAdvance is nil with work due by \(milliseconds(latest))")
            try expect(nextNanoseconds <= latest, "nextAdvance \(milliseconds(nextNanoseconds)) is after the work due at \(milliseconds(latest))")
            if advanced {
                try expect(nextNanoseconds > now, "advance to \(milliseconds(now)) left work due at \(milliseconds(nextNanoseconds))")
            }
        }
    }

    private func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ModelFailure(message: message()) }
    }

    private func unwrap<T>(_ value: T?, _ message: @autoclosure () -> String) throws -> T {
        guard let value else { throw ModelFailure(message: message()) }
        return value
    }

    private func index(of name: ResourceName) -> Int {
        Self.names.firstIndex(of: name)!
    }

    private func hit(_ event: Event) {
        coverage[event.rawValue] += 1
    }

    // MARK: Transcript

    private func begin(_ op: Op) {
        if transcript.count == 20 { transcript.removeFirst() }
        transcript.append(Entry(step: stepNumber, now: now, op: op))
    }

    private func note(_ outcome: Outcome) {
        transcript[transcript.count - 1].outcome = outcome
    }

    private func note(actions: [ModelAction]) {
        transcript[transcript.count - 1].actions = actions
    }

    var summary: String {
        let ended = Ending.allCases.map { "\($0) \(endings[$0.rawValue])" }.joined(separator: ", ")
        let events = Event.allCases.map { "\($0) \(coverage[$0.rawValue])" }.joined(separator: ", ")
        return "queued tickets ended: \(ended), still queued \(queued.count); events: \(events)"
    }

    func report(_ error: Error) -> String {
        let message = (error as? ModelFailure)?.message ?? "\(error)"
        var lines = [
            "Engine and reference model disagree at step \(stepNumber) (seed \(seed), now \(milliseconds(now))):",
            message,
            "Replay: DEADBOLT_SEED=\(seed) DEADBOLT_MODEL_STEPS=\(stepNumber) swift test --filter ModelBased",
            "(the order in which a grace period's end serves queues follows the per-process string hash;",
            " add SWIFT_DETERMINISTIC_HASHING=1 if a failure involves it)",
            "Last \(transcript.count) steps (engine's answers):",
        ]
        lines += transcript.map(describe)
        lines.append("Engine state after the failing step (grace \(engine.graceDeadline.map { milliseconds($0.nanoseconds) } ?? "none")):")
        for name in Self.names {
            lines.append("  \(name): \(describe(engine.snapshot(of: name).map(ResourceView.init)))")
        }
        return lines.joined(separator: "\n")
    }

    private func describe(_ entry: Entry) -> String {
        let op: String
        switch entry.op {
        case .open(let session, let peer): op = "open s\(session.rawValue) uid \(peer.uid)"
        case .close(let session): op = "close s\(session.rawValue)"
        case .acquire(let request):
            let wait: String
            switch request.wait {
            case .noWait: wait = "try"
            case .milliseconds(let milliseconds): wait = "wait \(milliseconds)ms"
            case .forever: wait = "wait forever"
            }
            op = "acquire \(request.resource) \(ownerLabel(request.owner))@s\(request.session.rawValue) t\(request.ticket.rawValue) "
                + "\(request.mode == .exclusive ? "X" : "S") ttl \(request.ttlMilliseconds) \(wait)"
                + (request.detached ? " detached" : "") + (request.reentrant ? " reentrant" : "")
        case .release(let name, let owner, let session): op = "release \(name) \(ownerLabel(owner))@s\(session.rawValue)"
        case .renew(let name, let owner, let session, let ttl): op = "renew \(name) \(ownerLabel(owner))@s\(session.rawValue) ttl \(ttl)"
        case .forceRelease(let name): op = "force-release \(name)"
        case .cancel(let session, let ticket): op = "cancel s\(session.rawValue) t\(ticket.rawValue)"
        case .clock(let target, let advance): op = advance ? "advance to \(milliseconds(target))" : "clock to \(milliseconds(target)) (no advance)"
        case .restart(let floor, let grace): op = "restart: fencing floor \(floor), grace until \(grace.map(milliseconds) ?? "none")"
        }
        let outcome: String
        switch entry.outcome {
        case .none: outcome = ""
        case .acquire(let result): outcome = " → \(result)"
        case .release(let result): outcome = " → \(result)"
        case .renew(let result): outcome = " → \(result)"
        case .forced(let count): outcome = " → \(count) removed"
        case .cancelled(let cancelled): outcome = " → \(cancelled)"
        }
        let actions = entry.actions.isEmpty ? "" : " " + entry.actions.map(\.description).joined(separator: ", ")
        return "  #\(entry.step) @\(milliseconds(entry.now)) \(op)\(outcome)\(actions)"
    }

    private func describe(_ view: ResourceView?) -> String {
        view.map(\.description) ?? "nobody"
    }

    private func describe(_ holder: HolderView?) -> String {
        holder.map(\.description) ?? "none"
    }
}
