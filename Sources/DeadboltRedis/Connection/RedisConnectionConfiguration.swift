extension RedisConnection {
    /// How a ``RedisConnection`` connects and how long it waits.
    public struct Configuration: Hashable, Sendable {
        /// How long opening the socket, and then the handshake (`AUTH`, `SELECT`, `PING`), may
        /// take, each, in milliseconds.
        public var connectTimeoutMilliseconds: Int64 = 5_000
        /// How long a command may wait for its reply, in milliseconds; `nil` for no limit.
        ///
        /// When a reply is late the connection is closed: later replies could no longer be
        /// matched to their commands. Blocking commands (`BLPOP`, `WAIT`) need a longer limit,
        /// or none.
        public var commandTimeoutMilliseconds: Int64? = 10_000
        /// The largest bulk string accepted from Redis, in bytes (see ``RESPParser``).
        public var maxBulkBytes: Int = RESPParser.defaultMaxBulkBytes

        /// The defaults: 5 s to connect, 10 s per command, 16 MiB bulk strings.
        public init() {}
    }
}
