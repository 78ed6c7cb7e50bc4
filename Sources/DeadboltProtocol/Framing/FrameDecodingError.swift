/// Errors thrown by ``FrameDecoder``.
///
/// A framing error means the byte stream cannot be resynchronised, so the connection that
/// produced it must be closed (after the daemon has sent its ERROR frame).
public enum FrameDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The 4-byte length prefix announced a body of `length` bytes, more than the decoder's
    /// `maxFrameBytes`. Thrown as soon as the prefix is readable, before any of the body
    /// arrives or is buffered.
    case frameTooLarge(length: Int, maxFrameBytes: Int)

    /// A one-line English explanation, fit for an ERROR frame's message.
    public var description: String {
        switch self {
        case .frameTooLarge(let length, let maxFrameBytes):
            return "frame body of \(length) bytes exceeds the maximum of \(maxFrameBytes) bytes"
        }
    }
}
