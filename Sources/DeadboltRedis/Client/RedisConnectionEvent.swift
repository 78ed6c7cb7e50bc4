/// A change in a ``RedisClient``'s or ``RedisSubscriber``'s connection to Redis.
public enum RedisConnectionEvent: Hashable, Sendable {
    /// A connection is open and logged in; for a subscriber, every channel it had is
    /// subscribed again. Commands work from now on; a subscriber's owner should re-check what
    /// it waited for, since messages published while it was away are lost.
    case connected
    /// The connection was lost. Commands fail with ``RedisError/Code/unavailable`` until the
    /// next ``connected``; reconnection is under way.
    case disconnected
}
