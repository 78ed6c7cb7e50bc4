import NIOCore

/// Cuts an inbound byte stream into ``RESPValue``s, with a ``RESPParser``.
///
/// A value is emitted once all of its bytes have arrived; a partial value is left in the
/// buffer, unconsumed, and `decode` asks for more data. Limits and errors are the parser's
/// (``RESPDecodingError``): the handler fires the error down the pipeline, and the
/// connection must then be closed.
///
/// At end of input, complete values still buffered are emitted; an incomplete rest is
/// discarded without error (the peer closed mid-value; whoever waited for it learns of the
/// close).
///
/// Use it as `ByteToMessageHandler(RESPDecoder())`.
public struct RESPDecoder: ByteToMessageDecoder, Sendable {
    /// Each emitted message is one complete value.
    public typealias InboundOut = RESPValue

    private var parser: RESPParser

    /// A decoder with the given limits (see ``RESPParser``).
    public init(
        maxBulkBytes: Int = RESPParser.defaultMaxBulkBytes,
        maxDepth: Int = RESPParser.defaultMaxDepth,
        maxLineBytes: Int = RESPParser.defaultMaxLineBytes
    ) {
        self.parser = RESPParser(maxBulkBytes: maxBulkBytes, maxDepth: maxDepth, maxLineBytes: maxLineBytes)
    }

    /// Emits the next complete value, or asks for more data without consuming anything.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try self.parser.parse(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    /// Emits the values still complete at end of input, then discards any incomplete rest.
    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        let state = try self.decode(context: context, buffer: &buffer)
        if state == .needMoreData {
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        return state
    }
}
