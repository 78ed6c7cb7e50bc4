import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Peers whose connection breaks while the daemon answers them: the break
/// is handled on the spot, and no other connection's answer is lost or sent
/// twice.
final class BrokenPeerEndToEndTests: RunningDaemonTestCase {
    func testAGrantThatBreaksItsConnectionSendsEveryOtherAnswerOnce() throws {
        let holder = try TestClient.connected(to: daemon)
        try holder.acquireOK("handoff")
        let broken = try TestClient.connected(to: daemon)
        let waiter = try TestClient.connected(to: daemon)
        _ = try broken.acquire("handoff", mode: .shared, waitMilliseconds: 60_000)
        let waiting = try waiter.acquire("handoff", mode: .shared, waitMilliseconds: 60_000)
        try holder.waitForStats("both to queue") { $0["waiters"] == 2 }
        // Its grant, the first of the release's two, cannot be written: the
        // connection closes while the release's answers are delivered.
        XCTAssertEqual(shutdown(broken.fd, Int32(SHUT_RD)), 0)

        _ = try holder.releaseOK("handoff")
        guard case .response(waiting, .acquire)? = try waiter.receive() else { return XCTFail("the waiter's grant") }
        let ping = try waiter.send(.ping(PingRequest()))
        XCTAssertEqual(try waiter.receive()?.requestID, ping, "the next answer is the PING's, not the grant again")
        try holder.waitForStats("the broken connection to close") { $0["connections"] == 2 }
        XCTAssertEqual(try holder.query("handoff").holders.count, 1, "only the waiter holds it")
    }
}
