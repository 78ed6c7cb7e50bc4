extension RedisClient {
    /// How a ``RedisClient`` or ``RedisSubscriber`` connects, and reconnects.
    public struct Configuration: Hashable, Sendable {
        /// Timeouts and limits of each connection.
        public var connection = RedisConnection.Configuration()
        /// The waits between attempts to reconnect.
        public var backoff = RedisReconnectBackoff()

        /// The defaults: see ``RedisConnection/Configuration`` and ``RedisReconnectBackoff``.
        public init() {}
    }
}
