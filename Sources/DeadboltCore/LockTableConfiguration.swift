/// Limits and tuning of a ``LockTable``. Every limit is enforced with a
/// distinct refusal (``AcquireRefusal/quotaExceeded(_:)``), never a crash.
public struct LockTableConfiguration: Hashable, Sendable {
    /// Holds plus queued requests one session may have at once. Reentrant
    /// re-acquires of a held lock do not count again.
    public var maxLocksPerSession: Int
    /// Queued (waiting) requests one session may have at once.
    public var maxWaitersPerSession: Int
    /// Holds plus queued requests all sessions of one uid may have at once
    /// (holds of closed sessions' detached locks included).
    public var maxLocksPerUID: Int
    /// Queued requests all sessions of one uid may have at once.
    public var maxWaitersPerUID: Int
    /// Resources (names with a holder or a waiter) in the whole table.
    public var maxResources: Int
    /// The timer wheel's tick. A lease or wait deadline fires at the first
    /// ``LockTable/advance(to:into:)`` whose `now` is in a later tick: never
    /// early, and at most one tick late when the caller drives the clock.
    public var tickNanoseconds: UInt64
    /// Units of work (ticks stepped plus timers moved or fired) that one
    /// `advance` may do before returning, so that a million leases expiring
    /// at once never stall the caller's event loop.
    public var timerWorkPerAdvance: Int
    /// Leases and waits one `advance` may end. Each costs the table far more
    /// than a wheel step (unlinking, freeing, serving the queue), so this
    /// bounds one call to well under a millisecond.
    public var maxExpiriesPerAdvance: Int
    /// Fencing tokens reserved by one durable high-water write.
    public var fencingReservationSize: UInt64
    /// The longest lease a request may ask for; longer is refused. Also caps
    /// the grace period after an unclean restart.
    public var maxTTLMilliseconds: UInt32
    /// How far past a detached lease's end one durable lease-horizon write
    /// reaches, so that a stream of detached grants costs one write per
    /// this many milliseconds rather than one per grant.
    public var leaseHorizonSlackMilliseconds: UInt32
    /// Who decides a grant: the table alone, or an upstream (Redis) that must
    /// take each lock first. See ``Admission``.
    public var admission: Admission

    public init(
        maxLocksPerSession: Int = 4096,
        maxWaitersPerSession: Int = 1024,
        maxLocksPerUID: Int = .max,
        maxWaitersPerUID: Int = .max,
        maxResources: Int = 1 << 20,
        tickNanoseconds: UInt64 = 1_000_000,
        timerWorkPerAdvance: Int = 16_384,
        maxExpiriesPerAdvance: Int = 1024,
        fencingReservationSize: UInt64 = 65_536,
        maxTTLMilliseconds: UInt32 = 86_400_000,
        leaseHorizonSlackMilliseconds: UInt32 = 1000,
        admission: Admission = .local
    ) {
        precondition(tickNanoseconds > 0 && timerWorkPerAdvance > 0 && maxExpiriesPerAdvance > 0 && fencingReservationSize > 0)
        self.maxLocksPerSession = maxLocksPerSession
        self.maxWaitersPerSession = maxWaitersPerSession
        self.maxLocksPerUID = maxLocksPerUID
        self.maxWaitersPerUID = maxWaitersPerUID
        self.maxResources = maxResources
        self.tickNanoseconds = tickNanoseconds
        self.timerWorkPerAdvance = timerWorkPerAdvance
        self.maxExpiriesPerAdvance = maxExpiriesPerAdvance
        self.fencingReservationSize = fencingReservationSize
        self.maxTTLMilliseconds = maxTTLMilliseconds
        self.leaseHorizonSlackMilliseconds = leaseHorizonSlackMilliseconds
        self.admission = admission
    }
}

/// Who decides a grant.
public enum Admission: Hashable, Sendable {
    /// The table grants as soon as its rules allow, with its own fencing tokens.
    case local
    /// A request the table would grant is first admitted upstream: the table
    /// emits ``LockAction/admit(_:)`` and keeps the request queued (blocking
    /// the queue behind it) until the caller reports the upstream's answer
    /// with ``LockTable/admitted(_:fencingToken:now:into:)`` (the grant, with
    /// the upstream's token) or ``LockTable/notAdmitted(_:_:now:into:)``.
    /// Ended holds are reported as ``LockAction/releaseUpstream(resource:fencingToken:)``
    /// and changed leases as ``LockAction/extendUpstream(resource:fencingToken:ttlMilliseconds:)``.
    /// There is no grace period: the upstream keeps the leases of a crashed run.
    case upstream
}
