import NIOCore

/// The 5 bytes that open every frame body: `u8 type`, `u32 requestID`.
public enum MessageHeader {
    /// The header's size in bytes; a shorter body is ``ProtocolDecodeError/bodyTooShort(_:)``.
    public static let byteCount = 5

    /// The request id reserved for LOST events and for ERROR frames tied to no request.
    /// Requests must use other ids; the daemon answers a request with id 0 INVALID_ARGUMENT.
    public static let unsolicitedRequestID: UInt32 = 0
}

extension ByteBuffer {
    /// Writes a body header.
    mutating func writeMessageHeader(type: MessageType, requestID: UInt32) {
        self.writeInteger(type.rawValue)
        self.writeInteger(requestID, endianness: .big)
    }

    /// Reads a body header, leaving the type raw so the caller decides what an unknown type
    /// means in its direction.
    ///
    /// - Returns: the type byte and request id; `nil` (consuming nothing) when the buffer holds
    ///   fewer than ``MessageHeader/byteCount`` bytes.
    mutating func readMessageHeader() -> (typeByte: UInt8, requestID: UInt32)? {
        guard self.readableBytes >= MessageHeader.byteCount,
            let typeByte = self.readInteger(as: UInt8.self),
            let requestID = self.readInteger(endianness: .big, as: UInt32.self)
        else { return nil }
        return (typeByte, requestID)
    }
}
