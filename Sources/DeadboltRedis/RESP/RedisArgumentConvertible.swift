import NIOCore

/// A value that can be one argument of a ``RedisCommand``: sent as a bulk string.
///
/// `String`, `Substring`, `ByteBuffer`, `[UInt8]`, `Int` and `Int64` conform, so a command
/// reads as the list of its words: `["SET", key, value, "NX", "PX", 10_000]`.
public protocol RedisArgumentConvertible: Sendable {
    /// The number of bytes ``writeRedisArgument(into:)`` writes.
    var redisArgumentByteCount: Int { get }
    /// Writes the argument's bytes, without RESP framing.
    func writeRedisArgument(into buffer: inout ByteBuffer)
}

extension String: RedisArgumentConvertible {
    /// The UTF-8 length.
    public var redisArgumentByteCount: Int { self.utf8.count }
    /// Writes the UTF-8 bytes.
    public func writeRedisArgument(into buffer: inout ByteBuffer) { buffer.writeString(self) }
}

extension Substring: RedisArgumentConvertible {
    /// The UTF-8 length.
    public var redisArgumentByteCount: Int { self.utf8.count }
    /// Writes the UTF-8 bytes.
    public func writeRedisArgument(into buffer: inout ByteBuffer) { buffer.writeSubstring(self) }
}

extension ByteBuffer: RedisArgumentConvertible {
    /// The readable bytes' count.
    public var redisArgumentByteCount: Int { self.readableBytes }
    /// Writes the readable bytes (this buffer's reader index does not move).
    public func writeRedisArgument(into buffer: inout ByteBuffer) { buffer.writeImmutableBuffer(self) }
}

extension Array: RedisArgumentConvertible where Element == UInt8 {
    /// The byte count.
    public var redisArgumentByteCount: Int { self.count }
    /// Writes the bytes.
    public func writeRedisArgument(into buffer: inout ByteBuffer) { buffer.writeBytes(self) }
}

extension Int: RedisArgumentConvertible {
    /// The length of the decimal text.
    public var redisArgumentByteCount: Int { String(self).utf8.count }
    /// Writes the decimal text, as Redis expects numbers.
    public func writeRedisArgument(into buffer: inout ByteBuffer) { buffer.writeString(String(self)) }
}

extension Int64: RedisArgumentConvertible {
    /// The length of the decimal text.
    public var redisArgumentByteCount: Int { String(self).utf8.count }
    /// Writes the decimal text, as Redis expects numbers.
    public func writeRedisArgument(into buffer: inout ByteBuffer) { buffer.writeString(String(self)) }
}
