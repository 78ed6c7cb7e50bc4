import NIOCore

/// A whole request body: the client-chosen request id and the request.
///
/// Layout: `u8 type`, `u32 requestID`, payload. The frame's length prefix is not part of it
/// (see ``FrameEncoder`` and ``FrameDecoder``).
public struct RequestFrame: Hashable, Sendable {
    /// The id the response will echo; nonzero (0 is reserved for unsolicited messages).
    public var requestID: UInt32
    /// The request.
    public var request: Request

    /// Creates a request frame.
    public init(requestID: UInt32, request: Request) {
        self.requestID = requestID
        self.request = request
    }

    /// Appends the body: header, then payload.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeMessageHeader(type: self.request.type, requestID: self.requestID)
        self.request.encode(into: &buffer)
    }

    /// Reads a whole body. Bytes after the payload's known fields are ignored.
    ///
    /// The error carries the request id and type byte whenever they could be read, so the
    /// daemon can answer with ``RequestDecodeError/reply``. Request id 0 is decoded as is;
    /// rejecting it is the daemon's job.
    public static func decode(from buffer: inout ByteBuffer) throws(RequestDecodeError) -> RequestFrame {
        let bodyBytes = buffer.readableBytes
        let typeByte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)
        guard let (typeByte, requestID) = buffer.readMessageHeader() else {
            throw RequestDecodeError(requestID: nil, typeByte: typeByte, error: .bodyTooShort(bodyBytes))
        }
        guard let type = MessageType(rawValue: typeByte), type.isRequest else {
            throw RequestDecodeError(requestID: requestID, typeByte: typeByte, error: .unknownMessageType(typeByte))
        }
        do throws(ProtocolDecodeError) {
            return RequestFrame(requestID: requestID, request: try Request.decode(type: type, from: &buffer))
        } catch {
            throw RequestDecodeError(requestID: requestID, typeByte: typeByte, error: error)
        }
    }
}
