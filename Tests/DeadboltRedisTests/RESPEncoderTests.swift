import DeadboltRedis
import NIOCore
import NIOEmbedded
import XCTest

/// Commands as exact bytes, through `MessageToByteHandler(RESPEncoder())`; and values written
/// back as the parser reads them.
final class RESPEncoderTests: XCTestCase {
    private func encoded(_ command: RedisCommand) throws -> String {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(RESPEncoder()))
        try channel.writeOutbound(command)
        let buffer = try XCTUnwrap(try channel.readOutbound(as: ByteBuffer.self))
        XCTAssertNil(try channel.readOutbound(as: ByteBuffer.self))
        XCTAssertTrue(try channel.finish().isClean)
        return String(buffer: buffer)
    }

    func testACommandIsAnArrayOfBulkStrings() throws {
        let key = "lock:report"
        let value = ByteBuffer(string: "owner-1")
        XCTAssertEqual(
            try self.encoded(RedisCommand(["SET", key, value, "NX", "PX", 10_000])),
            "*6\r\n$3\r\nSET\r\n$11\r\nlock:report\r\n$7\r\nowner-1\r\n$2\r\nNX\r\n$2\r\nPX\r\n$5\r\n10000\r\n"
        )
    }

    func testArgumentKinds() throws {
        XCTAssertEqual(try self.encoded(RedisCommand(["PING"])), "*1\r\n$4\r\nPING\r\n")
        XCTAssertEqual(try self.encoded(RedisCommand(["ECHO", ""])), "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n")
        XCTAssertEqual(try self.encoded(RedisCommand(["ECHO", "é"])), "*2\r\n$4\r\nECHO\r\n$2\r\né\r\n")
        XCTAssertEqual(try self.encoded(RedisCommand(["ECHO", "a\r\nb"[...]])), "*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n")
        XCTAssertEqual(try self.encoded(RedisCommand(["INCRBY", "n", Int64(-5)])), "*3\r\n$6\r\nINCRBY\r\n$1\r\nn\r\n$2\r\n-5\r\n")
        XCTAssertEqual(try self.encoded(RedisCommand([])), "*0\r\n")

        let channel = EmbeddedChannel(handler: MessageToByteHandler(RESPEncoder()))
        try channel.writeOutbound(RedisCommand(["SET", "k", [UInt8]([0x00, 0x0D, 0xFF])]))
        XCTAssertEqual(
            try channel.readOutbound(as: ByteBuffer.self),
            ByteBuffer(bytes: Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n".utf8) + [0x00, 0x0D, 0xFF] + Array("\r\n".utf8))
        )
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testPipelinedCommandsAreWrittenInOrder() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(RESPEncoder()))
        try channel.writeOutbound(RedisCommand(["INCR", "a"]))
        try channel.writeOutbound(RedisCommand(["GET", "a"]))
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self), ByteBuffer(string: "*2\r\n$4\r\nINCR\r\n$1\r\na\r\n"))
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self), ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$1\r\na\r\n"))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testTheDescriptionNamesTheCommandButNeverItsArguments() {
        let command = RedisCommand(["auth", "deadbolt", "secret"])
        XCTAssertEqual(command.name, "AUTH")
        XCTAssertEqual(command.argumentCount, 3)
        XCTAssertEqual(command.description, "AUTH (3 arguments)")
        XCTAssertFalse(command.description.contains("secret"))
    }

    func testValuesAreWrittenInTheirCanonicalForm() throws {
        for vector in respVectors where vector.isCanonical {
            var buffer = ByteBuffer()
            vector.value.encode(into: &buffer)
            XCTAssertEqual(Array(buffer.readableBytesView), vector.bytes, vector.name)
        }
    }

    func testEveryValueSurvivesARoundTrip() throws {
        for vector in respVectors {
            var buffer = ByteBuffer()
            vector.value.encode(into: &buffer)
            var parser = RESPParser()
            XCTAssertEqual(try parser.parse(&buffer), vector.value, vector.name)
            XCTAssertEqual(buffer.readableBytes, 0, vector.name)
        }
        var buffer = ByteBuffer()
        RESPValue.double(.nan).encode(into: &buffer)
        XCTAssertEqual(String(buffer: buffer), ",nan\r\n")
    }

    func testAccessors() {
        XCTAssertEqual(RESPValue.simpleString("OK").string, "OK")
        XCTAssertEqual(bulk("v").string, "v")
        XCTAssertEqual(RESPValue.verbatimString(format: "txt", text: ByteBuffer(string: "t")).string, "t")
        XCTAssertNil(RESPValue.integer(1).string)
        XCTAssertEqual(RESPValue.integer(7).integer, 7)
        XCTAssertNil(bulk("7").integer)
        XCTAssertEqual(RESPValue.push([.null]).elements, [.null])
        XCTAssertEqual(RESPValue.error(RedisErrorReply(message: "ERR x")).errorReply?.prefix, "ERR")
        XCTAssertTrue(RESPValue.null.isNull)
        XCTAssertEqual(RESPValue.simpleString("a").bytes, ByteBuffer(string: "a"))
    }
}
