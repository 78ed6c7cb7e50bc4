import NIOCore

/// Every body the daemon sends: responses, failures, LOST events and ERROR frames.
public enum ServerMessage: Hashable, Sendable {
    /// A successful response. Layout: `u8 type|0x80`, `u32 requestID`, `u16 status` (OK), OK payload.
    case response(requestID: UInt32, Response)
    /// A failed request. `type` is the request's type; the body carries `type | 0x80`.
    /// Layout: `u8 type|0x80`, `u32 requestID`, `u16 status` (not OK), `str16 message`.
    case failure(requestID: UInt32, type: MessageType, status: WireStatus, message: String)
    /// A lock held by this connection was lost. Layout: `u8 0xC1`, `u32 0`, LOST payload.
    case lost(LostEvent)
    /// A frame that could not be answered as a response: an unknown request type, or a body
    /// shorter than the header. Layout: `u8 0xFF`, `u32 requestID`, `u16 status`, `str16 message`.
    case error(requestID: UInt32, status: WireStatus, message: String)

    /// The request id the message carries; 0 for LOST events.
    public var requestID: UInt32 {
        switch self {
        case .response(let requestID, _), .failure(let requestID, _, _, _), .error(let requestID, _, _):
            return requestID
        case .lost:
            return MessageHeader.unsolicitedRequestID
        }
    }

    /// The status the message carries: ``WireStatus/ok`` for a response, `nil` for a LOST event.
    public var status: WireStatus? {
        switch self {
        case .response: return .ok
        case .failure(_, _, let status, _), .error(_, let status, _): return status
        case .lost: return nil
        }
    }

    /// Appends the body: header, status where there is one, and payload.
    ///
    /// - Precondition: a ``failure(requestID:type:status:message:)`` has a request type and a
    ///   status other than OK, or it would not decode as a failure.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .response(let requestID, let response):
            buffer.writeMessageHeader(type: response.type, requestID: requestID)
            buffer.writeWireInteger(WireStatus.ok.rawValue)
            response.encode(into: &buffer)
        case .failure(let requestID, let type, let status, let message):
            guard let responseType = type.responseType else {
                preconditionFailure("a failure answers a request type, not \(type)")
            }
            precondition(status != .ok, "a failure cannot carry status OK")
            buffer.writeMessageHeader(type: responseType, requestID: requestID)
            buffer.writeWireInteger(status.rawValue)
            buffer.writeStr16(message)
        case .lost(let event):
            buffer.writeMessageHeader(type: .lost, requestID: MessageHeader.unsolicitedRequestID)
            event.encode(into: &buffer)
        case .error(let requestID, let status, let message):
            buffer.writeMessageHeader(type: .error, requestID: requestID)
            buffer.writeWireInteger(status.rawValue)
            buffer.writeStr16(message)
        }
    }

    /// Reads a whole body. Bytes after the known fields are ignored, and so is the request id
    /// of a LOST event (the daemon sends 0).
    public static func decode(from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> ServerMessage {
        let bodyBytes = buffer.readableBytes
        guard let (typeByte, requestID) = buffer.readMessageHeader() else {
            throw .bodyTooShort(bodyBytes)
        }
        guard let type = MessageType(rawValue: typeByte) else {
            throw .unknownMessageType(typeByte)
        }
        switch type {
        case .lost:
            return .lost(try LostEvent.decode(from: &buffer))
        case .error:
            let status = WireStatus(rawValue: try buffer.readWireInteger(field: "status"))
            return .error(requestID: requestID, status: status, message: try buffer.readStr16(field: "message"))
        default:
            guard let requestType = type.requestType else {
                throw .unknownMessageType(typeByte)
            }
            let status = WireStatus(rawValue: try buffer.readWireInteger(field: "status"))
            if status == .ok {
                return .response(requestID: requestID, try Response.decode(requestType: requestType, from: &buffer))
            }
            return .failure(
                requestID: requestID,
                type: requestType,
                status: status,
                message: try buffer.readStr16(field: "message")
            )
        }
    }
}
