import DeadboltProtocol
import Logging
import NIOCore

/// Closes a connection that leaves a frame incomplete for longer than the
/// deadline (a client that stalls mid-frame holds a connection slot and
/// buffered bytes). Sits before the frame decoder and follows the frame
/// boundaries as the bytes pass: each frame gets the whole deadline from the
/// moment its first byte arrives, so a busy pipelining client is never cut.
final class PartialFrameDeadline: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let logger: Logger
    /// Length-prefix bytes of the current frame seen so far (0…4), and their value.
    private var prefixBytesSeen = 0
    private var prefix: UInt32 = 0
    /// Body bytes of the current frame still to come.
    private var bodyBytesLeft = 0
    private var deadline: Scheduled<Void>?

    init(timeoutMilliseconds: Int64, logger: Logger) {
        self.timeout = .milliseconds(timeoutMilliseconds)
        self.logger = logger
    }

    private var isMidFrame: Bool { prefixBytesSeen > 0 || bodyBytesLeft > 0 }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        var completedAFrame = false
        var bytes = buffer.readableBytesView[...]
        while !bytes.isEmpty {
            if bodyBytesLeft > 0 {
                let taken = min(bodyBytesLeft, bytes.count)
                bodyBytesLeft -= taken
                bytes = bytes.dropFirst(taken)
                if bodyBytesLeft == 0 { completedAFrame = true }
                continue
            }
            prefix = prefix << 8 | UInt32(bytes.first!)
            bytes = bytes.dropFirst()
            prefixBytesSeen += 1
            if prefixBytesSeen == 4 {
                bodyBytesLeft = Int(prefix)
                prefixBytesSeen = 0
                prefix = 0
                if bodyBytesLeft == 0 { completedAFrame = true }
            }
        }
        if completedAFrame || !isMidFrame {
            deadline?.cancel()
            deadline = nil
        }
        if isMidFrame && deadline == nil {
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                expire(context: context)
            }
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    private func expire(context: ChannelHandlerContext) {
        deadline = nil
        let milliseconds = timeout.nanoseconds / 1_000_000
        logger.notice("closing a connection that left a frame incomplete", metadata: ["timeout_ms": "\(milliseconds)"])
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeInteger(UInt32(0))
        ServerMessage.error(requestID: 0, status: .protocolError, message: "a frame stayed incomplete for \(milliseconds) ms")
            .encode(into: &buffer)
        buffer.setInteger(UInt32(buffer.readableBytes - 4), at: buffer.readerIndex)
        context.writeAndFlush(NIOAny(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
