import NIOCore

/// A message published on a channel that a ``RedisSubscriber`` subscribed to.
public struct RedisPubSubMessage: Hashable, Sendable {
    /// The channel it was published on.
    public var channel: String
    /// The bytes published.
    public var payload: ByteBuffer

    /// A message.
    public init(channel: String, payload: ByteBuffer) {
        self.channel = channel
        self.payload = payload
    }

    /// The message in a `message` array (RESP2) or push (RESP3): `["message", channel,
    /// payload]`; `nil` for anything else (confirmations, pattern messages, other pushes).
    init?(_ value: RESPValue) {
        guard let elements = value.elements, elements.count == 3, elements[0].string == "message",
            let channel = elements[1].string, let payload = elements[2].bytes
        else { return nil }
        self.init(channel: channel, payload: payload)
    }
}
