import NIOCore

/// What ``RedisConnection`` writes into its pipeline: a command, and where its reply goes.
struct RedisRequest {
    var command: RedisCommand
    /// Completed exactly once: with the reply (an error reply included), or with a
    /// ``RedisError`` when no reply can come.
    var promise: EventLoopPromise<RESPValue>
}
