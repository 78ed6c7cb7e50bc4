import DeadboltRedis
import NIOCore
import NIOEmbedded
import XCTest

/// Every ``RESPDecodingError``, thrown as soon as the offending bytes are readable.
final class RESPDecoderErrorTests: XCTestCase {
    /// Feeds `bytes` one at a time; expects `error` exactly when the last one arrives.
    /// Then feeds them all at once to a ``RESPParser`` with the same limits.
    private func assertRefused(
        _ text: String,
        _ error: RESPDecodingError,
        limits: Limits = Limits(),
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let bytes = Array(text.utf8)
        let decoder = RESPDecoder(maxBulkBytes: limits.maxBulkBytes, maxDepth: limits.maxDepth, maxLineBytes: limits.maxLineBytes)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(decoder))
        for (index, byte) in bytes.enumerated() {
            if index < bytes.count - 1 {
                XCTAssertNoThrow(try channel.writeInbound(ByteBuffer(bytes: [byte])), "refused early, at byte \(index + 1)", file: file, line: line)
            } else {
                XCTAssertThrowsError(try channel.writeInbound(ByteBuffer(bytes: [byte])), file: file, line: line) { thrown in
                    XCTAssertEqual(thrown as? RESPDecodingError, error, file: file, line: line)
                }
            }
        }
        XCTAssertNil(try channel.readInbound(as: RESPValue.self), file: file, line: line)
        _ = try? channel.finish()

        var parser = RESPParser(maxBulkBytes: limits.maxBulkBytes, maxDepth: limits.maxDepth, maxLineBytes: limits.maxLineBytes)
        var buffer = ByteBuffer(bytes: bytes)
        XCTAssertThrowsError(try parser.parse(&buffer), file: file, line: line) { thrown in
            XCTAssertEqual(thrown as? RESPDecodingError, error, file: file, line: line)
        }
    }

    private struct Limits {
        var maxBulkBytes = RESPParser.defaultMaxBulkBytes
        var maxDepth = RESPParser.defaultMaxDepth
        var maxLineBytes = RESPParser.defaultMaxLineBytes
    }

    private let small = Limits(maxBulkBytes: 4, maxLineBytes: 8)

    func testInvalidTypeByteIsRefusedAtTheFirstByte() throws {
        try self.assertRefused("?", .invalidTypeByte(UInt8(ascii: "?")))
        try self.assertRefused("*2\r\n:1\r\nx", .invalidTypeByte(UInt8(ascii: "x")))
        try self.assertRefused("\r", .invalidTypeByte(0x0D))
    }

    func testLineWithoutCRLFWithinTheLimit() throws {
        try self.assertRefused("+123456789", .lineTooLong(maxLineBytes: 8), limits: self.small)
        try self.assertRefused("$123456789", .lineTooLong(maxLineBytes: 8), limits: self.small)
        try self.assertRefused("+" + String(repeating: "a", count: 65_537), .lineTooLong(maxLineBytes: 65_536))
    }

    func testBareCarriageReturn() throws {
        try self.assertRefused("+OK\rX", .invalidLineTerminator)
        try self.assertRefused(":1\r\r", .invalidLineTerminator)
    }

    func testLengthsThatAreNotNumbers() throws {
        try self.assertRefused("$abc\r\n", .invalidLength("abc"))
        try self.assertRefused("*\r\n", .invalidLength(""))
        try self.assertRefused("$?\r\n", .invalidLength("?"))
        try self.assertRefused("$+5\r\n", .invalidLength("+5"))
        try self.assertRefused("*3000000000\r\n", .invalidLength("3000000000"))
        try self.assertRefused("*99999999999999999999\r\n", .invalidLength("99999999999999999999"))
    }

    func testNegativeLengthsOtherThanTheNulls() throws {
        try self.assertRefused("$-2\r\n", .negativeLength(-2))
        try self.assertRefused("*-5\r\n", .negativeLength(-5))
        try self.assertRefused("!-1\r\n", .negativeLength(-1))
        try self.assertRefused("=-1\r\n", .negativeLength(-1))
        try self.assertRefused("%-1\r\n", .negativeLength(-1))
        try self.assertRefused("~-1\r\n", .negativeLength(-1))
        try self.assertRefused(">-1\r\n", .negativeLength(-1))
        try self.assertRefused("|-1\r\n", .negativeLength(-1))
    }

    func testBulkAboveTheLimitIsRefusedAtItsHeader() throws {
        try self.assertRefused("$5\r\n", .bulkTooLarge(length: 5, maxBulkBytes: 4), limits: self.small)
        try self.assertRefused("!5\r\n", .bulkTooLarge(length: 5, maxBulkBytes: 4), limits: self.small)
        try self.assertRefused("=9\r\n", .bulkTooLarge(length: 9, maxBulkBytes: 4), limits: self.small)
        try self.assertRefused("$16777217\r\n", .bulkTooLarge(length: 16_777_217, maxBulkBytes: 16_777_216))
    }

    func testBulkNotFollowedByCRLF() throws {
        try self.assertRefused("$3\r\nfooX", .bulkNotTerminated)
        try self.assertRefused("$3\r\nfoo\rX", .bulkNotTerminated)
    }

    func testAggregatesNestedTooDeepAreRefusedAtThe33rdTypeByte() throws {
        try self.assertRefused(String(repeating: "*1\r\n", count: 32) + "*", .nestedTooDeep(maxDepth: 32))
        try self.assertRefused(String(repeating: "*1\r\n", count: 32) + "%", .nestedTooDeep(maxDepth: 32))
        try self.assertRefused("*1\r\n*1\r\n*", .nestedTooDeep(maxDepth: 2), limits: Limits(maxDepth: 2))
    }

    func testMalformedScalars() throws {
        try self.assertRefused(":12a\r\n", .invalidInteger("12a"))
        try self.assertRefused(":\r\n", .invalidInteger(""))
        try self.assertRefused(":-\r\n", .invalidInteger("-"))
        try self.assertRefused(":9223372036854775808\r\n", .invalidInteger("9223372036854775808"))
        try self.assertRefused(",abc\r\n", .invalidDouble("abc"))
        try self.assertRefused(",\r\n", .invalidDouble(""))
        try self.assertRefused("#x\r\n", .invalidBoolean("x"))
        try self.assertRefused("#\r\n", .invalidBoolean(""))
        try self.assertRefused("(12x\r\n", .invalidBigNumber("12x"))
        try self.assertRefused("(-\r\n", .invalidBigNumber("-"))
        try self.assertRefused("_x\r\n", .invalidNull("x"))
    }

    func testVerbatimStringWithoutAFormat() throws {
        try self.assertRefused("=3\r\ntxt\r\n", .invalidVerbatimString)
        try self.assertRefused("=5\r\ntxtXa\r\n", .invalidVerbatimString)
    }

    func testEveryErrorHasADescription() {
        let errors: [RESPDecodingError] = [
            .invalidTypeByte(0x3F), .lineTooLong(maxLineBytes: 8), .invalidLineTerminator, .invalidLength("x"),
            .negativeLength(-2), .bulkTooLarge(length: 5, maxBulkBytes: 4), .bulkNotTerminated,
            .nestedTooDeep(maxDepth: 32), .invalidInteger("x"), .invalidDouble("x"), .invalidBoolean("x"),
            .invalidBigNumber("x"), .invalidNull("x"), .invalidVerbatimString,
        ]
        XCTAssertEqual(Set(errors.map(\.description)).count, errors.count)
        XCTAssertEqual(RESPDecodingError.invalidTypeByte(0x3F).description, "invalid RESP type byte 0x3f")
    }
}
