/// How long a ``RedisClient`` or ``RedisSubscriber`` waits before each attempt to reconnect:
/// capped exponential backoff with jitter.
///
/// After `n` consecutive failures (a lost connection counts as one) the next attempt waits
/// `min(initialDelayMilliseconds × 2^(n−1), maxDelayMilliseconds)`, shortened at random by up
/// to `jitterFraction` of itself, so that many clients that lost Redis together do not all
/// come back in the same millisecond. With the defaults: about 50, 100, 200, 400, 800, 1600,
/// then 2000 ms.
public struct RedisReconnectBackoff: Hashable, Sendable {
    /// The wait after the first failure, in milliseconds.
    public var initialDelayMilliseconds: Int64
    /// The longest wait, in milliseconds.
    public var maxDelayMilliseconds: Int64
    /// The largest share of a wait that jitter removes, from 0 (none) to 1.
    public var jitterFraction: Double

    /// 50 ms doubling to 2 s, with up to 20 % jitter.
    public init(initialDelayMilliseconds: Int64 = 50, maxDelayMilliseconds: Int64 = 2_000, jitterFraction: Double = 0.2) {
        precondition(initialDelayMilliseconds >= 0 && maxDelayMilliseconds >= initialDelayMilliseconds, "backoff delays must be ordered")
        precondition((0...1).contains(jitterFraction), "jitterFraction is between 0 and 1")
        self.initialDelayMilliseconds = initialDelayMilliseconds
        self.maxDelayMilliseconds = maxDelayMilliseconds
        self.jitterFraction = jitterFraction
    }

    /// The wait before the next attempt after `failures` (at least 1) consecutive failures.
    /// `randomUnit`, in [0, 1), picks the jitter: 0 keeps the whole wait.
    public func delayMilliseconds(afterFailures failures: Int, randomUnit: Double) -> Int64 {
        let doublings = Int64(min(max(failures, 1) - 1, 62))
        var delay = self.maxDelayMilliseconds
        let (scaled, overflow) = self.initialDelayMilliseconds.multipliedReportingOverflow(by: Int64(1) << doublings)
        if !overflow, scaled < delay {
            delay = scaled
        }
        let jitter = Double(delay) * self.jitterFraction * min(max(randomUnit, 0), 1)
        return max(0, delay - Int64(jitter))
    }
}
