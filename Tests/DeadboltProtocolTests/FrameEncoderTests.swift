import DeadboltProtocol
import NIOCore
import NIOEmbedded
import XCTest

final class FrameEncoderTests: XCTestCase {
    func testPrefixesTheBodyLength() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(FrameEncoder()))
        try channel.writeOutbound(ByteBuffer(bytes: [0x08, 0, 0, 0, 10]))
        XCTAssertEqual(
            try channel.readOutbound(as: ByteBuffer.self),
            ByteBuffer(bytes: [0, 0, 0, 5, 0x08, 0, 0, 0, 10])
        )
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testEmptyBody() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(FrameEncoder()))
        try channel.writeOutbound(ByteBuffer())
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self), ByteBuffer(bytes: [0, 0, 0, 0]))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testEncoderAndDecoderRoundTrip() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(FrameDecoder()),
            MessageToByteHandler(FrameEncoder()),
        ])
        let bodies = [ByteBuffer(), ByteBuffer(bytes: [1]), ByteBuffer(repeating: 0xAB, count: 65_536)]
        for body in bodies {
            try channel.writeOutbound(body)
            let frame = try XCTUnwrap(try channel.readOutbound(as: ByteBuffer.self))
            try channel.writeInbound(frame)
            XCTAssertEqual(try channel.readInbound(as: ByteBuffer.self), body)
        }
        XCTAssertTrue(try channel.finish().isClean)
    }
}
