/// Marks an absent lease or wait deadline in a record (nanoseconds).
let noDeadline = UInt64.max

/// A resource with at least one holder or waiter. Holders are a doubly linked
/// list in grant order, waiters a doubly linked FIFO queue.
///
/// Invariants: `holderCount > 0` implies every holder has mode `heldMode`,
/// and `heldMode == .exclusive` implies `holderCount == 1`. A record with no
/// holders and no waiters is removed from the table before the call returns.
struct ResourceRecord: Sendable {
    var name: ResourceName
    /// `ResourceIndex.hash(name)`, kept so removal need not hash again.
    var nameHash: UInt32
    var firstHolder = noIndex
    var lastHolder = noIndex
    var firstWaiter = noIndex
    var lastWaiter = noIndex
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
struct HolderRecord: Sendable {
    var resource: Int32
    var session: Int32
    var previousInResource = noIndex
    var nextInResource = noIndex
    var previousInSession = noIndex
    var nextInSession = noIndex
    /// The lease's timer in the wheel, or `noIndex` without a lease.
    var timer = noIndex
    var holdCount: UInt32 = 1
    var owner: OwnerName
    var fencingToken: UInt64
    /// Nanoseconds; `noDeadline` without a lease.
    var leaseDeadline: UInt64
    /// Nanoseconds.
    var grantedAt: UInt64
    var mode: LockMode
    var detached: Bool
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
}

/// A session the table knows: open, or closed but still owning detached holds.
struct SessionRecord: Sendable {
    var id: SessionID
    var peer: Peer
    var isOpen = true
    /// False once removed, so it is collected once.
    var live = true
    var firstHolder = noIndex
    var firstWaiter = noIndex
    var holderCount = 0
    var waiterCount = 0

    init(id: SessionID, peer: Peer) {
        self.id = id
        self.peer = peer
    }
}

/// What a timer in the wheel stands for: bit 63 tells a wait deadline from a
/// lease, the low 32 bits are the record's index.
enum TimerPayload {
    static let waitBit: UInt64 = 1 << 63

    static func lease(_ holder: Int32) -> UInt64 { UInt64(UInt32(bitPattern: holder)) }
    static func wait(_ waiter: Int32) -> UInt64 { waitBit | UInt64(UInt32(bitPattern: waiter)) }
    static func index(_ payload: UInt64) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: payload)) }
    static func isWait(_ payload: UInt64) -> Bool { payload & waitBit != 0 }
}
