import DeadboltProtocol
import NIOCore
import XCTest

/// The bytes between reads and frames: handed out one frame at a time,
/// across reads, and nothing kept once all is handed out.
final class InboundFramesTests: XCTestCase {
    private func framed(_ body: [UInt8]) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        return Array(buffer.readableBytesView)
    }

    func testFramesAreHandedOutOneAtATimeAcrossReads() throws {
        var frames = InboundFrames(decoder: FrameDecoder(maxFrameBytes: 16))
        let bytes = framed([1, 2, 3]) + framed([]) + framed([4, 5])
        frames.append(ByteBuffer(bytes: bytes[..<13]))  // two whole frames, 2 bytes of the third
        XCTAssertTrue(frames.hasWholeFrame)
        XCTAssertEqual(try frames.next().map { Array($0.readableBytesView) }, [1, 2, 3])
        XCTAssertEqual(try frames.next().map { Array($0.readableBytesView) }, [])
        XCTAssertFalse(frames.hasWholeFrame)
        XCTAssertNil(try frames.next())
        XCTAssertEqual(frames.bufferedBytes, 2)
        frames.append(ByteBuffer(bytes: bytes[13...]))
        XCTAssertEqual(try frames.next().map { Array($0.readableBytesView) }, [4, 5])
        XCTAssertNil(try frames.next())
        XCTAssertEqual(frames.bufferedBytes, 0)
    }

    func testByteByByte() throws {
        var frames = InboundFrames(decoder: FrameDecoder())
        var bodies: [[UInt8]] = []
        for byte in framed([7, 8]) + framed([9]) {
            frames.append(ByteBuffer(bytes: [byte]))
            while let body = try frames.next() { bodies.append(Array(body.readableBytesView)) }
        }
        XCTAssertEqual(bodies, [[7, 8], [9]])
    }

    func testALengthOverTheMaximumThrowsAsSoonAsItIsReadable() {
        var frames = InboundFrames(decoder: FrameDecoder(maxFrameBytes: 16))
        frames.append(ByteBuffer(bytes: [0, 0, 0, 17]))
        XCTAssertThrowsError(try frames.next())
    }

    func testASmallRestIsCopiedOutOfALargeReadBuffer() throws {
        var frames = InboundFrames(decoder: FrameDecoder())
        var read = ByteBufferAllocator().buffer(capacity: 65_536)
        read.writeBytes(framed([UInt8](repeating: 1, count: 10_000)) + [0, 0])
        frames.append(read)
        XCTAssertNotNil(try frames.next())
        XCTAssertNil(try frames.next())
        XCTAssertEqual(frames.bufferedBytes, 2, "the incomplete length is kept")
        frames.append(ByteBuffer(bytes: [0, 1, 42]))
        XCTAssertEqual(try frames.next().map { Array($0.readableBytesView) }, [42])
    }
}
