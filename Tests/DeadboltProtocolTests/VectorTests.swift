import DeadboltProtocol
import NIOCore
import XCTest

/// Runs every vector of docs/protocol-vectors.json through the decoders and the encoders.
final class VectorTests: XCTestCase {
    func testFileVersion() throws {
        XCTAssertEqual(try ProtocolVectorFile.load().version, 1)
    }

    func testEveryVectorHasAnExpectedValueAndViceVersa() throws {
        let names = try ProtocolVectorFile.load().vectors.map(\.name)
        XCTAssertEqual(names.count, Set(names).count, "duplicate vector names")
        XCTAssertEqual(
            Set(names).subtracting(expectedVectors.keys).sorted(),
            [],
            "vectors in docs/protocol-vectors.json with no expected value in ExpectedVectors.swift"
        )
        XCTAssertEqual(
            Set(expectedVectors.keys).subtracting(names).sorted(),
            [],
            "expected values in ExpectedVectors.swift with no vector in docs/protocol-vectors.json"
        )
    }

    func testVectorsCoverEveryMessageType() throws {
        let types = Set(try ProtocolVectorFile.load().vectors.map(\.fields.type))
        XCTAssertEqual(types, Set(MessageType.allCases.map(\.name)))
    }

    func testDecodingEveryVectorGivesTheExpectedMessage() throws {
        for vector in try ProtocolVectorFile.load().vectors {
            guard let expected = expectedVectors[vector.name] else { continue }
            XCTAssertEqual(vector.direction, expected.direction, vector.name)
            var body = try vector.body()
            switch expected {
            case .request(let frame):
                XCTAssertEqual(try RequestFrame.decode(from: &body), frame, vector.name)
                XCTAssertEqual(vector.fields.type, frame.request.type.name, vector.name)
                XCTAssertEqual(vector.fields.requestID, frame.requestID, vector.name)
            case .server(let message):
                XCTAssertEqual(try ServerMessage.decode(from: &body), message, vector.name)
                XCTAssertEqual(vector.fields.type, message.wireType.name, vector.name)
                XCTAssertEqual(vector.fields.requestID, message.requestID, vector.name)
            }
            XCTAssertEqual(body.readableBytes, 0, "\(vector.name): decoder left bytes of known fields unread")
        }
    }

    func testEncodingEveryExpectedMessageGivesTheVectorBytes() throws {
        for vector in try ProtocolVectorFile.load().vectors {
            guard let expected = expectedVectors[vector.name] else { continue }
            var body = ByteBuffer()
            switch expected {
            case .request(let frame): frame.encode(into: &body)
            case .server(let message): message.encode(into: &body)
            }
            var frame = ByteBuffer()
            try FrameEncoder().encode(data: body, out: &frame)
            XCTAssertEqual(frame.hexString, vector.hex, vector.name)
        }
    }
}

extension ServerMessage {
    /// The type byte the message is sent with.
    var wireType: MessageType {
        switch self {
        case .response(_, let response): return response.type
        case .failure(_, let type, _, _): return type.responseType!
        case .lost: return .lost
        case .error: return .error
        }
    }
}
