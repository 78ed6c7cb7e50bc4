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
    /// The upstream lost the lock, or its lease there could not be renewed.
    case upstreamLost = 3
}

/// A request the table would grant, to be taken upstream first (upstream
/// admission only). `id` names it in the answer.
public struct AdmissionRequest: Hashable, Sendable {
    /// Unique within the table's life; never 0.
    public var id: UInt64
    public var session: SessionID
    public var ticket: Ticket
    public var resource: ResourceName
    public var owner: OwnerName
    public var mode: LockMode
    /// The lease asked for; 0 = bound to the session (no lease).
    public var ttlMilliseconds: UInt32
    public var detached: Bool
}

/// Why a queued request was refused after all (upstream admission only).
public enum QueuedRefusal: Hashable, Sendable {
    /// A try found the lock held upstream (by another broker).
    case notGranted
    /// The upstream could not be reached: a try at once, a wait when it ran out.
    case upstreamUnavailable
    /// The upstream answered something unexpected (a try; a wait goes on
    /// waiting, as for an unreachable upstream).
    case upstreamFailed
}

/// What the upstream said to an admission that did not grant it.
public enum AdmissionRefusal: Hashable, Sendable {
    /// Another broker holds the lock.
    case heldElsewhere
    /// The upstream could not be reached.
    case unavailable
    /// The upstream answered something unexpected.
    case failed
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
    /// Upstream admission: take this lock upstream, then report the answer.
    case admit(AdmissionRequest)
    /// Upstream admission: a queued request was refused after all; answer it.
    case refused(session: SessionID, ticket: Ticket, QueuedRefusal)
    /// Upstream admission: a hold ended (released, expired, its session
    /// closed, force-released); release it upstream.
    case releaseUpstream(resource: ResourceName, fencingToken: UInt64)
    /// Upstream admission: a hold's lease was set to `ttlMilliseconds` from
    /// now (0 = none: bound to its session); extend it upstream.
    case extendUpstream(resource: ResourceName, fencingToken: UInt64, ttlMilliseconds: UInt32)
}
