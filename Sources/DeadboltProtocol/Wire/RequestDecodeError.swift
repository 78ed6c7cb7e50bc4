/// A request body that could not be decoded, with as much of its header as could be read, so
/// that the daemon can answer the right request id.
public struct RequestDecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The request id, or `nil` when the body was shorter than the 5-byte header.
    public var requestID: UInt32?
    /// The raw type byte, or `nil` when the body was empty.
    public var typeByte: UInt8?
    /// What went wrong.
    public var error: ProtocolDecodeError

    /// Creates the error from the header fields that were read and the underlying cause.
    public init(requestID: UInt32?, typeByte: UInt8?, error: ProtocolDecodeError) {
        self.requestID = requestID
        self.typeByte = typeByte
        self.error = error
    }

    /// The request type, when the type byte names one.
    public var requestType: MessageType? {
        guard let typeByte, let type = MessageType(rawValue: typeByte), type.isRequest else {
            return nil
        }
        return type
    }

    /// The status to answer with: ``ProtocolDecodeError/status`` of ``error``.
    public var status: WireStatus {
        self.error.status
    }

    /// The message the daemon sends back, as docs/PROTOCOL.md prescribes: a failure response
    /// of the request's type when both the id and a known request type were read, otherwise
    /// an ERROR frame carrying the id if it was read and 0 if not.
    public var reply: ServerMessage {
        if let requestID, let requestType {
            return .failure(
                requestID: requestID,
                type: requestType,
                status: self.status,
                message: self.error.description
            )
        }
        return .error(requestID: self.requestID ?? 0, status: self.status, message: self.error.description)
    }

    /// The underlying error's description, prefixed by the request id when it is known.
    public var description: String {
        guard let requestID else { return self.error.description }
        return "request \(requestID): \(self.error.description)"
    }
}
