import DeadboltCore
import XCTest

/// Transcripts of upstream admission: the table asks before it grants, takes
/// the upstream's token, keeps its queue order while it asks, and reports
/// every ended hold for release upstream.
final class AdmissionTests: XCTestCase {
    private let alice = SessionID(1)
    private let bob = SessionID(2)
    private let peer = Peer(pid: 101, uid: 1000, gid: 1000)

    private var table = LockTable(now: .zero)
    private var now = Instant.zero
    private var actions: [LockAction] = []

    override func setUp() {
        table = LockTable(configuration: LockTableConfiguration(admission: .upstream), now: .zero)
        table.openSession(alice, peer: peer)
        table.openSession(bob, peer: Peer(pid: 102, uid: 1000, gid: 1000))
        now = .zero
        actions = []
    }

    private func name(_ string: String) -> ResourceName { try! ResourceName(string) }

    @discardableResult
    private func acquire(
        _ resource: String, _ session: SessionID, ticket: UInt64, mode: LockMode = .exclusive, ttl: UInt32 = 0,
        wait: WaitPolicy = .noWait, reentrant: Bool = false
    ) -> AcquireResult {
        table.acquire(
            LockRequest(
                resource: name(resource), owner: try! OwnerName(""), session: session, ticket: Ticket(ticket),
                mode: mode, ttlMilliseconds: ttl, wait: wait, detached: false, reentrant: reentrant
            ),
            now: now, into: &actions
        )
    }

    private func take() -> [LockAction] {
        defer { actions = [] }
        return actions
    }

    /// The admissions asked for since the last call.
    private func admissions() -> [AdmissionRequest] {
        take().compactMap { if case .admit(let request) = $0 { request } else { nil } }
    }

    func testAFreeLockIsGrantedOnlyWithTheUpstreamsAnswerAndToken() throws {
        XCTAssertEqual(acquire("db", alice, ticket: 1, ttl: 5000), .queued)
        let asked = admissions()
        XCTAssertEqual(asked.count, 1)
        XCTAssertEqual(asked[0].ticket, Ticket(1))
        XCTAssertEqual(asked[0].ttlMilliseconds, 5000)
        XCTAssertEqual(table.counters.locksHeld, 0, "nothing is held before the upstream answers")

        let grant = try XCTUnwrap(table.admitted(asked[0].id, fencingToken: 7001, now: now, into: &actions))
        XCTAssertEqual(grant.fencingToken, 7001)
        XCTAssertEqual(take(), [.granted(grant)])
        XCTAssertEqual(table.counters.locksHeld, 1)
        XCTAssertEqual(table.counters.waiters, 0)
    }

    func testRequestsBehindAnAdmissionWaitTheirTurnAndTriesAreRefusedLocally() throws {
        acquire("db", alice, ticket: 1, wait: .forever)
        let first = admissions()[0]
        XCTAssertEqual(acquire("db", bob, ticket: 2, wait: .forever), .queued)
        XCTAssertEqual(admissions(), [], "bob queues behind alice's admission")
        table.openSession(SessionID(3), peer: peer)
        XCTAssertEqual(acquire("db", SessionID(3), ticket: 3, mode: .shared), .refused(.notGranted))

        table.admitted(first.id, fencingToken: 10, now: now, into: &actions)
        _ = take()
        XCTAssertEqual(table.release(resource: name("db"), owner: try OwnerName(""), session: alice, now: now, into: &actions),
                       .released(remainingHoldCount: 0))
        let afterRelease = take()
        XCTAssertEqual(afterRelease.first, .releaseUpstream(resource: name("db"), fencingToken: 10))
        guard case .admit(let second) = afterRelease.last else { return XCTFail("bob is admitted next: \(afterRelease)") }
        XCTAssertEqual(second.session, bob)
    }

    func testATryHeldElsewhereIsNotGrantedAndAWaitKeepsItsPlaceUntilReadmitted() {
        acquire("db", alice, ticket: 1)
        let attempt = admissions()[0]
        table.notAdmitted(attempt.id, .heldElsewhere, now: now, into: &actions)
        XCTAssertEqual(take(), [.refused(session: alice, ticket: Ticket(1), .notGranted)])
        XCTAssertEqual(table.counters.waiters, 0)

        acquire("db", alice, ticket: 2, wait: .forever)
        let waiting = admissions()[0]
        acquire("db", bob, ticket: 3, wait: .forever)
        table.notAdmitted(waiting.id, .heldElsewhere, now: now, into: &actions)
        XCTAssertEqual(take(), [], "a wait stays queued, first in line")
        table.readmit(name("db"), now: now, into: &actions)
        let again = admissions()
        XCTAssertEqual(again.map(\.ticket), [Ticket(2)], "the head is asked again; bob still waits behind it")
        XCTAssertNotEqual(again[0].id, waiting.id)
    }

    func testAnUnreachableUpstreamRefusesATryAtOnceAndAWaitAtItsDeadline() {
        acquire("db", alice, ticket: 1)
        table.notAdmitted(admissions()[0].id, .unavailable, now: now, into: &actions)
        XCTAssertEqual(take(), [.refused(session: alice, ticket: Ticket(1), .upstreamUnavailable)])

        acquire("db", alice, ticket: 2, wait: .milliseconds(100))
        table.notAdmitted(admissions()[0].id, .unavailable, now: now, into: &actions)
        XCTAssertEqual(take(), [])
        now = now.adding(milliseconds: 102)
        while !table.advance(to: now, into: &actions) {}
        XCTAssertEqual(take(), [.refused(session: alice, ticket: Ticket(2), .upstreamUnavailable)])
    }

    func testAnUnexpectedUpstreamAnswerRefusesATryAsAFailure() {
        acquire("db", alice, ticket: 1)
        table.notAdmitted(admissions()[0].id, .failed, now: now, into: &actions)
        XCTAssertEqual(take(), [.refused(session: alice, ticket: Ticket(1), .upstreamFailed)])
    }

    func testConsecutiveSharedRequestsAreAdmittedTogetherButNotPastAWriter() {
        acquire("db", alice, ticket: 1, mode: .shared, wait: .forever)
        acquire("db", bob, ticket: 2, mode: .shared, wait: .forever)
        acquire("db", alice, ticket: 3, mode: .exclusive, wait: .forever)
        acquire("db", bob, ticket: 4, mode: .shared, wait: .forever)
        XCTAssertEqual(admissions().map(\.ticket), [Ticket(1), Ticket(2)])
    }

    func testAnAnswerForARequestThatLeftTheQueueFindsNothing() {
        acquire("db", alice, ticket: 1, wait: .milliseconds(50))
        let attempt = admissions()[0]
        XCTAssertTrue(table.cancel(session: alice, ticket: Ticket(1), now: now, into: &actions))
        XCTAssertNil(table.admitted(attempt.id, fencingToken: 5, now: now, into: &actions), "the caller releases upstream")
        XCTAssertFalse(table.notAdmitted(attempt.id, .heldElsewhere, now: now, into: &actions))
        XCTAssertEqual(table.counters.locksHeld, 0)
    }

    func testEveryEndedHoldIsReleasedUpstreamAndALossUpstreamIsLOST() throws {
        acquire("a", alice, ticket: 1, ttl: 100)
        table.admitted(admissions()[0].id, fencingToken: 1, now: now, into: &actions)
        acquire("b", alice, ticket: 2)
        table.admitted(admissions()[0].id, fencingToken: 2, now: now, into: &actions)
        acquire("c", bob, ticket: 3)
        table.admitted(admissions()[0].id, fencingToken: 3, now: now, into: &actions)
        _ = take()

        now = now.adding(milliseconds: 102)
        while !table.advance(to: now, into: &actions) {}
        XCTAssertTrue(take().contains(.releaseUpstream(resource: name("a"), fencingToken: 1)), "an expired lease")
        table.closeSession(alice, now: now, into: &actions)
        XCTAssertEqual(take(), [.releaseUpstream(resource: name("b"), fencingToken: 2)], "a session's end")

        XCTAssertTrue(table.loseUpstream(name("c"), fencingToken: 3, now: now, into: &actions))
        let lost = take()
        XCTAssertEqual(lost.count, 1, "lost upstream: nothing to release there")
        guard case .lost(let notice) = lost.first else { return XCTFail("\(lost)") }
        XCTAssertEqual(notice.reason, .upstreamLost)
        XCTAssertEqual(notice.fencingToken, 3)
    }

    func testRenewalsAndReentrantLeasesAreExtendedUpstream() throws {
        acquire("db", alice, ticket: 1, ttl: 1000, reentrant: true)
        table.admitted(admissions()[0].id, fencingToken: 9, now: now, into: &actions)
        _ = take()
        _ = table.renew(resource: name("db"), owner: try OwnerName(""), session: alice, ttlMilliseconds: 3000, now: now, into: &actions)
        XCTAssertEqual(take(), [.extendUpstream(resource: name("db"), fencingToken: 9, ttlMilliseconds: 3000)])
        guard case .granted(let nested) = acquire("db", alice, ticket: 2, ttl: 4000, reentrant: true) else {
            return XCTFail("a reentrant acquire nests at once")
        }
        XCTAssertEqual(nested.fencingToken, 9)
        XCTAssertEqual(take(), [.extendUpstream(resource: name("db"), fencingToken: 9, ttlMilliseconds: 4000)])
    }

    func testThereIsNoGracePeriodUpstream() {
        let table = LockTable(
            configuration: LockTableConfiguration(admission: .upstream), graceUntil: Instant.zero.adding(milliseconds: 60_000), now: .zero
        )
        XCTAssertNil(table.graceDeadline)
    }
}
