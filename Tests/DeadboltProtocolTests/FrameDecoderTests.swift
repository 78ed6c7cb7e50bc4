import DeadboltProtocol
import NIOCore
import NIOEmbedded
import XCTest

final class FrameDecoderTests: XCTestCase {
    /// Every vector's frame, then an empty frame.
    private func sampleStream() throws -> (stream: ByteBuffer, bodies: [ByteBuffer]) {
        var stream = ByteBuffer()
        var bodies: [ByteBuffer] = []
        for vector in try ProtocolVectorFile.load().vectors {
            var frame = try vector.frame()
            bodies.append(try vector.body())
            stream.writeBuffer(&frame)
        }
        stream.writeInteger(UInt32(0))
        bodies.append(ByteBuffer())
        return (stream, bodies)
    }

    private func makeChannel(maxFrameBytes: Int = FrameDecoder.defaultMaxFrameBytes) -> EmbeddedChannel {
        EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
    }

    private func readAllInbound(_ channel: EmbeddedChannel) throws -> [ByteBuffer] {
        var bodies: [ByteBuffer] = []
        while let body = try channel.readInbound(as: ByteBuffer.self) {
            bodies.append(body)
        }
        return bodies
    }

    func testFramesFedAllAtOnce() throws {
        let (stream, bodies) = try self.sampleStream()
        let channel = self.makeChannel()
        try channel.writeInbound(stream)
        XCTAssertEqual(try self.readAllInbound(channel), bodies)
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testFramesFedByteByByte() throws {
        let (stream, bodies) = try self.sampleStream()
        let channel = self.makeChannel()
        var received: [ByteBuffer] = []
        for byte in stream.readableBytesView {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
            received += try self.readAllInbound(channel)
        }
        XCTAssertEqual(received, bodies)
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testZeroLengthBody() throws {
        let channel = self.makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 0]))
        XCTAssertEqual(try channel.readInbound(as: ByteBuffer.self), ByteBuffer())
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testBodyOfExactlyTheMaximumIsAccepted() throws {
        let channel = self.makeChannel(maxFrameBytes: 8)
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]))
        XCTAssertEqual(try channel.readInbound(as: ByteBuffer.self), ByteBuffer(bytes: [1, 2, 3, 4, 5, 6, 7, 8]))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testOverLongLengthIsRejectedAfterOnlyTheFourLengthBytes() throws {
        let channel = self.makeChannel()
        // 65,537 = 0x00010001: one more than the default maximum.
        try channel.writeInbound(ByteBuffer(bytes: [0x00, 0x01, 0x00]))
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        XCTAssertThrowsError(try channel.writeInbound(ByteBuffer(bytes: [0x01]))) { error in
            XCTAssertEqual(
                error as? FrameDecodingError,
                .frameTooLarge(length: 65_537, maxFrameBytes: 65_536)
            )
        }
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testLargestPossibleLengthIsRejectedAtOnce() throws {
        let channel = self.makeChannel(maxFrameBytes: 16)
        XCTAssertThrowsError(try channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF]))) { error in
            XCTAssertEqual(
                error as? FrameDecodingError,
                .frameTooLarge(length: Int(UInt32.max), maxFrameBytes: 16)
            )
        }
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testLengthAtTheMaximumWaitsForTheBody() throws {
        let channel = self.makeChannel()
        // 65,536 = 0x00010000: allowed, so the decoder waits for the body instead of throwing.
        try channel.writeInbound(ByteBuffer(bytes: [0x00, 0x01, 0x00, 0x00]))
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testTruncatedBodyThenEOFIsCleanClose() throws {
        let channel = self.makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 16, 1, 2, 3]))
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testTruncatedLengthPrefixThenEOFIsCleanClose() throws {
        let channel = self.makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: [0, 0]))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testCompleteFramesBeforeATruncatedOneAreDeliveredAtEOF() throws {
        let channel = self.makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 2, 0xAA, 0xBB, 0, 0, 0, 9, 1]))
        XCTAssertEqual(try channel.readInbound(as: ByteBuffer.self), ByteBuffer(bytes: [0xAA, 0xBB]))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        XCTAssertTrue(try channel.finish().isClean)
    }
}
