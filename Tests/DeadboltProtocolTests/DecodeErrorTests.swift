import DeadboltProtocol
import NIOCore
import XCTest

/// Malformed bodies: every one must throw a documented error with the right status, never trap.
final class DecodeErrorTests: XCTestCase {
    // MARK: Truncation

    func testEveryTruncationOfEveryRequestVectorThrowsProtocolError() throws {
        for vector in try ProtocolVectorFile.load().vectors where vector.direction == "request" {
            let body = try vector.body()
            for length in 0..<body.readableBytes {
                var truncated = body.getSlice(at: body.readerIndex, length: length)!
                XCTAssertThrowsError(try RequestFrame.decode(from: &truncated), "\(vector.name)[..<\(length)]") {
                    guard let error = $0 as? RequestDecodeError else {
                        return XCTFail("\(vector.name)[..<\(length)]: \($0)")
                    }
                    XCTAssertEqual(error.status, .protocolError, "\(vector.name)[..<\(length)]")
                    XCTAssertEqual(error.typeByte, length >= 1 ? body.getInteger(at: body.readerIndex) : nil)
                    if length < 5 {
                        XCTAssertEqual(error.error, .bodyTooShort(length))
                        XCTAssertNil(error.requestID)
                        XCTAssertEqual(error.reply.status, .protocolError)
                        XCTAssertEqual(error.reply.requestID, 0)
                    } else {
                        guard case .truncated = error.error else {
                            return XCTFail("\(vector.name)[..<\(length)]: \(error)")
                        }
                        XCTAssertEqual(error.requestID, vector.fields.requestID)
                        guard case .failure(vector.fields.requestID, _, .protocolError, _) = error.reply else {
                            return XCTFail("\(vector.name)[..<\(length)]: reply \(error.reply)")
                        }
                    }
                }
            }
        }
    }

    func testEveryTruncationOfEveryServerVectorThrowsProtocolError() throws {
        for vector in try ProtocolVectorFile.load().vectors where vector.direction != "request" {
            let body = try vector.body()
            for length in 0..<body.readableBytes {
                var truncated = body.getSlice(at: body.readerIndex, length: length)!
                XCTAssertThrowsError(try ServerMessage.decode(from: &truncated), "\(vector.name)[..<\(length)]") {
                    guard let error = $0 as? ProtocolDecodeError else {
                        return XCTFail("\(vector.name)[..<\(length)]: \($0)")
                    }
                    XCTAssertEqual(error.status, .protocolError, "\(vector.name)[..<\(length)]")
                    if length < 5 {
                        XCTAssertEqual(error, .bodyTooShort(length))
                    } else if case .truncated = error {
                    } else {
                        XCTFail("\(vector.name)[..<\(length)]: \(error)")
                    }
                }
            }
        }
    }

    // MARK: Header

    func testUnknownRequestTypeKeepsTheRequestID() {
        var body = ByteBuffer(bytes: [0x42, 0, 0, 0, 13])
        XCTAssertThrowsError(try RequestFrame.decode(from: &body)) {
            let error = $0 as? RequestDecodeError
            XCTAssertEqual(error, RequestDecodeError(requestID: 13, typeByte: 0x42, error: .unknownMessageType(0x42)))
            XCTAssertEqual(error?.status, .protocolError)
            XCTAssertNil(error?.requestType)
            XCTAssertEqual(
                error?.reply,
                .error(requestID: 13, status: .protocolError, message: "unknown message type 0x42")
            )
        }
    }

    func testDaemonTypesAreUnknownAsRequests() {
        for type in MessageType.allCases where !type.isRequest {
            var body = ByteBuffer(bytes: [type.rawValue, 0, 0, 0, 1])
            XCTAssertThrowsError(try RequestFrame.decode(from: &body)) {
                XCTAssertEqual(($0 as? RequestDecodeError)?.error, .unknownMessageType(type.rawValue))
            }
        }
    }

    func testRequestTypesAndUnassignedTypesAreUnknownFromTheDaemon() {
        let unknown = MessageType.allCases.filter(\.isRequest).map(\.rawValue) + [0x00, 0x0B, 0x80, 0x8B, 0xC0, 0xC2, 0xFE]
        for typeByte in unknown {
            var body = ByteBuffer(bytes: [typeByte, 0, 0, 0, 1, 0, 0])
            XCTAssertThrowsError(try ServerMessage.decode(from: &body)) {
                XCTAssertEqual($0 as? ProtocolDecodeError, .unknownMessageType(typeByte))
            }
        }
    }

    func testShortBodyGetsAnErrorFrameWithRequestIDZero() {
        var body = ByteBuffer(bytes: [0x08, 0, 0])
        XCTAssertThrowsError(try RequestFrame.decode(from: &body)) {
            let error = $0 as? RequestDecodeError
            XCTAssertEqual(error, RequestDecodeError(requestID: nil, typeByte: 0x08, error: .bodyTooShort(3)))
            XCTAssertEqual(
                error?.reply,
                .error(
                    requestID: 0,
                    status: .protocolError,
                    message: "frame body of 3 bytes is shorter than the 5-byte header"
                )
            )
        }
    }

    // MARK: Field values

    /// An ACQUIRE body for request 21 with the given resource bytes, mode and flags.
    private func acquireBody(resource: [UInt8] = Array("r".utf8), mode: UInt8 = 0, flags: UInt8 = 0) -> ByteBuffer {
        var body = ByteBuffer(bytes: [0x02, 0, 0, 0, 21])
        body.writeInteger(UInt16(resource.count))
        body.writeBytes(resource)
        body.writeBytes([0, 0, mode, flags, 0, 0, 0, 0, 0, 0, 0, 0])
        return body
    }

    private func assertAcquireFails(
        _ body: ByteBuffer,
        with expected: ProtocolDecodeError,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        var body = body
        XCTAssertThrowsError(try RequestFrame.decode(from: &body), file: file, line: line) {
            let error = $0 as? RequestDecodeError
            XCTAssertEqual(error?.error, expected, file: file, line: line)
            XCTAssertEqual(error?.requestID, 21, file: file, line: line)
            XCTAssertEqual(error?.requestType, .acquire, file: file, line: line)
            XCTAssertEqual(error?.status, .invalidArgument, file: file, line: line)
            XCTAssertEqual(
                error?.reply,
                .failure(requestID: 21, type: .acquire, status: .invalidArgument, message: expected.description),
                file: file,
                line: line
            )
        }
    }

    func testAcquireBodyHelperIsValid() throws {
        var body = self.acquireBody()
        XCTAssertEqual(
            try RequestFrame.decode(from: &body),
            RequestFrame(requestID: 21, request: .acquire(AcquireRequest(resource: "r")))
        )
    }

    func testInvalidUTF8IsInvalidArgument() {
        // A lone continuation byte, a truncated two-byte sequence, an overlong "/", a UTF-16 surrogate.
        for bytes: [UInt8] in [[0x80], [0x61, 0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80]] {
            self.assertAcquireFails(self.acquireBody(resource: bytes), with: .invalidUTF8(field: "resource"))
        }
    }

    func testInvalidUTF8InADaemonMessage() {
        var body = ByteBuffer(bytes: [0x82, 0, 0, 0, 2, 0, 1, 0, 2, 0xFF, 0xFE])
        XCTAssertThrowsError(try ServerMessage.decode(from: &body)) {
            XCTAssertEqual($0 as? ProtocolDecodeError, .invalidUTF8(field: "message"))
        }
    }

    func testUnknownModeIsInvalidArgument() {
        for mode: UInt8 in [2, 0x80, 0xFF] {
            self.assertAcquireFails(self.acquireBody(mode: mode), with: .invalidMode(mode))
        }
    }

    func testUnknownFlagBitsAreInvalidArgument() {
        for flags: UInt8 in [0x04, 0x80, 0x83, 0xFF] {
            self.assertAcquireFails(self.acquireBody(flags: flags), with: .invalidFlags(flags))
        }
    }

    func testEveryDefinedFlagCombinationDecodes() throws {
        for flags: UInt8 in 0...3 {
            var body = self.acquireBody(flags: flags)
            let frame = try RequestFrame.decode(from: &body)
            XCTAssertEqual(frame.request, .acquire(AcquireRequest(resource: "r", flags: AcquireFlags(rawValue: flags))))
        }
    }

    // MARK: Forward compatibility

    func testTrailingBytesAreIgnored() throws {
        for vector in try ProtocolVectorFile.load().vectors {
            guard let expected = expectedVectors[vector.name] else { continue }
            var body = try vector.body()
            body.writeBytes([0xDE, 0xAD, 0xBE, 0xEF])
            switch expected {
            case .request(let frame):
                XCTAssertEqual(try RequestFrame.decode(from: &body), frame, vector.name)
            case .server(let message):
                XCTAssertEqual(try ServerMessage.decode(from: &body), message, vector.name)
            }
            XCTAssertEqual(body.readableBytes, 4, vector.name)
        }
    }

    func testUnknownStatusSurvivesDecoding() throws {
        var body = ByteBuffer(bytes: [0x83, 0, 0, 0, 5, 0x01, 0x2C, 0, 2, 0x68, 0x69])
        let message = try ServerMessage.decode(from: &body)
        let status = WireStatus(rawValue: 300)
        XCTAssertEqual(message, .failure(requestID: 5, type: .release, status: status, message: "hi"))
        XCTAssertFalse(status.isKnown)
        XCTAssertEqual(status.name, "STATUS_300")
        var encoded = ByteBuffer()
        message.encode(into: &encoded)
        XCTAssertEqual(encoded, ByteBuffer(bytes: [0x83, 0, 0, 0, 5, 0x01, 0x2C, 0, 2, 0x68, 0x69]))
    }

    func testUnknownLostReasonSurvivesDecoding() throws {
        var body = ByteBuffer(bytes: [0xC1, 0, 0, 0, 0, 0, 1, 0x78, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0x09])
        XCTAssertEqual(
            try ServerMessage.decode(from: &body),
            .lost(LostEvent(resource: "x", owner: "", fencingToken: 9, reason: LostReason(rawValue: 9)))
        )
        XCTAssertEqual(LostReason(rawValue: 9).name, "REASON_9")
    }

    func testUnknownHolderFlagBitsAreIgnored() throws {
        for (holderFlags, detached): (UInt8, Bool) in [(0x00, false), (0xFE, false), (0x01, true), (0xFF, true)] {
            var body = ByteBuffer(bytes: [0, 0])  // owner ""
            body.writeBytes([UInt8](repeating: 0, count: 8 + 4 + 4 + 4))  // sessionID, pid, uid, gid
            body.writeBytes([0, holderFlags])  // mode, holderFlags
            body.writeBytes([UInt8](repeating: 0, count: 8 + 4 + 8 + 4))
            XCTAssertEqual(try HolderInfo.decode(from: &body).detached, detached)
        }
    }

    func testAnyNonzeroRemovedWaiterByteIsTrue() throws {
        for (byte, removed): (UInt8, Bool) in [(0, false), (1, true), (2, true), (0xFF, true)] {
            var body = ByteBuffer(bytes: [byte])
            XCTAssertEqual(try CancelResponse.decode(from: &body).removedWaiter, removed)
        }
    }

    func testRequestIDZeroDecodesForTheDaemonToReject() throws {
        var body = ByteBuffer(bytes: [0x08, 0, 0, 0, 0])
        XCTAssertEqual(try RequestFrame.decode(from: &body), RequestFrame(requestID: 0, request: .ping(PingRequest())))
    }

    // MARK: Arbitrary input

    func testArbitraryBytesNeverTrap() {
        var random = SplitMix64(seed: 0xDEAD_B017)
        for _ in 0..<20_000 {
            let length = Int(random.next() % 48)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            // Half the time, start with a real type byte so the payload decoders get exercised.
            if !bytes.isEmpty, random.next() % 2 == 0 {
                let types = MessageType.allCases
                bytes[0] = types[Int(random.next() % UInt64(types.count))].rawValue
            }
            var requestBody = ByteBuffer(bytes: bytes)
            _ = try? RequestFrame.decode(from: &requestBody)
            var serverBody = ByteBuffer(bytes: bytes)
            _ = try? ServerMessage.decode(from: &serverBody)
        }
    }

    func testMutatedVectorsNeverTrap() throws {
        var random = SplitMix64(seed: 42)
        for vector in try ProtocolVectorFile.load().vectors {
            let body = try vector.body()
            let original = Array(body.readableBytesView)
            for index in original.indices {
                for _ in 0..<8 {
                    var bytes = original
                    bytes[index] = UInt8(truncatingIfNeeded: random.next())
                    var requestBody = ByteBuffer(bytes: bytes)
                    _ = try? RequestFrame.decode(from: &requestBody)
                    var serverBody = ByteBuffer(bytes: bytes)
                    _ = try? ServerMessage.decode(from: &serverBody)
                }
            }
        }
    }
}

/// A small deterministic generator, so a failing input can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
