import DeadboltTestKit
import Foundation
import XCTest

/// `deadbolt lock`, `unlock`, `renew` and `force-unlock`: detached locks from
/// a shell, each answer a distinct exit status.
final class LockCommandTests: CLITestCase {
    func testADetachedLockOutlivesTheCommandUntilItsOwnerUnlocksIt() throws {
        let lock = try deadbolt("lock", "deploy", "--owner", "release-42", "--ttl", "30")
        XCTAssertEqual(lock.status, 0, lock.errorOutput)
        let token = try XCTUnwrap(UInt64(lock.output), lock.output)

        let holder = try XCTUnwrap(try observer().query("deploy").holders.first)
        XCTAssertEqual(holder.owner, "release-42")
        XCTAssertTrue(holder.detached)
        XCTAssertEqual(holder.fencingToken, token)
        XCTAssertLessThanOrEqual(holder.leaseRemainingMilliseconds, 30_000)

        XCTAssertEqual(try deadbolt("lock", "deploy", "--owner", "someone-else", "--ttl", "30").status, 1) // NOT_GRANTED
        XCTAssertEqual(try deadbolt("unlock", "deploy", "--owner", "someone-else").status, 4) // LOCK_BELONG_TO_OTHERS
        XCTAssertEqual(try deadbolt("unlock", "deploy", "--owner", "release-42").status, 0)
        let again = try deadbolt("unlock", "deploy", "--owner", "release-42")
        XCTAssertEqual(again.status, 3) // LOCK_UNEXIST
        XCTAssertTrue(again.errorOutput.contains("LOCK_UNEXIST"), again.errorOutput)
    }

    func testRenewSetsTheLeaseAndKeepsTheToken() throws {
        let token = try deadbolt("lock", "deploy", "--owner", "o", "--ttl", "2").output
        XCTAssertEqual(try deadbolt("renew", "deploy", "--owner", "o", "--ttl", "600").status, 0)
        let holder = try XCTUnwrap(try observer().query("deploy").holders.first)
        XCTAssertGreaterThan(holder.leaseRemainingMilliseconds, 2_000)
        XCTAssertEqual(String(holder.fencingToken), token)
        XCTAssertEqual(try deadbolt("renew", "nothing", "--owner", "o", "--ttl", "5").status, 3) // LOCK_UNEXIST
        XCTAssertEqual(try deadbolt("renew", "deploy", "--owner", "o", "--ttl", "0").status, 16) // INVALID_ARGUMENT
    }

    func testLockWaitsWhenAskedAndTimesOutWithItsOwnStatus() throws {
        let holder = try observer()
        try holder.acquireOK("deploy")
        XCTAssertEqual(try deadbolt("lock", "deploy", "--owner", "o", "--ttl", "5", "-w", "0.2").status, 2) // WAIT_TIMEOUT
        XCTAssertEqual(try deadbolt("lock", "deploy", "--owner", "o", "--ttl", "5", "-s").status, 1) // NOT_GRANTED
    }

    func testLockNeedsALease() throws {
        let result = try deadbolt("lock", "deploy", "--owner", "o", "--ttl", "0")
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.errorOutput.contains("--ttl must be more than 0"), result.errorOutput)
    }

    func testForceUnlockAsRootRemovesTheHolderWhoGetsLOST() throws {
        try XCTSkipUnless(getuid() == 0, "force-unlock needs root or the admin group")
        let holder = try observer()
        let granted = try holder.acquireOK("stuck")
        let result = try deadbolt("force-unlock", "stuck")
        XCTAssertEqual(result.status, 0, result.errorOutput)
        XCTAssertEqual(result.output, "1")
        let lost = try holder.nextLost()
        XCTAssertEqual(lost.resource, "stuck")
        XCTAssertEqual(lost.fencingToken, granted.fencingToken)
        XCTAssertEqual(lost.reason, .forceReleased)
    }
}
