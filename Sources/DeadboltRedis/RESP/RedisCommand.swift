import NIOCore

/// One command: an array of bulk strings, its first the command's name
/// (`["SET", key, value, "NX", "PX", 10_000]`).
///
/// The RESP bytes are written once, when the command is made; ``encode(into:)`` copies them.
/// ``description`` names the command and counts its arguments but never shows them, so a
/// command can be logged without leaking a password or a value.
public struct RedisCommand: Hashable, Sendable, CustomStringConvertible {
    /// The command as RESP: `*<n>\r\n` then `$<length>\r\n<bytes>\r\n` per argument.
    public let encoded: ByteBuffer
    /// The number of arguments, the name included.
    public let argumentCount: Int
    /// The first argument in upper case (`SET`), for logs and errors; empty for an empty
    /// command.
    public let name: String

    /// A command from its words, the name first.
    public init(_ arguments: [any RedisArgumentConvertible]) {
        var bytes = 16
        for argument in arguments {
            bytes += 16 + argument.redisArgumentByteCount
        }
        var buffer = ByteBufferAllocator().buffer(capacity: bytes)
        buffer.writeStaticString("*")
        buffer.writeString(String(arguments.count))
        buffer.writeStaticString("\r\n")
        var name = ""
        for (index, argument) in arguments.enumerated() {
            let length = argument.redisArgumentByteCount
            buffer.writeStaticString("$")
            buffer.writeString(String(length))
            buffer.writeStaticString("\r\n")
            let start = buffer.writerIndex
            argument.writeRedisArgument(into: &buffer)
            // A wrong count would desynchronise the stream, and every later reply would be
            // matched to the wrong command.
            precondition(buffer.writerIndex - start == length, "\(type(of: argument)).redisArgumentByteCount does not match the bytes it writes")
            if index == 0 {
                name = (buffer.getString(at: start, length: min(length, Self.maxNameBytes)) ?? "").uppercased()
            }
            buffer.writeStaticString("\r\n")
        }
        self.encoded = buffer
        self.argumentCount = arguments.count
        self.name = name
    }

    /// Command names are short; a longer first argument is cut for ``name``.
    private static let maxNameBytes = 32

    /// Appends the command's RESP bytes to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeImmutableBuffer(self.encoded)
    }

    /// `SET (6 arguments)`: the name and the count, never the arguments.
    public var description: String {
        "\(self.name) (\(self.argumentCount) arguments)"
    }
}
