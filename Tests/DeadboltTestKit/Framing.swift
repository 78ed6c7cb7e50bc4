import DeadboltProtocol
import NIOCore

/// A whole frame as it goes on the wire: the 4-byte length, then the body.
public func framedBytes(_ request: Request, id: UInt32) -> [UInt8] {
    var body = ByteBuffer()
    RequestFrame(requestID: id, request: request).encode(into: &body)
    return framedBytes(body: Array(body.readableBytesView))
}

/// `body` with its 4-byte big-endian length in front.
public func framedBytes(body: [UInt8]) -> [UInt8] {
    let length = UInt32(body.count)
    return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + body
}

/// The 5-byte header of a body: the type byte, then the big-endian request id.
public func bodyHeader(typeByte: UInt8, id: UInt32) -> [UInt8] {
    [typeByte, UInt8(id >> 24), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)]
}
