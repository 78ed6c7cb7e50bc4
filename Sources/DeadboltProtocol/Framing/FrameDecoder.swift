import NIOCore

/// Cuts an inbound byte stream into frame bodies.
///
/// A frame is a big-endian `u32` length followed by that many body bytes; the length counts
/// the body only. The decoder emits each body as a `ByteBuffer` and knows nothing of what the
/// body holds: message types, request ids and short bodies are the message codec's concern.
///
/// The length is checked against `maxFrameBytes` as soon as its 4 bytes are readable, so a
/// peer cannot make the decoder wait for, or buffer, a body larger than the maximum.
///
/// At end of input, complete frames still buffered are delivered; an incomplete frame (a
/// partial length prefix or a partial body) is discarded without error, so a peer that
/// closes in the middle of a frame is a clean close.
///
/// Use it as `ByteToMessageHandler(FrameDecoder())`, or through ``InboundFrames`` in a
/// handler that reads the raw bytes itself.
public struct FrameDecoder: ByteToMessageDecoder, Sendable {
    /// Each emitted message is one frame body, without its length prefix.
    public typealias InboundOut = ByteBuffer

    /// The default maximum body size: 64 KiB.
    public static let defaultMaxFrameBytes = 65_536

    /// The largest body length accepted, in bytes. A prefix announcing more throws
    /// ``FrameDecodingError/frameTooLarge(length:maxFrameBytes:)``.
    public let maxFrameBytes: Int

    /// The size of the length prefix, in bytes.
    static let lengthFieldBytes = 4

    /// Creates a decoder that accepts bodies of at most `maxFrameBytes` bytes.
    public init(maxFrameBytes: Int = FrameDecoder.defaultMaxFrameBytes) {
        precondition(maxFrameBytes >= 0, "maxFrameBytes must not be negative")
        self.maxFrameBytes = maxFrameBytes
    }

    /// Emits the next complete frame body, or asks for more data.
    ///
    /// Throws ``FrameDecodingError/frameTooLarge(length:maxFrameBytes:)`` as soon as an
    /// over-long length prefix is readable.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let body = try self.readFrame(from: &buffer) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(body))
        return .continue
    }

    /// Emits the frames still complete at end of input, then discards any incomplete rest.
    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        let state = try self.decode(context: context, buffer: &buffer)
        if state == .needMoreData {
            // A truncated frame followed by EOF is a clean close: drop the partial bytes.
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        return state
    }

    /// Reads one whole frame body from `buffer`, or returns `nil` and consumes nothing when
    /// the frame is not complete yet.
    func readFrame(from buffer: inout ByteBuffer) throws(FrameDecodingError) -> ByteBuffer? {
        guard let bodyBytes = Self.bodyLength(in: buffer) else {
            return nil
        }
        guard bodyBytes <= self.maxFrameBytes else {
            throw .frameTooLarge(length: bodyBytes, maxFrameBytes: self.maxFrameBytes)
        }
        guard Self.startsWithWholeFrame(buffer) else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: Self.lengthFieldBytes)
        return buffer.readSlice(length: bodyBytes)
    }

    /// The body length the frame at the front of `buffer` announces, once its
    /// 4-byte prefix is readable.
    static func bodyLength(in buffer: ByteBuffer) -> Int? {
        buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self).map { Int($0) }
    }

    /// True if `buffer` starts with a whole frame: its prefix and all of its body.
    static func startsWithWholeFrame(_ buffer: ByteBuffer) -> Bool {
        guard let bodyBytes = bodyLength(in: buffer) else { return false }
        return buffer.readableBytes >= lengthFieldBytes + bodyBytes
    }
}
