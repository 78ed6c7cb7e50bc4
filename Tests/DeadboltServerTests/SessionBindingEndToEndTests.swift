import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Locks bound to a connection die with it: here, with a process killed by
/// SIGKILL, which has no chance to say goodbye.
final class SessionBindingEndToEndTests: RunningDaemonTestCase {
    func testTheLocksOfAKilledProcessAreReleasedToTheNextWaiter() throws {
        let child = try ChildClientProcess(socketPath: daemon.socketPath, sending: [
            (1, .hello(HelloRequest(clientName: "doomed"))),
            (2, .acquire(AcquireRequest(resource: "device"))),
            (3, .acquire(AcquireRequest(resource: "port", owner: "named"))),
        ])
        guard case .response(1, .hello)? = try child.receive() else { return XCTFail("no HELLO answer") }
        let device = try XCTUnwrap(child.receive()).expectGranted()
        try XCTUnwrap(child.receive()).expectGranted()

        let waiter = try TestClient.connected(to: daemon)
        XCTAssertEqual(try waiter.query("device").holders.map(\.pid), [child.pid], "held by the child process")
        let deviceRequest = try waiter.acquireQueued("device")
        let portRequest = try waiter.acquireQueued("port")

        child.kill(SIGKILL)
        let granted = try waiter.answer(to: deviceRequest).expectGranted()
        XCTAssertGreaterThan(granted.fencingToken, device.fencingToken)
        try waiter.answer(to: portRequest).expectGranted()
        XCTAssertEqual(try waiter.query("device").holders.map(\.sessionID), [waiter.sessionID])
    }

    func testAWaiterThatDisconnectsLeavesTheQueue() throws {
        let holder = try TestClient.connected(to: daemon)
        let quitter = try TestClient.connected(to: daemon)
        let patient = try TestClient.connected(to: daemon)
        try holder.acquireOK("line")
        try quitter.acquireQueued("line")
        let patientRequest = try patient.acquireQueued("line")

        quitter.disconnect()
        try holder.waitForStats("the daemon to see the quitter close") { $0["connections"] == 2 }
        XCTAssertEqual(try holder.query("line").waiters.map(\.sessionID), [patient.sessionID])
        XCTAssertEqual(try holder.releaseOK("line"), 0)
        try patient.answer(to: patientRequest).expectGranted()
    }
}
