extension DeadboltClient {
    /// Automatic renewal of a scoped lock's lease, for
    /// ``DeadboltClient/withLock(_:mode:ttl:wait:owner:autoRenew:isolation:_:)``.
    ///
    /// While the body runs, the lease is renewed to its full TTL every third of the TTL, so
    /// a slow body keeps its lock while a crashed process still loses it within one TTL.
    /// Renewal never extends the lease beyond ``maxTotal`` after the grant, so a holder that
    /// is stuck cannot hold the lock forever: the last renewal shortens the lease to end at
    /// that bound, and the lease then runs out with a LOST event in
    /// ``DeadboltClient/lostLocks``. Renewal stops when the body ends.
    ///
    /// A renewal that fails is reported in ``DeadboltClient/lostLocks`` with reason
    /// ``LostLock/Reason/renewalFailed``, and renewal stops. (When the lock was taken away by
    /// lease expiry or FORCE_RELEASE, the daemon's LOST event for the same token comes first.)
    public struct AutoRenew: Hashable, Sendable {
        /// The longest the lock may be held through renewals, counted from the moment the
        /// client received the grant.
        public var maxTotal: Duration

        /// Renews until the body ends, but never past `maxTotal` after the grant.
        public init(maxTotal: Duration) {
            self.maxTotal = maxTotal
        }
    }
}
