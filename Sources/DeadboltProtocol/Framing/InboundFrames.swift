import NIOCore

/// One connection's bytes on their way to becoming frames: takes what each
/// read delivered and hands out whole frame bodies one at a time, so that its
/// owner can stop between any two (to bound the work of one turn of the event
/// loop, or while the peer does not read its answers) and go on later.
/// ``FrameDecoder`` does the cutting; this only keeps the bytes in between.
///
/// Invariant: it holds exactly the bytes not yet handed out (whole frames held
/// back, then at most one incomplete frame, whose length the decoder checked
/// against the maximum as soon as it was readable), and nothing when empty.
public struct InboundFrames {
    private var decoder: FrameDecoder
    /// `nil` when empty, so an idle connection holds no read buffer.
    private var buffered: ByteBuffer?

    /// An incomplete frame smaller than this, left at the end of a buffer of
    /// more than 4× its size, is copied out so the read buffer can go.
    private static let compactionBytes = 4_096

    public init(decoder: FrameDecoder) {
        self.decoder = decoder
    }

    /// Bytes held: whole frames not yet handed out, and an incomplete one.
    public var bufferedBytes: Int { buffered?.readableBytes ?? 0 }

    /// True if the bytes held start with a whole frame.
    public var hasWholeFrame: Bool {
        buffered.map(FrameDecoder.startsWithWholeFrame) ?? false
    }

    /// Takes the bytes of one read. The first read after the rest was handed
    /// out is kept as it is, without a copy.
    public mutating func append(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        guard buffered != nil else {
            buffered = bytes
            return
        }
        var incoming = bytes
        buffered!.writeBuffer(&incoming)
    }

    /// The next whole frame body, or `nil` until more bytes arrive. Throws
    /// (and the stream cannot be resynchronised) if a length is over the
    /// maximum.
    public mutating func next() throws(FrameDecodingError) -> ByteBuffer? {
        guard buffered != nil else { return nil }
        if let body = try decoder.readFrame(from: &buffered!) {
            if buffered!.readableBytes == 0 { buffered = nil }
            return body
        }
        let rest = buffered!.readableBytes
        if buffered!.capacity > Self.compactionBytes, rest * 4 < buffered!.capacity {
            var copy = ByteBufferAllocator().buffer(capacity: rest)
            copy.writeImmutableBuffer(buffered!)
            buffered = copy
        }
        return nil
    }
}
