import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Waiting acquires over real sockets: first come, first served; wait
/// deadlines; readers and writers; CANCEL.
final class QueueingEndToEndTests: RunningDaemonTestCase {
    func testWaitersOnThreeConnectionsAreGrantedInArrivalOrder() throws {
        let holder = try TestClient.connected(to: daemon)
        let waiters = try (0..<3).map { _ in try TestClient.connected(to: daemon) }
        let first = try holder.acquireOK("fifo")
        var requests: [UInt32] = []
        for (position, waiter) in waiters.enumerated() {
            // The next waiter asks only once this one is queued, so the loop's order is the arrival order.
            requests.append(try waiter.acquireQueued("fifo"))
            XCTAssertEqual(try holder.query("fifo").waiters.map(\.sessionID), waiters[...position].map(\.sessionID))
        }

        XCTAssertEqual(try holder.releaseOK("fifo"), 0)
        var previousToken = first.fencingToken
        for (position, waiter) in waiters.enumerated() {
            let granted = try waiter.answer(to: requests[position]).expectGranted()
            XCTAssertGreaterThan(granted.fencingToken, previousToken)
            previousToken = granted.fencingToken
            // Only the head was granted; the others still wait, in order.
            let state = try holder.query("fifo")
            XCTAssertEqual(state.holders.map(\.sessionID), [waiter.sessionID])
            XCTAssertEqual(state.holders.map(\.fencingToken), [granted.fencingToken])
            XCTAssertEqual(state.waiters.map(\.sessionID), waiters[(position + 1)...].map(\.sessionID))
            XCTAssertEqual(try waiter.releaseOK("fifo"), 0)
        }
        XCTAssertEqual(try holder.query("fifo"), QueryResponse(holders: [], waiters: []))
    }

    func testAWaitThatRunsOutIsAnsweredWaitTimeoutAndTheHolderKeepsTheLock() throws {
        let holder = try TestClient.connected(to: daemon)
        let waiter = try TestClient.connected(to: daemon)
        let held = try holder.acquireOK("slow")

        let stopwatch = Stopwatch()
        let answer = try waiter.acquireAnswer("slow", waitMilliseconds: 150)
        XCTAssertEqual(answer.status, .waitTimeout)
        XCTAssertEqual(answer.failedRequestType, .acquire)
        XCTAssertGreaterThanOrEqual(stopwatch.elapsedMilliseconds, 150, "a wait deadline must never pass early")

        let state = try waiter.query("slow")
        XCTAssertEqual(state.holders.map(\.sessionID), [holder.sessionID])
        XCTAssertEqual(state.holders.map(\.fencingToken), [held.fencingToken])
        XCTAssertEqual(state.waiters, [], "a timed-out waiter leaves the queue")
        XCTAssertEqual(try waiter.acquireAnswer("slow").status, .notGranted)
        XCTAssertEqual(try waiter.stats()["timeouts_total"], 1)
        XCTAssertEqual(try holder.releaseOK("slow"), 0)
    }

    func testSharedHoldersAtOnceAndAQueuedWriterHoldsBackLaterReaders() throws {
        let reader1 = try TestClient.connected(to: daemon)
        let reader2 = try TestClient.connected(to: daemon)
        let writer = try TestClient.connected(to: daemon)
        let lateReader = try TestClient.connected(to: daemon)
        let probe = try TestClient.connected(to: daemon)

        let shared1 = try reader1.acquireOK("doc", mode: .shared)
        let shared2 = try reader2.acquireOK("doc", mode: .shared)
        var state = try probe.query("doc")
        XCTAssertEqual(state.holders.map(\.sessionID), [reader1.sessionID, reader2.sessionID])
        XCTAssertEqual(state.holders.map(\.mode), [.shared, .shared])
        XCTAssertNotEqual(shared1.fencingToken, shared2.fencingToken)

        let writeRequest = try writer.acquireQueued("doc")
        XCTAssertEqual(try probe.query("doc").waiters.map(\.sessionID), [writer.sessionID])
        let readRequest = try lateReader.acquireQueued("doc", mode: .shared)
        state = try probe.query("doc")
        XCTAssertEqual(state.waiters.map(\.sessionID), [writer.sessionID, lateReader.sessionID], "writer preference")
        XCTAssertEqual(state.waiters.map(\.mode), [.exclusive, .shared])
        XCTAssertEqual(state.holders.count, 2)
        // A shared try is refused too, although only readers hold: the writer is queued.
        XCTAssertEqual(try probe.acquireAnswer("doc", mode: .shared).status, .notGranted)

        // The first reader leaving grants nothing: a reader still holds.
        XCTAssertEqual(try reader1.releaseOK("doc"), 0)
        state = try probe.query("doc")
        XCTAssertEqual(state.holders.map(\.sessionID), [reader2.sessionID])
        XCTAssertEqual(state.waiters.map(\.sessionID), [writer.sessionID, lateReader.sessionID])

        // The last reader leaving grants the writer, and only the writer.
        XCTAssertEqual(try reader2.releaseOK("doc"), 0)
        let written = try writer.answer(to: writeRequest).expectGranted()
        XCTAssertGreaterThan(written.fencingToken, max(shared1.fencingToken, shared2.fencingToken))
        state = try probe.query("doc")
        XCTAssertEqual(state.holders.map(\.sessionID), [writer.sessionID])
        XCTAssertEqual(state.holders.map(\.mode), [.exclusive])
        XCTAssertEqual(state.waiters.map(\.sessionID), [lateReader.sessionID])

        XCTAssertEqual(try writer.releaseOK("doc"), 0)
        let read = try lateReader.answer(to: readRequest).expectGranted()
        XCTAssertGreaterThan(read.fencingToken, written.fencingToken)
        state = try probe.query("doc")
        XCTAssertEqual(state.holders.map(\.sessionID), [lateReader.sessionID])
        XCTAssertEqual(state.holders.map(\.mode), [.shared])
        XCTAssertEqual(state.waiters, [])
    }

    func testCancelOfAWaitingAcquireAnswersItCancelledFirst() throws {
        let holder = try TestClient.connected(to: daemon)
        let waiter = try TestClient.connected(to: daemon)
        try holder.acquireOK("queue")

        let acquireID = try waiter.acquireQueued("queue")
        let cancelID = try waiter.cancel(acquireID)
        // The acquire's answer comes first, then the CANCEL's.
        let first = try XCTUnwrap(waiter.receive())
        let second = try XCTUnwrap(waiter.receive())
        guard case .failure(acquireID, .acquire, .cancelled, _) = first else { return XCTFail("first: \(first)") }
        XCTAssertEqual(second, .response(requestID: cancelID, .cancel(CancelResponse(removedWaiter: true))))

        XCTAssertEqual(try holder.query("queue").waiters, [], "the cancelled acquire left the queue")
        XCTAssertEqual(try holder.releaseOK("queue"), 0)
        try waiter.ping()
        XCTAssertEqual(waiter.unclaimedMessages, [], "a cancelled acquire is never granted later")
        XCTAssertEqual(try holder.query("queue"), QueryResponse(holders: [], waiters: []))

        // CANCEL of what no longer waits is not an error.
        let again = try waiter.answer(to: waiter.cancel(acquireID))
        guard case .response(_, .cancel(let response)) = again else { return XCTFail("\(again)") }
        XCTAssertFalse(response.removedWaiter)
        XCTAssertEqual(try waiter.stats()["cancels_total"], 1)
    }
}
