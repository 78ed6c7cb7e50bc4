import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// Bad input over real sockets: each gets the answer docs/PROTOCOL.md
/// prescribes, and never disturbs another connection.
final class MalformedInputEndToEndTests: RunningDaemonTestCase {
    func testALengthAboveTheMaximumGetsAnErrorFrameThenCloseAndSparesOtherConnections() throws {
        let holder = try TestClient.connected(to: daemon)
        let held = try holder.acquireOK("kept")
        let bad = try TestClient.connected(to: daemon)

        try bad.sendBytes([0x7F, 0xFF, 0xFF, 0xFF])
        let messages = try bad.readUntilClosed()
        XCTAssertEqual(messages.count, 1, "\(messages)")
        guard case .error(0, .protocolError, _)? = messages.first else { return XCTFail("\(messages)") }

        try holder.ping()
        let newcomer = try TestClient.connected(to: daemon)
        XCTAssertEqual(try newcomer.acquireAnswer("kept").status, .notGranted)
        XCTAssertEqual(try newcomer.query("kept").holders.map(\.fencingToken), [held.fencingToken])
        XCTAssertEqual(try holder.releaseOK("kept"), 0)
    }

    func testATruncatedFrameThenEOFIsACleanClose() throws {
        let other = try TestClient.connected(to: daemon)
        let before = try XCTUnwrap(other.stats()["protocol_errors_total"])

        let partialBody = try TestClient.connected(to: daemon)
        try partialBody.sendBytes(Array(framedBytes(.ping(PingRequest()), id: 7).prefix(6)))
        partialBody.shutdownWrite()
        XCTAssertEqual(try partialBody.readUntilClosed(), [], "nothing is sent for a partial frame")

        let partialLength = try TestClient.connected(to: daemon)
        try partialLength.sendBytes([0x00, 0x00])
        partialLength.shutdownWrite()
        XCTAssertEqual(try partialLength.readUntilClosed(), [])

        try other.ping()
        let after = try other.waitForStats("both connections to close") { $0["connections"] == 1 }
        XCTAssertEqual(after["protocol_errors_total"], before, "a partial frame at EOF is not an error")
        XCTAssertNoThrow(try TestClient.connected(to: daemon).acquireOK("served"))
    }

    func testAnUnknownTypeGetsAnErrorFrameWithItsIdAndTheConnectionStaysUsable() throws {
        let client = try TestClient.connected(to: daemon)
        let id = client.takeRequestID()
        try client.sendBytes(framedBytes(body: bodyHeader(typeByte: 0x33, id: id) + [1, 2, 3]))
        let answer = try client.answer(to: id)
        guard case .error(id, .protocolError, _) = answer else { return XCTFail("\(answer)") }
        try client.ping()
        try client.acquireOK("after-the-error")
    }

    func testNamesAreCheckedForEmptinessAndLength() throws {
        let client = try TestClient.connected(to: daemon)
        let longest = String(repeating: "n", count: 255)
        let tooLong = String(repeating: "n", count: 256)

        let empty = try client.acquireAnswer("")
        XCTAssertEqual(empty.status, .invalidArgument)
        XCTAssertEqual(empty.failedRequestType, .acquire)
        XCTAssertEqual(try client.acquireAnswer(tooLong).status, .nameTooLong)
        XCTAssertEqual(try client.acquireAnswer("r", owner: tooLong).status, .nameTooLong)
        XCTAssertEqual(try client.release(tooLong).status, .nameTooLong)
        XCTAssertEqual(try client.list(), ListResponse(entries: []), "refused names take nothing")

        // The limits are inclusive.
        try client.acquireOK(longest)
        try client.acquireOK("r", owner: longest)
        XCTAssertEqual(try client.releaseOK("r", owner: longest), 0)
    }

    func testARequestBeforeHelloIsAProtocolErrorAndHelloStillWorks() throws {
        let client = try TestClient(socketPath: daemon.socketPath)
        let early = try client.acquireAnswer("early")
        XCTAssertEqual(early.status, .protocolError)
        XCTAssertEqual(early.failedRequestType, .acquire)
        XCTAssertEqual(try client.call(.ping(PingRequest())).status, .protocolError)

        try client.hello()
        try client.acquireOK("early")
        // A second HELLO is refused, and the session keeps its lock.
        XCTAssertEqual(try client.call(.hello(HelloRequest(clientName: "again"))).status, .protocolError)
        XCTAssertEqual(try client.query("early").holders.map(\.sessionID), [client.sessionID])
    }

    func testAnUnsupportedVersionIsRefusedThenClosed() throws {
        let client = try TestClient(socketPath: daemon.socketPath)
        let id = try client.send(.hello(HelloRequest(protocolVersion: ProtocolVersion.current + 1, clientName: "future")))
        let answer = try client.answer(to: id)
        XCTAssertEqual(answer.status, .unsupportedVersion)
        XCTAssertEqual(answer.failedRequestType, .hello)
        XCTAssertEqual(try client.readUntilClosed(), [])
    }

    func testADetachedLockWithoutALeaseIsInvalid() throws {
        let client = try TestClient.connected(to: daemon)
        let answer = try client.acquireAnswer("forever", owner: "job", ttlMilliseconds: 0, flags: .detached)
        XCTAssertEqual(answer.status, .invalidArgument)
        XCTAssertEqual(answer.failedRequestType, .acquire)
        XCTAssertEqual(try client.query("forever"), QueryResponse(holders: [], waiters: []))
        // Renewing a detached lock to no lease is refused too.
        try client.acquireOK("leased", owner: "job", ttlMilliseconds: 10_000, flags: .detached)
        XCTAssertEqual(try client.renew("leased", owner: "job", ttlMilliseconds: 0).status, .invalidArgument)
    }

    func testEachMalformedRequestGetsTheAnswerOfTheProtocolTableAndTheConnectionStaysOpen() throws {
        let client = try TestClient.connected(to: daemon)
        var id = client.takeRequestID()

        try client.sendBytes(framedBytes(body: [0x08, 0x00, 0x00]))
        var answer = try client.answer(to: 0)
        guard case .error(0, .protocolError, _) = answer else { return XCTFail("short body: \(answer)") }

        try client.sendBytes(framedBytes(body: Self.acquireBody(id) { $0.removeLast(9) }))
        answer = try client.answer(to: id)
        guard case .failure(id, .acquire, .protocolError, _) = answer else { return XCTFail("truncated field: \(answer)") }

        let invalid: [(String, (inout [UInt8]) -> Void)] = [
            ("invalid UTF-8", { $0[7] = 0xFF; $0[8] = 0xFE }),
            ("unknown mode", { $0[11] = 7 }),
            ("unknown flag bit", { $0[12] = 0x80 }),
        ]
        for (what, patch) in invalid {
            id = client.takeRequestID()
            try client.sendBytes(framedBytes(body: Self.acquireBody(id, patch: patch)))
            answer = try client.answer(to: id)
            guard case .failure(id, .acquire, .invalidArgument, _) = answer else { return XCTFail("\(what): \(answer)") }
        }

        try client.send(.ping(PingRequest()), id: 0)
        answer = try client.answer(to: 0)
        guard case .failure(0, .ping, .invalidArgument, _) = answer else { return XCTFail("request id 0: \(answer)") }

        try client.ping()
        XCTAssertEqual(try client.list(), ListResponse(entries: []), "no malformed acquire took a lock")
    }

    func testProtocolErrorsTotalCountsTheAnswersWithProtocolError() throws {
        let observer = try TestClient.connected(to: daemon)
        func count() throws -> UInt64? { try observer.stats()["protocol_errors_total"] }
        XCTAssertEqual(try count(), 0)

        let early = try TestClient(socketPath: daemon.socketPath)
        XCTAssertEqual(try early.call(.ping(PingRequest())).status, .protocolError)
        XCTAssertEqual(try count(), 1, "a request before HELLO")
        try early.hello()
        XCTAssertEqual(try early.call(.hello(HelloRequest(clientName: "again"))).status, .protocolError)
        XCTAssertEqual(try count(), 2, "a second HELLO")

        let id = early.takeRequestID()
        try early.sendBytes(framedBytes(body: bodyHeader(typeByte: 0x33, id: id)))
        XCTAssertEqual(try early.answer(to: id).status, .protocolError)
        XCTAssertEqual(try count(), 3, "an unknown type")

        XCTAssertEqual(try early.acquireAnswer("").status, .invalidArgument)
        XCTAssertEqual(try early.answer(to: early.send(.ping(PingRequest()), id: 0)).status, .invalidArgument)
        let badMode = early.takeRequestID()
        try early.sendBytes(framedBytes(body: Self.acquireBody(badMode) { $0[11] = 7 }))
        XCTAssertEqual(try early.answer(to: badMode).status, .invalidArgument)
        XCTAssertEqual(try count(), 3, "INVALID_ARGUMENT answers are not protocol errors")
    }

    /// The body of a well-formed ACQUIRE of "ab", then changed by `patch`.
    /// Offsets: type 0, request id 1...4, resource str16 5...8, owner str16
    /// 9...10, mode 11, flags 12, ttl 13...16, wait 17...20.
    private static func acquireBody(_ id: UInt32, patch: (inout [UInt8]) -> Void) -> [UInt8] {
        var body = Array(framedBytes(.acquire(AcquireRequest(resource: "ab")), id: id).dropFirst(4))
        patch(&body)
        return body
    }
}
