import Foundation
import NIOCore
import XCTest

/// docs/protocol-vectors.json, as the tests read it.
struct ProtocolVectorFile: Decodable {
    /// One frame with its decoded fields.
    struct Vector: Decodable {
        /// The header fields every vector's `fields` object carries.
        struct HeaderFields: Decodable {
            var type: String
            var requestID: UInt32
        }

        var name: String
        var direction: String
        var hex: String
        var fields: HeaderFields
    }

    var version: Int
    var vectors: [Vector]

    /// The vector file beside the sources: ../../docs/protocol-vectors.json from this test target.
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // DeadboltProtocolTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("docs/protocol-vectors.json")

    static func load() throws -> ProtocolVectorFile {
        try JSONDecoder().decode(ProtocolVectorFile.self, from: Data(contentsOf: self.url))
    }
}

extension ProtocolVectorFile.Vector {
    /// The whole frame, length prefix included.
    func frame(file: StaticString = #filePath, line: UInt = #line) throws -> ByteBuffer {
        try XCTUnwrap(ByteBuffer(hex: self.hex), "vector \(self.name): bad hex", file: file, line: line)
    }

    /// The frame body after checking that the length prefix counts exactly the rest.
    func body(file: StaticString = #filePath, line: UInt = #line) throws -> ByteBuffer {
        var frame = try self.frame(file: file, line: line)
        let length = try XCTUnwrap(frame.readInteger(as: UInt32.self), "vector \(self.name): no length", file: file, line: line)
        XCTAssertEqual(Int(length), frame.readableBytes, "vector \(self.name): length prefix", file: file, line: line)
        return frame
    }
}

extension ByteBuffer {
    /// Parses lower- or upper-case hex with no separators; nil for anything else.
    init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var buffer = ByteBuffer()
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            buffer.writeInteger(high << 4 | low)
            index += 2
        }
        self = buffer
    }

    /// The readable bytes as lower-case hex.
    var hexString: String {
        self.readableBytesView.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
    default: return nil
    }
}
