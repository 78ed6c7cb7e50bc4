/// A lock handed to a request: either at once, as the result of `acquire`,
/// or later, to a queued request, as ``LockAction/granted(_:)``.
public struct Grant: Hashable, Sendable {
    public var session: SessionID
    public var ticket: Ticket
    public var resource: ResourceName
    public var owner: OwnerName
    public var mode: LockMode
    /// Strictly greater than every token issued before, for any resource.
    /// A reentrant re-acquire returns the token of the hold it nests in.
    public var fencingToken: UInt64
    /// 1 for a fresh hold; the nesting depth after a reentrant re-acquire.
    public var holdCount: UInt32
    /// The lease granted; 0 when the hold has no lease.
    public var ttlMilliseconds: UInt32

    public init(
        session: SessionID,
        ticket: Ticket,
        resource: ResourceName,
        owner: OwnerName,
        mode: LockMode,
        fencingToken: UInt64,
        holdCount: UInt32,
        ttlMilliseconds: UInt32
    ) {
        self.session = session
        self.ticket = ticket
        self.resource = resource
        self.owner = owner
        self.mode = mode
        self.fencingToken = fencingToken
        self.holdCount = holdCount
        self.ttlMilliseconds = ttlMilliseconds
    }
}

/// Why a holder lost its lock.
public enum LostReason: UInt8, Hashable, Sendable {
    /// The lease ran out before it was renewed or released.
    case leaseExpired = 1
    /// An administrator force-released the resource.
    case forceReleased = 2
}

/// A hold taken away from a holder whose session is open. The caller pushes
/// it to that session. (A detached hold whose session has closed is taken away
/// silently and only counted.)
public struct LostNotice: Hashable, Sendable {
    public var session: SessionID
    public var resource: ResourceName
    public var owner: OwnerName
    public var fencingToken: UInt64
    public var reason: LostReason

    public init(
        session: SessionID,
        resource: ResourceName,
        owner: OwnerName,
        fencingToken: UInt64,
        reason: LostReason
    ) {
        self.session = session
        self.resource = resource
        self.owner = owner
        self.fencingToken = fencingToken
        self.reason = reason
    }
}

/// Something that happened inside the engine that the caller must act on.
///
/// Actions come in order, and the caller performs them in that order before
/// it delivers the call's own result: in particular a
/// ``persistFencingHighWater(_:)`` must be durable before any later grant
/// (in the actions or in the result) leaves the process.
public enum LockAction: Hashable, Sendable {
    /// Make this fencing high-water durable before handing out further tokens.
    case persistFencingHighWater(UInt64)
    /// Make this lease horizon durable before delivering further grants: no
    /// detached lease granted so far ends after it. After an unclean restart
    /// the caller passes it back as the end of the grace period.
    case persistLeaseHorizon(Instant)
    /// A queued request was granted.
    case granted(Grant)
    /// A queued request's wait deadline passed; it left the queue.
    case waitTimedOut(session: SessionID, ticket: Ticket)
    /// A hold was taken away from an open session.
    case lost(LostNotice)
}
