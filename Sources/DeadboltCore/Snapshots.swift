/// One hold on a resource, as a query sees it.
public struct HolderSnapshot: Hashable, Sendable {
    public var owner: OwnerName
    public var session: SessionID
    public var peer: Peer
    /// False once the session that took a detached hold has closed.
    public var sessionOpen: Bool
    public var mode: LockMode
    public var detached: Bool
    public var fencingToken: UInt64
    public var holdCount: UInt32
    public var grantedAt: Instant
    /// When the lease ends; `nil` for a hold without a lease.
    public var leaseDeadline: Instant?

    public init(
        owner: OwnerName,
        session: SessionID,
        peer: Peer,
        sessionOpen: Bool,
        mode: LockMode,
        detached: Bool,
        fencingToken: UInt64,
        holdCount: UInt32,
        grantedAt: Instant,
        leaseDeadline: Instant?
    ) {
        self.owner = owner
        self.session = session
        self.peer = peer
        self.sessionOpen = sessionOpen
        self.mode = mode
        self.detached = detached
        self.fencingToken = fencingToken
        self.holdCount = holdCount
        self.grantedAt = grantedAt
        self.leaseDeadline = leaseDeadline
    }
}

/// One queued request on a resource, as a query sees it.
public struct WaiterSnapshot: Hashable, Sendable {
    public var owner: OwnerName
    public var session: SessionID
    public var peer: Peer
    public var ticket: Ticket
    public var mode: LockMode
    public var enqueuedAt: Instant
    /// When the wait ends; `nil` for an unbounded wait.
    public var waitDeadline: Instant?

    public init(
        owner: OwnerName,
        session: SessionID,
        peer: Peer,
        ticket: Ticket,
        mode: LockMode,
        enqueuedAt: Instant,
        waitDeadline: Instant?
    ) {
        self.owner = owner
        self.session = session
        self.peer = peer
        self.ticket = ticket
        self.mode = mode
        self.enqueuedAt = enqueuedAt
        self.waitDeadline = waitDeadline
    }
}

/// A resource's holders and its queue, in grant order and queue order.
public struct ResourceSnapshot: Hashable, Sendable {
    public var name: ResourceName
    public var holders: [HolderSnapshot]
    public var waiters: [WaiterSnapshot]

    public init(
        name: ResourceName,
        holders: [HolderSnapshot],
        waiters: [WaiterSnapshot]
    ) {
        self.name = name
        self.holders = holders
        self.waiters = waiters
    }
}

/// One line of a listing.
public struct ResourceSummary: Hashable, Sendable {
    public var name: ResourceName
    /// The mode held, or `nil` when only waiters remain (briefly, while a
    /// batch of expiries is being worked through).
    public var heldMode: LockMode?
    public var holderCount: Int
    public var waiterCount: Int

    public init(
        name: ResourceName,
        heldMode: LockMode?,
        holderCount: Int,
        waiterCount: Int
    ) {
        self.name = name
        self.heldMode = heldMode
        self.holderCount = holderCount
        self.waiterCount = waiterCount
    }
}

/// A page of ``LockTable/list(prefix:after:limit:)``.
public struct ResourcePage: Hashable, Sendable {
    public var resources: [ResourceSummary]
    /// Pass as `after` to get the next page; `nil` when this is the last.
    public var nextCursor: ResourceName?

    public init(
        resources: [ResourceSummary],
        nextCursor: ResourceName?
    ) {
        self.resources = resources
        self.nextCursor = nextCursor
    }
}

/// Counters of the whole table. Gauges are current values; `…Total` counters
/// only grow.
public struct LockCounters: Hashable, Sendable {
    /// Holds (a reentrant hold counts once).
    public var locksHeld = 0
    public var waiters = 0
    public var resources = 0
    /// Sessions known to the table, including closed ones that still own
    /// detached holds.
    public var sessions = 0
    public var grantsTotal: UInt64 = 0
    public var releasesTotal: UInt64 = 0
    /// Leases that ran out, whether the holder was told or not.
    public var expiriesTotal: UInt64 = 0
    /// Detached leases that ran out after their session had closed.
    public var silentExpiriesTotal: UInt64 = 0
    public var timeoutsTotal: UInt64 = 0
    public var lostTotal: UInt64 = 0
    public var cancelsTotal: UInt64 = 0
    public var forceReleasesTotal: UInt64 = 0
    public var quotaRejectionsTotal: UInt64 = 0
}
