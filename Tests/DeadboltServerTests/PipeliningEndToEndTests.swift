import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Many requests in flight on one connection while a blocking acquire waits.
final class PipeliningEndToEndTests: RunningDaemonTestCase {
    private enum Expected: Equatable {
        case pong
        case granted
        case released
    }

    func testAThousandPipelinedRequestsAreAnsweredByIdWhileABlockingAcquireWaits() throws {
        let holder = try TestClient.connected(to: daemon)
        let client = try TestClient.connected(to: daemon)
        try holder.acquireOK("contended")
        let blockedID = try client.acquire("contended", waitMilliseconds: AcquireRequest.waitForever)

        // 1,000 requests in one write: pings, and try-acquire then release of other resources.
        var bytes: [UInt8] = []
        var expected: [(id: UInt32, answer: Expected)] = []
        for index in 0..<1_000 {
            let id = client.takeRequestID()
            let resource = "pipelined/\(index / 4)"
            switch index % 4 {
            case 1:
                bytes += framedBytes(.acquire(AcquireRequest(resource: resource)), id: id)
                expected.append((id, .granted))
            case 3:
                bytes += framedBytes(.release(ReleaseRequest(resource: resource)), id: id)
                expected.append((id, .released))
            default:
                bytes += framedBytes(.ping(PingRequest()), id: id)
                expected.append((id, .pong))
            }
        }
        try client.sendBytes(bytes)

        var lastToken: UInt64 = 0
        for (id, answer) in expected {
            let message = try client.answer(to: id)
            switch (answer, message) {
            case (.pong, .response(_, .ping)), (.released, .response(_, .release(ReleaseResponse(remainingHoldCount: 0)))):
                break
            case (.granted, .response(_, .acquire(let granted))):
                XCTAssertGreaterThan(granted.fencingToken, lastToken)
                lastToken = granted.fencingToken
            default:
                XCTFail("request \(id): expected \(answer), got \(message)")
            }
        }
        XCTAssertEqual(client.unclaimedMessages, [], "the blocking acquire is still waiting, and nothing else came")
        XCTAssertEqual(try client.list(prefix: "pipelined/").entries, [], "every pipelined lock was released")

        XCTAssertEqual(try holder.releaseOK("contended"), 0)
        let granted = try client.answer(to: blockedID).expectGranted()
        XCTAssertGreaterThan(granted.fencingToken, lastToken)
    }
}
