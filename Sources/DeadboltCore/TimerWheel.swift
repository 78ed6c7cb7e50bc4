/// A timer scheduled on a ``TimerWheel``. Valid until it fires or is cancelled.
public struct TimerHandle: Hashable, Sendable {
    @usableFromInline let index: Int32
}

/// A hierarchical timer wheel, after the Linux kernel's and Kafka's.
///
/// Time is cut into ticks of `tickNanoseconds`. There are `levelCount` levels
/// of `slotsPerLevel` (256) slots; a slot of level k spans 256^k ticks, so the
/// five levels cover 2^40 ticks (35 years at 1 ms). Each slot is a circular
/// doubly linked list threaded through `nodes`, with a sentinel node per slot.
///
/// Invariants, between calls:
/// - Every tick `<= currentTick` has been processed: no timer due in it is in a
///   slot; timers left over from a call that ran out of work are on `pending`.
/// - A timer with deadline tick d in level k, slot s has `s == (d >> 8k) & 255`
///   and `256^k <= d - currentTick' < 256^(k+1)` for the `currentTick'` at
///   which it was placed; its slot is next taken out exactly at the first tick
///   of d's level-k block, which is after `currentTick` and no later than d.
/// - A timer fires (is returned by `advance`) only when its whole tick has
///   passed, i.e. `now >= (d + 1) * tickNanoseconds`: never early, and at most
///   one tick late when `advance` is called at ``nextAdvance``.
///
/// Costs: `schedule` and `cancel` are O(1) (a cancel unlinks its node at once).
/// `advance` does at most `workBudget` units of work per call, one unit per tick
/// stepped and per timer fired or moved down a level; a timer is moved at most
/// `levelCount - 1` times in its life. When the budget runs out, `advance`
/// returns `false` and the caller calls again, e.g. on the next turn of its
/// event loop, so a million timers due at once take many short calls rather
/// than one long one.
public struct TimerWheel: Sendable {
    public static let slotBits = 8
    public static let slotsPerLevel = 1 << slotBits
    public static let levelCount = 5

    /// Length of one tick, in nanoseconds.
    public let tickNanoseconds: UInt64
    /// The last tick fully processed.
    public private(set) var currentTick: UInt64
    /// Timers scheduled and not yet fired or cancelled.
    public private(set) var count: Int = 0

    /// 20 bytes: the deadline tick is split into two words so that the node
    /// needs only 4-byte alignment.
    struct Node {
        private var deadlineTickLow: UInt32
        private var deadlineTickHigh: UInt32
        /// The caller's value, returned when the timer fires.
        var payload: UInt32
        var previous: Int32
        var next: Int32

        init(deadlineTick: UInt64, payload: UInt32, previous: Int32, next: Int32) {
            deadlineTickLow = UInt32(truncatingIfNeeded: deadlineTick)
            deadlineTickHigh = UInt32(truncatingIfNeeded: deadlineTick >> 32)
            self.payload = payload
            self.previous = previous
            self.next = next
        }

        /// Tick of the deadline: deadline nanoseconds / tickNanoseconds.
        var deadlineTick: UInt64 { UInt64(deadlineTickHigh) << 32 | UInt64(deadlineTickLow) }
    }

    /// Sentinels first: slot (level, s) at `level * 256 + s`, then `pending`,
    /// then timers. A free node has `previous == noIndex`.
    private var nodes: ContiguousArray<Node>
    private var freeNodes: [Int32] = []
    private static let pendingSentinel = Int32(levelCount * slotsPerLevel)
    private static let firstTimerIndex = pendingSentinel + 1

    /// A wheel whose ticks before the one containing `start` count as processed.
    public init(tickNanoseconds: UInt64, start: Instant) {
        precondition(tickNanoseconds > 0)
        self.tickNanoseconds = tickNanoseconds
        self.currentTick = max(start.nanoseconds / tickNanoseconds, 1) - 1
        let sentinels = Int(Self.firstTimerIndex)
        nodes = ContiguousArray(unsafeUninitializedCapacity: sentinels) { buffer, initialized in
            for i in 0..<sentinels {
                let me = Int32(i)
                buffer.initializeElement(at: i, to: Node(deadlineTick: 0, payload: 0, previous: me, next: me))
            }
            initialized = sentinels
        }
    }

    public mutating func reserveCapacity(_ timers: Int) {
        nodes.reserveCapacity(Int(Self.firstTimerIndex) + timers)
        freeNodes.reserveCapacity(timers)
    }

    /// Schedules `payload` (at most `UInt32.max`) to fire once `deadline`'s tick has passed. O(1).
    public mutating func schedule(deadline: Instant, payload: UInt64) -> TimerHandle {
        precondition(payload <= UInt32.max, "timer payloads are 32 bits")
        let node = Node(deadlineTick: deadline.nanoseconds / tickNanoseconds, payload: UInt32(payload), previous: noIndex, next: noIndex)
        let index: Int32
        if let reused = freeNodes.popLast() {
            index = reused
            nodes[Int(index)] = node
        } else {
            precondition(nodes.count < Int(Int32.max), "timer wheel full")
            index = Int32(truncatingIfNeeded: nodes.count)
            nodes.append(node)
        }
        place(index)
        count += 1
        return TimerHandle(index: index)
    }

    /// Cancels a timer that has neither fired nor been cancelled. O(1).
    public mutating func cancel(_ handle: TimerHandle) {
        let index = handle.index
        precondition(index >= Self.firstTimerIndex && nodes[Int(index)].previous != noIndex, "cancel of a dead timer")
        unlink(index)
        release(index)
    }

    /// The deadline tick of a live timer.
    public func deadlineTick(of handle: TimerHandle) -> UInt64 {
        nodes[Int(handle.index)].deadlineTick
    }

    /// Processes every tick that has fully passed by `now`, appending the
    /// payloads of timers that fire to `fired`, doing at most `workBudget`
    /// units of work and firing at most `maxFired` timers (the caller's work
    /// per fired timer is far more than the wheel's). Returns `true` when all
    /// due work is done, `false` when a limit was reached and the caller should
    /// call again.
    public mutating func advance(to now: Instant, workBudget: Int, maxFired: Int = .max, fired: inout [UInt64]) -> Bool {
        // The last tick that has fully passed. Tick t ends at (t + 1) * tick.
        let nowTick = now.nanoseconds / tickNanoseconds
        let targetTick = nowTick > 0 ? nowTick - 1 : 0
        var work = 0
        var firedCount = 0
        while true {
            // Drain timers taken out of slots at `currentTick`: fire the due ones,
            // move the others down to the level their distance now calls for.
            while case let index = nodes[Int(Self.pendingSentinel)].next, index != Self.pendingSentinel {
                let due = nodes[Int(index)].deadlineTick <= currentTick
                if work >= workBudget || (due && firedCount >= maxFired) { return false }
                work += 1
                unlink(index)
                if due {
                    fired.append(UInt64(nodes[Int(index)].payload))
                    firedCount += 1
                    release(index)
                } else {
                    place(index)
                }
            }
            if currentTick >= targetTick { return true }
            if count == 0 {
                currentTick = targetTick
                return true
            }
            if work >= workBudget { return false }
            work += 1
            currentTick += 1
            // At a level-k block boundary, that level's slot for the new block
            // comes down; boundaries of level k are boundaries of every level below.
            for level in 1..<Self.levelCount {
                let shift = UInt64(level * Self.slotBits)
                guard currentTick & ((1 << shift) - 1) == 0 else { break }
                spliceIntoPending(slot: Self.slotIndex(level: level, of: currentTick >> shift))
            }
            spliceIntoPending(slot: Self.slotIndex(level: 0, of: currentTick))
        }
    }

    /// The earliest instant at which ``advance(to:workBudget:fired:)`` has work:
    /// a timer to fire, or a slot to bring down a level. `nil` when empty.
    /// Scans at most 256 slots per level.
    public func nextAdvance() -> Instant? {
        if count == 0 { return nil }
        if nodes[Int(Self.pendingSentinel)].next != Self.pendingSentinel {
            return Instant(nanoseconds: (currentTick + 1) &* tickNanoseconds)
        }
        var earliestTick = UInt64.max
        for level in 0..<Self.levelCount {
            let shift = UInt64(level * Self.slotBits)
            let block = currentTick >> shift
            for step in 1...UInt64(Self.slotsPerLevel) {
                let firstTick = (block + step) << shift
                if firstTick >= earliestTick { break }
                let sentinel = Self.slotIndex(level: level, of: block + step)
                if nodes[Int(sentinel)].next != sentinel {
                    earliestTick = firstTick
                    break
                }
            }
        }
        precondition(earliestTick != .max, "timers counted but in no slot")
        // A tick is processed once it has fully passed.
        let (end, overflow) = (earliestTick + 1).multipliedReportingOverflow(by: tickNanoseconds)
        return Instant(nanoseconds: overflow ? .max : end)
    }

    // MARK: - Lists

    @inline(__always)
    private static func slotIndex(level: Int, of blockOrTick: UInt64) -> Int32 {
        Int32(level * slotsPerLevel) + Int32(truncatingIfNeeded: blockOrTick & UInt64(slotsPerLevel - 1))
    }

    /// Links a timer into the slot its distance from `currentTick` calls for.
    private mutating func place(_ index: Int32) {
        let deadlineTick = nodes[Int(index)].deadlineTick
        // A deadline in a processed tick fires on the next one.
        let delta = deadlineTick > currentTick ? deadlineTick - currentTick : 1
        let tick = currentTick + delta
        var level = 0
        while level < Self.levelCount - 1 && delta >> UInt64((level + 1) * Self.slotBits) != 0 {
            level += 1
        }
        var block = tick >> UInt64(level * Self.slotBits)
        if level == Self.levelCount - 1 && delta >> UInt64(Self.levelCount * Self.slotBits) != 0 {
            // Beyond the wheel's horizon: park it in the furthest top-level slot;
            // it is placed again when that slot comes down.
            block = (currentTick >> UInt64(level * Self.slotBits)) + UInt64(Self.slotsPerLevel - 1)
        }
        linkAtTail(index, sentinel: Self.slotIndex(level: level, of: block))
    }

    private mutating func linkAtTail(_ index: Int32, sentinel: Int32) {
        let last = nodes[Int(sentinel)].previous
        nodes[Int(index)].previous = last
        nodes[Int(index)].next = sentinel
        nodes[Int(last)].next = index
        nodes[Int(sentinel)].previous = index
    }

    private mutating func unlink(_ index: Int32) {
        let previous = nodes[Int(index)].previous
        let next = nodes[Int(index)].next
        nodes[Int(previous)].next = next
        nodes[Int(next)].previous = previous
    }

    private mutating func release(_ index: Int32) {
        nodes[Int(index)].previous = noIndex
        freeNodes.append(index)
        count -= 1
    }

    /// Moves a whole slot's list onto the end of `pending`. O(1).
    private mutating func spliceIntoPending(slot sentinel: Int32) {
        let first = nodes[Int(sentinel)].next
        guard first != sentinel else { return }
        let last = nodes[Int(sentinel)].previous
        let pending = Self.pendingSentinel
        let pendingLast = nodes[Int(pending)].previous
        nodes[Int(pendingLast)].next = first
        nodes[Int(first)].previous = pendingLast
        nodes[Int(last)].next = pending
        nodes[Int(pending)].previous = last
        nodes[Int(sentinel)].next = sentinel
        nodes[Int(sentinel)].previous = sentinel
    }
}
