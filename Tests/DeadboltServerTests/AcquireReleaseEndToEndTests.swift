import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Acquire and release over a real socket, against a real daemon.
final class AcquireReleaseEndToEndTests: RunningDaemonTestCase {
    func testAcquireThenReleaseThenAcquireAgain() throws {
        let client = try TestClient.connected(to: daemon)
        let first = try client.answer(to: client.acquire("db"))
        XCTAssertNotNil(first.fencingToken)
        guard case .response(_, .release(let released)) = try client.release("db") else { return XCTFail("release failed") }
        XCTAssertEqual(released.remainingHoldCount, 0)
        let second = try client.answer(to: client.acquire("db"))
        XCTAssertGreaterThan(try XCTUnwrap(second.fencingToken), try XCTUnwrap(first.fencingToken))
    }

    func testTryOnAHeldLockIsNotGranted() throws {
        let holder = try TestClient.connected(to: daemon)
        let other = try TestClient.connected(to: daemon)
        XCTAssertNotNil(try holder.answer(to: holder.acquire("db")).fencingToken)
        let refused = try other.answer(to: other.acquire("db"))
        XCTAssertEqual(refused.status, .notGranted)
    }
}
