import DeadboltRedis
import NIOCore
import NIOEmbedded
import XCTest

/// Every RESP type through `ByteToMessageHandler(RESPDecoder())`, fed all at once and byte
/// by byte.
final class RESPDecoderTests: XCTestCase {
    private func makeChannel(_ decoder: RESPDecoder = RESPDecoder()) -> EmbeddedChannel {
        EmbeddedChannel(handler: ByteToMessageHandler(decoder))
    }

    private func readAll(_ channel: EmbeddedChannel) throws -> [RESPValue] {
        var values: [RESPValue] = []
        while let value = try channel.readInbound(as: RESPValue.self) {
            values.append(value)
        }
        return values
    }

    func testEveryTypeFedAllAtOnce() throws {
        for vector in respVectors {
            let channel = self.makeChannel()
            try channel.writeInbound(vector.buffer)
            XCTAssertEqual(try self.readAll(channel), [vector.value], vector.name)
            XCTAssertTrue(try channel.finish().isClean, vector.name)
        }
    }

    func testEveryTypeFedByteByByteAppearsOnlyWithItsLastByte() throws {
        for vector in respVectors {
            let channel = self.makeChannel()
            for (index, byte) in vector.bytes.enumerated() {
                try channel.writeInbound(ByteBuffer(bytes: [byte]))
                let values = try self.readAll(channel)
                if index < vector.bytes.count - 1 {
                    XCTAssertEqual(values, [], "\(vector.name): a value before byte \(index + 1) of \(vector.bytes.count)")
                } else {
                    XCTAssertEqual(values, [vector.value], vector.name)
                }
            }
            XCTAssertTrue(try channel.finish().isClean, vector.name)
        }
    }

    func testAStreamOfEveryTypeAllAtOnceAndByteByByte() throws {
        var stream = ByteBuffer()
        for vector in respVectors {
            stream.writeBytes(vector.bytes)
        }
        let expected = respVectors.map(\.value)

        let whole = self.makeChannel()
        try whole.writeInbound(stream)
        XCTAssertEqual(try self.readAll(whole), expected)
        XCTAssertTrue(try whole.finish().isClean)

        let pieces = self.makeChannel()
        var received: [RESPValue] = []
        for byte in stream.readableBytesView {
            try pieces.writeInbound(ByteBuffer(bytes: [byte]))
            received += try self.readAll(pieces)
        }
        XCTAssertEqual(received, expected)
        XCTAssertTrue(try pieces.finish().isClean)
    }

    func testNaN() throws {
        for text in [",nan\r\n", ",NaN\r\n"] {
            var parser = RESPParser()
            var buffer = ByteBuffer(string: text)
            guard case .double(let value) = try parser.parse(&buffer) else { return XCTFail(text) }
            XCTAssertTrue(value.isNaN, text)
        }
    }

    /// The parser consumes nothing until a value is whole, however deep the value is cut.
    func testAPartialValueIsNotConsumed() throws {
        let bytes = Array("*2\r\n$5\r\nhello\r\n*1\r\n:42\r\n+next\r\n".utf8)
        let valueBytes = bytes.count - "+next\r\n".utf8.count
        var parser = RESPParser()
        var buffer = ByteBuffer()
        for (index, byte) in bytes.prefix(valueBytes).enumerated() {
            buffer.writeInteger(byte)
            let value = try parser.parse(&buffer)
            if index < valueBytes - 1 {
                XCTAssertNil(value)
                XCTAssertEqual(buffer.readerIndex, 0, "consumed part of a value after \(index + 1) bytes")
            } else {
                XCTAssertEqual(value, .array([bulk("hello"), .array([.integer(42)])]))
                XCTAssertEqual(buffer.readerIndex, valueBytes)
            }
        }
        buffer.writeBytes(bytes.suffix(from: valueBytes))
        XCTAssertEqual(try parser.parse(&buffer), .simpleString("next"))
        XCTAssertEqual(buffer.readableBytes, 0)
        XCTAssertNil(try parser.parse(&buffer))
    }

    func testAggregatesNestedExactlyToTheLimit() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: String(repeating: "*1\r\n", count: 32) + ":1\r\n")
        var expected = RESPValue.integer(1)
        for _ in 0..<32 {
            expected = .array([expected])
        }
        XCTAssertEqual(try parser.parse(&buffer), expected)
    }

    func testLineOfExactlyTheLimit() throws {
        var parser = RESPParser(maxLineBytes: 8)
        var buffer = ByteBuffer(string: "+12345678\r\n")
        XCTAssertEqual(try parser.parse(&buffer), .simpleString("12345678"))
    }

    func testBulkOfExactlyTheLimit() throws {
        var parser = RESPParser(maxBulkBytes: 4)
        var buffer = ByteBuffer(string: "$4\r\nabcd\r\n")
        XCTAssertEqual(try parser.parse(&buffer), bulk("abcd"))
    }

    func testTheErrorPrefix() {
        XCTAssertEqual(RedisErrorReply(message: "NOSCRIPT No matching script. Please use EVAL.").prefix, "NOSCRIPT")
        XCTAssertEqual(RedisErrorReply(message: "WRONGPASS invalid username-password pair").prefix, RedisErrorReply.wrongPass)
        XCTAssertEqual(RedisErrorReply(message: "NOAUTH Authentication required.").prefix, RedisErrorReply.noAuth)
        XCTAssertEqual(RedisErrorReply(message: "ERR").prefix, "ERR")
        XCTAssertEqual(RedisErrorReply(message: "").prefix, "")
    }

    func testIncompleteValueAtEndOfInputIsDropped() throws {
        let channel = self.makeChannel()
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n$5\r\nhel"))
        XCTAssertEqual(try self.readAll(channel), [.simpleString("OK")])
        XCTAssertTrue(try channel.finish().isClean)
    }
}
