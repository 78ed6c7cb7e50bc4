/// Finds a resource's record by name: an open-addressing hash table of slab
/// indices, with linear probing and backward-shift deletion (no tombstones).
///
/// Each bucket is 8 bytes: the low 32 bits of the name's hash above, the
/// record's index + 1 below (0 marks an empty bucket). The names themselves
/// live only in the records, so the table costs 8 bytes per bucket instead of
/// a dictionary's key, value and metadata; and the stored hash lets the
/// table grow and delete without hashing a name again. Names are hashed with
/// the standard library's per-process seeded hasher, so clients cannot aim
/// collisions at it.
///
/// Invariants: `buckets.count` is a power of two; `count <= buckets.count * 3 / 4`;
/// every entry lies on the probe path from its home bucket (`hash & mask`)
/// with no empty bucket in between.
struct ResourceIndex: Sendable {
    private var buckets: [UInt64] = Array(repeating: 0, count: 16)
    private var mask = 15
    private(set) var count = 0

    /// The stored form of a name's hash.
    @inline(__always)
    static func hash(_ name: ResourceName) -> UInt32 {
        UInt32(truncatingIfNeeded: name.hashValue)
    }

    mutating func reserveCapacity(_ capacity: Int) {
        var size = buckets.count
        while capacity > size / 4 * 3 { size *= 2 }
        if size > buckets.count { rehash(size: size) }
    }

    /// The index stored for the name with `hash` for which `matches` is true.
    @inline(__always)
    func find(hash: UInt32, matches: (Int32) -> Bool) -> Int32? {
        var position = Int(hash) & mask
        while true {
            let bucket = buckets[position]
            if bucket == 0 { return nil }
            if UInt32(truncatingIfNeeded: bucket >> 32) == hash {
                let index = Int32(truncatingIfNeeded: bucket & 0xFFFF_FFFF) - 1
                if matches(index) { return index }
            }
            position = (position + 1) & mask
        }
    }

    /// Stores `index` under `hash`. The name must not be in the table.
    mutating func insert(hash: UInt32, index: Int32) {
        if (count + 1) > buckets.count / 4 * 3 { rehash(size: buckets.count * 2) }
        place(UInt64(hash) << 32 | UInt64(UInt32(index) + 1))
        count += 1
    }

    /// Removes the entry for `index`, stored under `hash`.
    mutating func remove(hash: UInt32, index: Int32) {
        let wanted = UInt64(hash) << 32 | UInt64(UInt32(index) + 1)
        var hole = Int(hash) & mask
        while buckets[hole] != wanted {
            precondition(buckets[hole] != 0, "removing a resource the index does not hold")
            hole = (hole + 1) & mask
        }
        // Shift later entries of the run back over the hole while their home
        // bucket is not cyclically inside (hole, next].
        var next = hole
        while true {
            next = (next + 1) & mask
            let bucket = buckets[next]
            if bucket == 0 { break }
            let home = Int(truncatingIfNeeded: bucket >> 32) & mask
            let homeIsBetween = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if !homeIsBetween {
                buckets[hole] = bucket
                hole = next
            }
        }
        buckets[hole] = 0
        count -= 1
    }

    /// Every stored index, in no particular order.
    var indices: [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(count)
        for bucket in buckets where bucket != 0 {
            result.append(Int32(truncatingIfNeeded: bucket & 0xFFFF_FFFF) - 1)
        }
        return result
    }

    private mutating func place(_ entry: UInt64) {
        var position = Int(truncatingIfNeeded: entry >> 32) & mask
        while buckets[position] != 0 { position = (position + 1) & mask }
        buckets[position] = entry
    }

    private mutating func rehash(size: Int) {
        let old = buckets
        buckets = Array(repeating: 0, count: size)
        mask = size - 1
        for entry in old where entry != 0 { place(entry) }
    }
}
