import DeadboltCore
import XCTest

/// Transcripts of the lock model: a manual clock, events in, actions out.
final class LockTableTests: XCTestCase {
    private let alice = SessionID(1)
    private let bob = SessionID(2)
    private let carol = SessionID(3)
    private let alicePeer = Peer(pid: 101, uid: 1000, gid: 1000)
    private let bobPeer = Peer(pid: 102, uid: 1000, gid: 1000)
    private let carolPeer = Peer(pid: 103, uid: 2000, gid: 2000)

    private var table = LockTable(now: .zero)
    private var now = Instant.zero
    private var actions: [LockAction] = []

    override func setUp() {
        table = LockTable(configuration: LockTableConfiguration(fencingReservationSize: 1000), now: .zero)
        table.openSession(alice, peer: alicePeer)
        table.openSession(bob, peer: bobPeer)
        table.openSession(carol, peer: carolPeer)
        now = .zero
        actions = []
    }

    // MARK: - Helpers

    private func name(_ string: String) -> ResourceName { try! ResourceName(string) }
    private func owner(_ string: String) -> OwnerName { try! OwnerName(string) }

    @discardableResult
    private func acquire(
        _ resource: String, _ session: SessionID, ticket: UInt64 = 1, owner: String = "", mode: LockMode = .exclusive,
        ttl: UInt32 = 0, wait: WaitPolicy = .noWait, detached: Bool = false, reentrant: Bool = false
    ) -> AcquireResult {
        table.acquire(
            LockRequest(
                resource: name(resource), owner: self.owner(owner), session: session, ticket: Ticket(ticket),
                mode: mode, ttlMilliseconds: ttl, wait: wait, detached: detached, reentrant: reentrant
            ),
            now: now, into: &actions
        )
    }

    private func release(_ resource: String, _ session: SessionID, owner: String = "") -> ReleaseResult {
        table.release(resource: name(resource), owner: self.owner(owner), session: session, now: now, into: &actions)
    }

    private func advance(milliseconds: UInt64) {
        now = Instant(nanoseconds: now.nanoseconds + milliseconds * 1_000_000)
        while !table.advance(to: now, into: &actions) {}
    }

    /// The actions since the last call, without durable-state writes.
    private func takeActions() -> [LockAction] {
        defer { actions = [] }
        return actions.filter {
            switch $0 {
            case .persistFencingHighWater, .persistLeaseHorizon: false
            default: true
            }
        }
    }

    private func token(_ result: AcquireResult) -> UInt64? {
        if case .granted(let grant) = result { grant.fencingToken } else { nil }
    }

    private func grantedTickets(_ actions: [LockAction]) -> [UInt64] {
        actions.compactMap { if case .granted(let grant) = $0 { grant.ticket.rawValue } else { nil } }
    }

    // MARK: - Names

    func testANamespacedNameNeverMeetsAClientsNameOrAnotherUidsAndKnowsItsClientName() throws {
        let plain = try ResourceName("printer")
        let mine = ResourceName(isolating: plain, uid: 1000)
        let theirs = ResourceName(isolating: plain, uid: 1001)
        XCTAssertNotEqual(mine, plain)
        XCTAssertNotEqual(mine, theirs)
        XCTAssertEqual(mine.clientName, "printer")
        XCTAssertEqual(plain.clientName, "printer")
        XCTAssertTrue(mine.hasBytePrefix(ResourceName.namespacePrefix(uid: 1000)))
        XCTAssertFalse(mine.hasBytePrefix(ResourceName.namespacePrefix(uid: 100)), "uid 100's prefix is not uid 1000's")
        XCTAssertEqual(ResourceName(namespaced: mine.string), mine)
        XCTAssertNil(ResourceName(namespaced: "printer"))
        let long = try ResourceName(String(repeating: "x", count: 255))
        XCTAssertEqual(ResourceName(isolating: long, uid: 4_294_967_295).clientName.utf8.count, 255, "the limit is on what clients send")
    }

    func testNamesAreOneTo255BytesAndCompareByteForByte() throws {
        XCTAssertThrowsError(try ResourceName("")) { XCTAssertEqual($0 as? NameError, .empty) }
        XCTAssertThrowsError(try ResourceName(String(repeating: "x", count: 256))) {
            XCTAssertEqual($0 as? NameError, .tooLong(bytes: 256))
        }
        XCTAssertNoThrow(try ResourceName(String(repeating: "x", count: 255)))
        XCTAssertNoThrow(try OwnerName(""))
        XCTAssertThrowsError(try ResourceName("a\u{0}b")) { XCTAssertEqual($0 as? NameError, .containsNUL) }
        XCTAssertThrowsError(try OwnerName("\u{0}")) { XCTAssertEqual($0 as? NameError, .containsNUL) }
        XCTAssertThrowsError(try OwnerName(String(repeating: "o", count: 256)))
        // "é" precomposed and decomposed are equal Swift strings, but different locks.
        let precomposed = try ResourceName("caf\u{E9}")
        let decomposed = try ResourceName("cafe\u{301}")
        XCTAssertEqual("caf\u{E9}", "cafe\u{301}")
        XCTAssertNotEqual(precomposed, decomposed)
        XCTAssertEqual(Set([precomposed, decomposed]).count, 2)
    }

    // MARK: - Exclusive, try, wait

    func testTryOnAHeldLockIsRefusedAtOnce() {
        XCTAssertNotNil(token(acquire("db", alice)))
        XCTAssertEqual(acquire("db", bob), .refused(.notGranted))
        XCTAssertEqual(release("db", alice), .released(remainingHoldCount: 0))
        XCTAssertNotNil(token(acquire("db", bob)))
    }

    func testWaitersAreGrantedStrictlyFirstComeFirstServed() {
        acquire("db", alice)
        XCTAssertEqual(acquire("db", bob, ticket: 7, wait: .forever), .queued)
        XCTAssertEqual(acquire("db", carol, ticket: 8, wait: .forever), .queued)
        XCTAssertEqual(release("db", alice), .released(remainingHoldCount: 0))
        XCTAssertEqual(grantedTickets(takeActions()), [7])
        XCTAssertEqual(release("db", bob), .released(remainingHoldCount: 0))
        XCTAssertEqual(grantedTickets(takeActions()), [8])
    }

    func testAQueueMakesEvenACompatibleRequestWait() {
        acquire("db", alice, mode: .shared)
        XCTAssertEqual(acquire("db", bob, ticket: 2, mode: .exclusive, wait: .forever), .queued)
        // Writer preference: a reader arriving behind a queued writer queues too.
        XCTAssertEqual(acquire("db", carol, ticket: 3, mode: .shared), .refused(.notGranted))
        XCTAssertEqual(acquire("db", carol, ticket: 3, mode: .shared, wait: .forever), .queued)
        XCTAssertEqual(release("db", alice), .released(remainingHoldCount: 0))
        XCTAssertEqual(grantedTickets(takeActions()), [2])
        XCTAssertEqual(release("db", bob), .released(remainingHoldCount: 0))
        XCTAssertEqual(grantedTickets(takeActions()), [3])
    }

    func testWaitTimesOutAndTheNextWaiterIsConsidered() {
        acquire("db", alice, mode: .shared)
        XCTAssertEqual(acquire("db", bob, ticket: 2, mode: .exclusive, wait: .milliseconds(50)), .queued)
        XCTAssertEqual(acquire("db", carol, ticket: 3, mode: .shared, wait: .forever), .queued)
        advance(milliseconds: 50)
        XCTAssertEqual(takeActions(), [], "a wait does not end before its tick has passed")
        advance(milliseconds: 1)
        // Bob's wait ends; Carol's shared request is now compatible with Alice's hold.
        let after = takeActions()
        XCTAssertEqual(after.first, .waitTimedOut(session: bob, ticket: Ticket(2)))
        XCTAssertEqual(grantedTickets(after), [3])
        XCTAssertEqual(table.counters.timeoutsTotal, 1)
    }

    func testConsecutiveSharedWaitersAtTheHeadAreGrantedTogether() {
        acquire("db", alice)
        acquire("db", bob, ticket: 2, mode: .shared, wait: .forever)
        acquire("db", carol, ticket: 3, mode: .shared, wait: .forever)
        let dave = SessionID(4)
        table.openSession(dave, peer: alicePeer)
        acquire("db", dave, ticket: 4, mode: .exclusive, wait: .forever)
        _ = release("db", alice)
        XCTAssertEqual(grantedTickets(takeActions()), [2, 3])
        XCTAssertEqual(table.snapshot(of: name("db"))?.holders.map(\.session), [bob, carol])
        XCTAssertEqual(table.snapshot(of: name("db"))?.waiters.map(\.session), [dave])
    }

    func testSharedReleaseGivesUpOnlyTheCallersHold() {
        acquire("db", alice, mode: .shared)
        acquire("db", bob, mode: .shared)
        acquire("db", carol, ticket: 9, wait: .forever)
        XCTAssertEqual(release("db", alice), .released(remainingHoldCount: 0))
        XCTAssertEqual(grantedTickets(takeActions()), [])
        XCTAssertEqual(release("db", bob), .released(remainingHoldCount: 0))
        XCTAssertEqual(grantedTickets(takeActions()), [9])
    }

    // MARK: - Same owner

    func testSameOwnerWithoutReentrancyIsAlreadyHeldNotAWait() {
        acquire("db", alice)
        XCTAssertEqual(acquire("db", alice, wait: .forever), .refused(.alreadyHeld))
        acquire("ro", alice, mode: .shared)
        XCTAssertEqual(acquire("ro", alice, mode: .exclusive, wait: .forever, reentrant: true), .refused(.alreadyHeld),
                       "no shared-to-exclusive upgrade")
        XCTAssertEqual(acquire("ro", alice, mode: .shared, reentrant: true), .refused(.alreadyHeld),
                       "reentrancy is for exclusive holds only")
    }

    func testReentrantAcquiresNestAndNeedAsManyReleases() {
        let first = token(acquire("db", alice, reentrant: true))
        guard case .granted(let nested) = acquire("db", alice, reentrant: true) else { return XCTFail() }
        XCTAssertEqual(nested.fencingToken, first, "nested acquires return the same token")
        XCTAssertEqual(nested.holdCount, 2)
        XCTAssertEqual(nested.ttlMilliseconds, 0, "no lease")
        acquire("db", bob, ticket: 5, wait: .forever)
        XCTAssertEqual(release("db", alice), .released(remainingHoldCount: 1))
        XCTAssertEqual(grantedTickets(takeActions()), [])
        XCTAssertEqual(release("db", alice), .released(remainingHoldCount: 0))
        XCTAssertEqual(grantedTickets(takeActions()), [5])
    }

    func testANestedAcquireReportsTheLeaseTheHoldHasLeft() {
        acquire("db", alice, ttl: 1000, reentrant: true)
        advance(milliseconds: 400)
        guard case .granted(let kept) = acquire("db", alice, reentrant: true) else { return XCTFail() }
        XCTAssertEqual(kept.ttlMilliseconds, 600, "TTL 0 keeps the lease")
        guard case .granted(let renewed) = acquire("db", alice, ttl: 5000, reentrant: true) else { return XCTFail() }
        XCTAssertEqual(renewed.ttlMilliseconds, 5000, "a TTL renews it")
    }

    func testAnOwnerCannotQueueTwiceForOneResource() {
        acquire("db", alice)
        XCTAssertEqual(acquire("db", bob, ticket: 1, wait: .forever), .queued)
        XCTAssertEqual(acquire("db", bob, ticket: 2, wait: .forever), .refused(.alreadyWaiting))
    }

    // MARK: - Release statuses and owners

    func testReleaseAnswersTheThreeStatuses() {
        XCTAssertEqual(release("db", alice), .lockUnexist)
        acquire("db", alice)
        XCTAssertEqual(release("db", bob), .belongsToOthers)
        XCTAssertEqual(release("db", alice), .released(remainingHoldCount: 0))
        XCTAssertEqual(release("db", alice), .lockUnexist)
    }

    func testANamedOwnerIsScopedToItsUid() {
        acquire("db", alice, owner: "job-42")
        // Bob runs as the same uid: he may release the hold by presenting its owner.
        XCTAssertEqual(release("db", bob, owner: "job-42"), .released(remainingHoldCount: 0))
        acquire("db", alice, owner: "job-42")
        // Carol is another uid: the same string is not her hold.
        XCTAssertEqual(release("db", carol, owner: "job-42"), .permissionDenied)
        XCTAssertEqual(
            table.renew(resource: name("db"), owner: owner("job-42"), session: carol, ttlMilliseconds: 10, now: now, into: &actions),
            .permissionDenied
        )
        XCTAssertEqual(release("db", carol, owner: "other"), .belongsToOthers)
    }

    // MARK: - Leases

    func testALeaseEndsOnItsTickNeverEarlyAndTheHolderIsTold() {
        guard case .granted(let grant) = acquire("db", alice, ttl: 100) else { return XCTFail() }
        acquire("db", bob, ticket: 2, wait: .forever)
        advance(milliseconds: 100)
        XCTAssertEqual(takeActions(), [], "the tick holding the deadline has not passed yet")
        advance(milliseconds: 1)
        let after = takeActions()
        XCTAssertEqual(after.first, .lost(LostNotice(
            session: alice, resource: name("db"), owner: .session, fencingToken: grant.fencingToken, reason: .leaseExpired
        )))
        XCTAssertEqual(grantedTickets(after), [2])
        XCTAssertEqual(table.counters.expiriesTotal, 1)
    }

    func testALeaseStartsAtTheGrantNotAtTheRequest() {
        acquire("db", alice)
        acquire("db", bob, ticket: 2, ttl: 100, wait: .forever)
        advance(milliseconds: 500)
        _ = release("db", alice)
        XCTAssertEqual(table.snapshot(of: name("db"))?.holders.first?.leaseDeadline, now.adding(milliseconds: 100))
    }

    func testAnyCallOnTheResourceSeesADueLeaseAsOver() {
        acquire("db", alice, ttl: 100)
        now = now.adding(milliseconds: 100)  // no advance: the wheel has not run
        XCTAssertNotNil(token(acquire("db", bob)))
        XCTAssertEqual(takeActions().count, 1, "Alice was told she lost it")
    }

    func testRenewExtendsFromNowAndCanAddOrRemoveALease() {
        acquire("db", alice, ttl: 100)
        advance(milliseconds: 90)
        XCTAssertEqual(
            table.renew(resource: name("db"), owner: .session, session: alice, ttlMilliseconds: 100, now: now, into: &actions),
            .renewed(fencingToken: 1, ttlMilliseconds: 100)
        )
        advance(milliseconds: 99)
        XCTAssertEqual(takeActions(), [])
        XCTAssertEqual(
            table.renew(resource: name("db"), owner: .session, session: alice, ttlMilliseconds: 0, now: now, into: &actions),
            .renewed(fencingToken: 1, ttlMilliseconds: 0)
        )
        advance(milliseconds: 10_000)
        XCTAssertEqual(takeActions(), [])
        XCTAssertNil(table.snapshot(of: name("db"))?.holders.first?.leaseDeadline)
        XCTAssertEqual(
            table.renew(resource: name("db"), owner: .session, session: bob, ttlMilliseconds: 10, now: now, into: &actions),
            .belongsToOthers
        )
        XCTAssertEqual(
            table.renew(resource: name("nope"), owner: .session, session: bob, ttlMilliseconds: 10, now: now, into: &actions),
            .lockUnexist
        )
    }

    // MARK: - Sessions

    func testClosingASessionReleasesItsHoldsAndLeavesItsQueues() {
        acquire("a", alice)
        acquire("b", bob)
        acquire("b", alice, ticket: 3, wait: .forever)
        acquire("a", carol, ticket: 4, wait: .forever)
        table.closeSession(alice, now: now, into: &actions)
        XCTAssertEqual(grantedTickets(takeActions()), [4])
        XCTAssertEqual(table.snapshot(of: name("b"))?.waiters, [])
        XCTAssertEqual(table.counters.sessions, 2)
    }

    func testADetachedHoldOutlivesItsSessionAndExpiresSilently() {
        XCTAssertEqual(acquire("db", alice, detached: true), .refused(.detachedWithoutLease))
        acquire("db", alice, owner: "cron", ttl: 1000, detached: true)
        table.closeSession(alice, now: now, into: &actions)
        XCTAssertEqual(table.snapshot(of: name("db"))?.holders.first?.sessionOpen, false)
        XCTAssertEqual(
            table.renew(resource: name("db"), owner: owner("cron"), session: bob, ttlMilliseconds: 0, now: now, into: &actions),
            .detachedWithoutLease
        )
        advance(milliseconds: 1001)
        XCTAssertEqual(takeActions(), [], "nobody to tell")
        XCTAssertEqual(table.counters.silentExpiriesTotal, 1)
        XCTAssertEqual(table.counters.sessions, 2, "the closed session is forgotten once it owns nothing")
        XCTAssertNil(table.snapshot(of: name("db")))
    }

    func testCancelRemovesAQueuedRequest() {
        acquire("db", alice, mode: .shared)
        acquire("db", bob, ticket: 2, wait: .forever)
        acquire("db", carol, ticket: 3, mode: .shared, wait: .forever)
        XCTAssertTrue(table.cancel(session: bob, ticket: Ticket(2), now: now, into: &actions))
        XCTAssertEqual(grantedTickets(takeActions()), [3], "the reader behind the cancelled writer goes")
        XCTAssertFalse(table.cancel(session: bob, ticket: Ticket(2), now: now, into: &actions))
    }

    func testForceReleaseTellsHoldersAndServesTheQueue() {
        acquire("db", alice, mode: .shared)
        acquire("db", bob, mode: .shared)
        acquire("db", carol, ticket: 3, wait: .forever)
        XCTAssertEqual(table.forceRelease(resource: name("db"), now: now, into: &actions), 2)
        let after = takeActions()
        XCTAssertEqual(after.filter { if case .lost(let notice) = $0 { notice.reason == .forceReleased } else { false } }.count, 2)
        XCTAssertEqual(grantedTickets(after), [3])
    }

    // MARK: - Fencing

    func testTokensIncreaseAndReservationsComeBeforeTheGrantsTheyCover() {
        var table = LockTable(configuration: LockTableConfiguration(fencingReservationSize: 2), fencingFloor: 40, now: .zero)
        table.openSession(alice, peer: alicePeer)
        var actions: [LockAction] = []
        var tokens: [UInt64] = []
        for _ in 0..<3 {
            let result = table.acquire(LockRequest(resource: name("db"), session: alice, ticket: Ticket(1)), now: .zero, into: &actions)
            tokens.append(token(result)!)
            _ = table.release(resource: name("db"), owner: .session, session: alice, now: .zero, into: &actions)
        }
        XCTAssertEqual(tokens, [41, 42, 43], "the floor is the previous run's high-water")
        XCTAssertEqual(actions, [.persistFencingHighWater(42), .persistFencingHighWater(44)])
    }

    // MARK: - Restart

    func testDetachedLeasesMoveTheDurableLeaseHorizonAheadOfTheirGrants() {
        var table = LockTable(configuration: LockTableConfiguration(leaseHorizonSlackMilliseconds: 500), now: .zero)
        table.openSession(alice, peer: alicePeer)
        var actions: [LockAction] = []
        _ = table.acquire(LockRequest(resource: name("a"), session: alice, ticket: Ticket(1), ttlMilliseconds: 1000), now: .zero, into: &actions)
        XCTAssertFalse(actions.contains { if case .persistLeaseHorizon = $0 { true } else { false } }, "session-bound leases need no grace")
        actions = []
        let result = table.acquire(
            LockRequest(resource: name("b"), owner: owner("cron"), session: alice, ticket: Ticket(2), ttlMilliseconds: 1000, detached: true),
            now: .zero, into: &actions
        )
        XCTAssertEqual(actions.last, .persistLeaseHorizon(.milliseconds(1500)), "the horizon comes before the grant it covers")
        XCTAssertNotNil(token(result))
        actions = []
        // Within the slack: no new write.
        _ = table.renew(resource: name("b"), owner: owner("cron"), session: alice, ttlMilliseconds: 1400, now: .zero, into: &actions)
        XCTAssertEqual(actions, [])
        _ = table.renew(resource: name("b"), owner: owner("cron"), session: alice, ttlMilliseconds: 1600, now: .zero, into: &actions)
        XCTAssertEqual(actions, [.persistLeaseHorizon(.milliseconds(2100))])
    }

    func testAfterAnUncleanRestartNothingIsGrantedUntilTheGracePeriodEnds() {
        var table = LockTable(graceUntil: .milliseconds(300), now: .milliseconds(100))
        table.openSession(alice, peer: alicePeer)
        table.openSession(bob, peer: bobPeer)
        var actions: [LockAction] = []
        let tryResult = table.acquire(LockRequest(resource: name("db"), session: alice, ticket: Ticket(1)), now: .milliseconds(100), into: &actions)
        XCTAssertEqual(tryResult, .refused(.notGranted))
        XCTAssertEqual(table.acquire(LockRequest(resource: name("db"), session: alice, ticket: Ticket(2), wait: .forever), now: .milliseconds(100), into: &actions), .queued)
        XCTAssertEqual(table.acquire(LockRequest(resource: name("db"), session: bob, ticket: Ticket(3), wait: .forever), now: .milliseconds(150), into: &actions), .queued)
        XCTAssertEqual(table.nextAdvance(), .milliseconds(300))
        XCTAssertTrue(table.advance(to: .milliseconds(299), into: &actions))
        XCTAssertEqual(grantedTickets(actions), [])
        XCTAssertTrue(table.advance(to: .milliseconds(300), into: &actions))
        XCTAssertEqual(grantedTickets(actions), [2], "queues are served in order when the grace period ends")
        XCTAssertNil(table.graceDeadline)
    }

    func testASessionClosingAsTheGracePeriodEndsIsNotGrantedOnItsWayOut() {
        var table = LockTable(graceUntil: .milliseconds(300), now: .milliseconds(100))
        table.openSession(alice, peer: alicePeer)
        table.openSession(bob, peer: bobPeer)
        var actions: [LockAction] = []
        let detached = LockRequest(
            resource: name("db"), owner: owner("cron"), session: alice, ticket: Ticket(1), ttlMilliseconds: 60_000,
            wait: .forever, detached: true
        )
        XCTAssertEqual(table.acquire(detached, now: .milliseconds(100), into: &actions), .queued)
        XCTAssertEqual(table.acquire(LockRequest(resource: name("db"), session: bob, ticket: Ticket(2), wait: .forever), now: .milliseconds(100), into: &actions), .queued)
        table.closeSession(alice, now: .milliseconds(300), into: &actions)
        XCTAssertEqual(grantedTickets(actions), [2], "Alice's detached request left with her; it was not granted and orphaned")
        XCTAssertEqual(table.snapshot(of: name("db"))?.holders.map(\.session), [bob])
    }

    func testTheGracePeriodIsCappedByTheMaximumTTL() {
        let table = LockTable(configuration: LockTableConfiguration(maxTTLMilliseconds: 1000), graceUntil: .milliseconds(1_000_000), now: .zero)
        XCTAssertEqual(table.graceDeadline, .milliseconds(1000))
        XCTAssertNil(LockTable(graceUntil: .milliseconds(5), now: .milliseconds(10)).graceDeadline, "a horizon in the past means no grace")
    }

    func testATTLAboveTheMaximumIsRefused() {
        var table = LockTable(configuration: LockTableConfiguration(maxTTLMilliseconds: 1000), now: .zero)
        table.openSession(alice, peer: alicePeer)
        var actions: [LockAction] = []
        XCTAssertEqual(
            table.acquire(LockRequest(resource: name("db"), session: alice, ticket: Ticket(1), ttlMilliseconds: 1001), now: .zero, into: &actions),
            .refused(.ttlTooLong)
        )
        _ = table.acquire(LockRequest(resource: name("db"), session: alice, ticket: Ticket(1), ttlMilliseconds: 1000), now: .zero, into: &actions)
        XCTAssertEqual(table.renew(resource: name("db"), owner: .session, session: alice, ttlMilliseconds: 1001, now: .zero, into: &actions), .ttlTooLong)
    }

    // MARK: - Limits

    func testQuotasRefuseWithADistinctResult() {
        var table = LockTable(configuration: LockTableConfiguration(maxLocksPerSession: 2, maxWaitersPerSession: 1, maxResources: 3), now: .zero)
        table.openSession(alice, peer: alicePeer)
        table.openSession(bob, peer: bobPeer)
        var actions: [LockAction] = []
        func acquire(_ resource: String, _ session: SessionID, wait: WaitPolicy = .noWait) -> AcquireResult {
            table.acquire(LockRequest(resource: name(resource), session: session, ticket: Ticket(1), wait: wait), now: .zero, into: &actions)
        }
        XCTAssertNotNil(token(acquire("a", alice)))
        XCTAssertNotNil(token(acquire("b", alice)))
        XCTAssertEqual(acquire("c", alice), .refused(.quotaExceeded(.locksPerSession)))
        XCTAssertNotNil(token(acquire("c", bob)))
        XCTAssertEqual(acquire("d", bob), .refused(.quotaExceeded(.resources)))
        XCTAssertEqual(acquire("a", bob, wait: .forever), .queued)
        XCTAssertEqual(acquire("b", bob, wait: .forever), .refused(.quotaExceeded(.locksPerSession)))
        XCTAssertEqual(table.counters.quotaRejectionsTotal, 3)
    }

    func testPerUIDQuotasCountEverySessionOfTheUidAndNoOther() {
        // alice and bob share uid 1000; carol is uid 2000.
        var table = LockTable(configuration: LockTableConfiguration(maxLocksPerUID: 3, maxWaitersPerUID: 1), now: .zero)
        table.openSession(alice, peer: alicePeer)
        table.openSession(bob, peer: bobPeer)
        table.openSession(carol, peer: carolPeer)
        var actions: [LockAction] = []
        func acquire(_ resource: String, _ session: SessionID, ticket: UInt64 = 1, detached: Bool = false, wait: WaitPolicy = .noWait) -> AcquireResult {
            table.acquire(
                LockRequest(resource: name(resource), session: session, ticket: Ticket(ticket), ttlMilliseconds: detached ? 60_000 : 0,
                            wait: wait, detached: detached),
                now: .zero, into: &actions
            )
        }
        XCTAssertNotNil(token(acquire("a", alice, detached: true)))
        XCTAssertNotNil(token(acquire("b", bob)))
        XCTAssertEqual(acquire("q", carol), .granted(Grant(
            session: carol, ticket: Ticket(1), resource: name("q"), owner: owner(""), mode: .exclusive,
            fencingToken: 3, holdCount: 1, ttlMilliseconds: 0
        )), "another uid is not counted")
        XCTAssertEqual(acquire("b", alice, wait: .forever), .queued) // uid 1000: 2 holds + 1 waiter
        XCTAssertEqual(acquire("c", bob), .refused(.quotaExceeded(.locksPerUID)))
        XCTAssertEqual(acquire("q", carol, ticket: 2, wait: .forever), .refused(.alreadyHeld))

        // The detached hold still counts after its session closes; the waiter does not.
        table.closeSession(alice, now: .zero, into: &actions)
        XCTAssertNotNil(token(acquire("c", bob)), "alice's waiter left with her session")
        XCTAssertEqual(acquire("d", bob), .refused(.quotaExceeded(.locksPerUID)), "her detached hold still counts")

        var waiters = LockTable(configuration: LockTableConfiguration(maxWaitersPerUID: 1), now: .zero)
        waiters.openSession(alice, peer: alicePeer)
        waiters.openSession(bob, peer: bobPeer)
        waiters.openSession(carol, peer: carolPeer)
        _ = waiters.acquire(LockRequest(resource: name("x"), session: carol, ticket: Ticket(1)), now: .zero, into: &actions)
        XCTAssertEqual(waiters.acquire(LockRequest(resource: name("x"), session: alice, ticket: Ticket(1), wait: .forever), now: .zero, into: &actions), .queued)
        XCTAssertEqual(waiters.acquire(LockRequest(resource: name("x"), session: bob, ticket: Ticket(1), wait: .forever), now: .zero, into: &actions),
                       .refused(.quotaExceeded(.waitersPerUID)))
    }

    // MARK: - Queries

    func testSnapshotListAndCounters() {
        acquire("app/a", alice, owner: "w1", ttl: 5000)
        acquire("app/b", bob, mode: .shared)
        acquire("app/b", carol, mode: .shared)
        acquire("app/a", carol, ticket: 9, wait: .milliseconds(200))
        acquire("other", alice)
        let a = table.snapshot(of: name("app/a"))!
        XCTAssertEqual(a.holders.map(\.owner), [owner("w1")])
        XCTAssertEqual(a.holders.first?.peer, alicePeer)
        XCTAssertEqual(a.holders.first?.leaseDeadline, Instant.milliseconds(5000))
        XCTAssertEqual(a.waiters.map(\.ticket), [Ticket(9)])
        XCTAssertEqual(a.waiters.first?.waitDeadline, Instant.milliseconds(200))

        let first = table.list(prefix: "app/", after: nil, limit: 1)
        XCTAssertEqual(first.resources.map(\.name), [name("app/a")])
        XCTAssertEqual(first.nextCursor, name("app/a"))
        let second = table.list(prefix: "app/", after: first.nextCursor, limit: 1)
        XCTAssertEqual(second.resources, [ResourceSummary(name: name("app/b"), heldMode: .shared, holderCount: 2, waiterCount: 0)])
        XCTAssertNil(second.nextCursor)

        XCTAssertEqual(table.counters.locksHeld, 4)
        XCTAssertEqual(table.counters.waiters, 1)
        XCTAssertEqual(table.counters.resources, 3)
        XCTAssertEqual(table.counters.grantsTotal, 4)
    }

    func testRemoveAllWaitersEmptiesEveryQueue() {
        acquire("db", alice)
        acquire("db", bob, ticket: 2, wait: .forever)
        acquire("db", carol, ticket: 3, wait: .milliseconds(100))
        let removed = table.removeAllWaiters()
        XCTAssertEqual(Set(removed.map(\.ticket)), [Ticket(2), Ticket(3)])
        XCTAssertEqual(table.counters.waiters, 0)
        advance(milliseconds: 1000)
        XCTAssertEqual(takeActions(), [], "their timers went with them")
    }
}
