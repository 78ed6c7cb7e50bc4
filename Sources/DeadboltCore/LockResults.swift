/// A limit of ``LockTableConfiguration`` that refused a request.
public enum Quota: Hashable, Sendable {
    case locksPerSession
    case waitersPerSession
    /// Holds plus queued requests of all the sessions of one uid.
    case locksPerUID
    /// Queued requests of all the sessions of one uid.
    case waitersPerUID
    case resources
}

/// Why an acquire was answered at once without a grant.
public enum AcquireRefusal: Hashable, Sendable {
    /// A try (``WaitPolicy/noWait``) found the lock held in a conflicting way,
    /// or other requests queued ahead of it.
    case notGranted
    /// The owner already holds this resource and did not ask for reentrancy,
    /// or asked for it in a way that is not supported (shared, or a change
    /// of mode). Answered at once: a request never waits on its own owner.
    case alreadyHeld
    /// The owner already has a request queued on this resource.
    case alreadyWaiting
    /// A detached hold needs a lease (TTL > 0), or it would never end.
    case detachedWithoutLease
    /// The TTL is above ``LockTableConfiguration/maxTTLMilliseconds``.
    case ttlTooLong
    case quotaExceeded(Quota)
}

/// The answer to ``LockTable/acquire(_:now:into:)``.
public enum AcquireResult: Hashable, Sendable {
    /// Granted at once.
    case granted(Grant)
    /// Queued; a ``LockAction/granted(_:)`` or
    /// ``LockAction/waitTimedOut(session:ticket:)`` will follow, unless the
    /// request is cancelled or its session closes first.
    case queued
    case refused(AcquireRefusal)
}

/// The answer to ``LockTable/release(resource:owner:session:now:into:)``.
/// The three outcomes users know from Dapr and Layotto, plus a uid check.
public enum ReleaseResult: Hashable, Sendable {
    /// One hold was given up; `remainingHoldCount` is 0 unless a reentrant
    /// hold still has nested acquires.
    case released(remainingHoldCount: UInt32)
    /// Nobody holds the resource (Layotto's LOCK_UNEXIST).
    case lockUnexist
    /// The resource is held, but not by this owner (LOCK_BELONG_TO_OTHERS).
    case belongsToOthers
    /// The owner string matches a hold taken by another uid.
    case permissionDenied
}

/// The answer to ``LockTable/renew(resource:owner:session:ttlMilliseconds:now:into:)``.
public enum RenewResult: Hashable, Sendable {
    /// The lease now ends `ttlMilliseconds` from now (0: the hold has no lease).
    case renewed(fencingToken: UInt64, ttlMilliseconds: UInt32)
    case lockUnexist
    case belongsToOthers
    case permissionDenied
    /// A detached hold cannot give up its lease.
    case detachedWithoutLease
    /// The TTL is above ``LockTableConfiguration/maxTTLMilliseconds``.
    case ttlTooLong
}
