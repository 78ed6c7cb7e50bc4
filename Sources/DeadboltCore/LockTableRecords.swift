/// Marks an absent lease or wait deadline in a record (nanoseconds).
let noDeadline = UInt64.max

/// A resource with at least one holder or waiter. Holders (in grant order)
/// and waiters (FIFO) are circular doubly linked lists: the head's `previous`
/// is the tail, so one index per list finds both ends. 40 bytes.
///
/// Invariants: `holderCount > 0` implies every holder has mode `heldMode`,
/// and `heldMode == .exclusive` implies `holderCount == 1`. A record with no
/// holders and no waiters is removed from the table before the call returns.
struct ResourceRecord: Sendable {
    var name: ResourceName
    /// `ResourceIndex.hash(name)`, kept so removal need not hash again.
    var nameHash: UInt32
    var firstHolder = noIndex
    var firstWaiter = noIndex
    var holderCount: UInt32 = 0
    var waiterCount: UInt32 = 0
    var heldMode = LockMode.exclusive
    /// False once removed, so a batch that touched it twice settles it once.
    var live = true

    init(name: ResourceName, nameHash: UInt32) {
        self.name = name
        self.nameHash = nameHash
    }
}

/// One hold. Linked into its resource's holder list and its session's.
/// Kept to 72 bytes: the hold count shares a word with the mode and the
/// detached flag.
struct HolderRecord: Sendable {
    var resource: Int32
    var session: Int32
    var previousInResource = noIndex
    var nextInResource = noIndex
    var previousInSession = noIndex
    var nextInSession = noIndex
    /// The lease's timer in the wheel, or `noIndex` without a lease.
    var timer = noIndex
    /// Bits 0–29 the hold count, bit 30 shared mode, bit 31 detached.
    private var countAndFlags: UInt32
    var owner: OwnerName
    var fencingToken: UInt64
    /// Nanoseconds; `noDeadline` without a lease.
    var leaseDeadline: UInt64
    /// Nanoseconds.
    var grantedAt: UInt64

    static let maxHoldCount: UInt32 = (1 << 30) - 1
    private static let sharedBit: UInt32 = 1 << 30
    private static let detachedBit: UInt32 = 1 << 31

    init(
        resource: Int32, session: Int32, owner: OwnerName, fencingToken: UInt64, leaseDeadline: UInt64,
        grantedAt: UInt64, mode: LockMode, detached: Bool
    ) {
        self.resource = resource
        self.session = session
        self.owner = owner
        self.fencingToken = fencingToken
        self.leaseDeadline = leaseDeadline
        self.grantedAt = grantedAt
        countAndFlags = 1 | (mode == .shared ? Self.sharedBit : 0) | (detached ? Self.detachedBit : 0)
    }

    /// 1, or the nesting depth of a reentrant hold; at most `maxHoldCount`.
    var holdCount: UInt32 {
        get { countAndFlags & Self.maxHoldCount }
        set {
            precondition(newValue <= Self.maxHoldCount, "reentrant hold count overflow")
            countAndFlags = (countAndFlags & ~Self.maxHoldCount) | newValue
        }
    }

    var mode: LockMode { countAndFlags & Self.sharedBit != 0 ? .shared : .exclusive }
    var detached: Bool { countAndFlags & Self.detachedBit != 0 }
}

/// One queued acquire. Linked into its resource's queue and its session's list.
struct WaiterRecord: Sendable {
    var resource: Int32
    var session: Int32
    var previous = noIndex
    var next = noIndex
    var previousInSession = noIndex
    var nextInSession = noIndex
    /// The wait deadline's timer, or `noIndex` for an unbounded wait.
    var timer = noIndex
    var ttlMilliseconds: UInt32
    var ticket: Ticket
    var owner: OwnerName
    /// Nanoseconds.
    var enqueuedAt: UInt64
    /// Nanoseconds; `noDeadline` for an unbounded wait.
    var waitDeadline: UInt64
    var mode: LockMode
    var detached: Bool
    /// Upstream admission: nonzero while the upstream is being asked for this
    /// request (the id of that ``Admission``); 0 otherwise.
    var admission: UInt64 = 0
    /// Upstream admission: a try (wait 0), queued only while the upstream is asked.
    var tryOnce = false
    /// Upstream admission: the upstream was unreachable at least once, so a
    /// wait that runs out is answered UPSTREAM_UNAVAILABLE, not WAIT_TIMEOUT.
    var upstreamUnavailable = false
}

/// A session the table knows: open, or closed but still owning detached holds.
struct SessionRecord: Sendable {
    var id: SessionID
    var peer: Peer
    var isOpen = true
    /// False once removed, so it is collected once.
    var live = true
    /// Session-bound holds, newest first: the ones its close releases.
    var firstHolder = noIndex
    /// Detached holds, newest first: they outlive the session, so closing it
    /// never walks them.
    var firstDetachedHolder = noIndex
    var firstWaiter = noIndex
    var holderCount = 0
    var waiterCount = 0

    init(id: SessionID, peer: Peer) {
        self.id = id
        self.peer = peer
    }
}

/// What a timer in the wheel stands for: bit 31 tells a wait deadline from a
/// lease, the low 31 bits are the record's index (slab indices are never negative).
enum TimerPayload {
    static let waitBit: UInt32 = 1 << 31

    static func lease(_ holder: Int32) -> UInt32 { UInt32(bitPattern: holder) }
    static func wait(_ waiter: Int32) -> UInt32 { waitBit | UInt32(bitPattern: waiter) }
    static func index(_ payload: UInt32) -> Int32 { Int32(bitPattern: payload & ~waitBit) }
    static func isWait(_ payload: UInt32) -> Bool { payload & waitBit != 0 }
}

/// What one uid holds and awaits, across all its sessions.
struct UIDUsage: Sendable {
    var holders = 0
    var waiters = 0
}
