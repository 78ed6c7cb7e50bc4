/// Finds a resource's record by name: an open-addressing hash table of slab
/// indices, with linear probing and backward-shift deletion (no tombstones).
///
/// A bucket is the record's `Int32` index (-1 when empty): 4 bytes, against a
/// dictionary's key, value and metadata. The names, and their hashes, live
/// only in the records; the table asks for a record's hash (`hashOf`) when it
/// grows or closes a gap, so it never hashes a name again. Names are hashed
/// with the standard library's per-process seeded hasher, so clients cannot
/// aim collisions at it.
///
/// Invariants: `buckets.count` is a power of two; `count <= buckets.count * 3 / 4`;
/// every entry lies on the probe path from its home bucket (`hash & mask`)
/// with no empty bucket in between.
struct ResourceIndex: Sendable {
    private static let empty: Int32 = -1
    private var buckets: [Int32] = Array(repeating: empty, count: 16)
    private var mask = 15
    private(set) var count = 0

    /// The stored form of a name's hash.
    @inline(__always)
    static func hash(_ name: ResourceName) -> UInt32 {
        UInt32(truncatingIfNeeded: name.hashValue)
    }

    mutating func reserveCapacity(_ capacity: Int, hashOf: (Int32) -> UInt32) {
        var size = buckets.count
        while capacity > size / 4 * 3 { size *= 2 }
        if size > buckets.count { rehash(size: size, hashOf: hashOf) }
    }

    /// The stored index on `hash`'s probe path for which `matches` is true.
    /// `matches` should compare the record's stored hash before its name.
    @inline(__always)
    func find(hash: UInt32, matches: (Int32) -> Bool) -> Int32? {
        var position = Int(hash) & mask
        while true {
            let index = buckets[position]
            if index == Self.empty { return nil }
            if matches(index) { return index }
            position = (position + 1) & mask
        }
    }

    /// Stores `index` under `hash`. The name must not be in the table.
    mutating func insert(hash: UInt32, index: Int32, hashOf: (Int32) -> UInt32) {
        if count + 1 > buckets.count / 4 * 3 { rehash(size: buckets.count * 2, hashOf: hashOf) }
        place(index, hash: hash)
        count += 1
    }

    /// Removes `index`, stored under `hash`.
    mutating func remove(hash: UInt32, index: Int32, hashOf: (Int32) -> UInt32) {
        var hole = Int(hash) & mask
        while buckets[hole] != index {
            precondition(buckets[hole] != Self.empty, "removing a resource the index does not hold")
            hole = (hole + 1) & mask
        }
        // Shift later entries of the run back over the hole while their home
        // bucket is not cyclically inside (hole, next].
        var next = hole
        while true {
            next = (next + 1) & mask
            let moving = buckets[next]
            if moving == Self.empty { break }
            let home = Int(hashOf(moving)) & mask
            let homeIsBetween = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if !homeIsBetween {
                buckets[hole] = moving
                hole = next
            }
        }
        buckets[hole] = Self.empty
        count -= 1
    }

    /// Every stored index, in no particular order.
    var indices: [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(count)
        for index in buckets where index != Self.empty { result.append(index) }
        return result
    }

    private mutating func place(_ index: Int32, hash: UInt32) {
        var position = Int(hash) & mask
        while buckets[position] != Self.empty { position = (position + 1) & mask }
        buckets[position] = index
    }

    private mutating func rehash(size: Int, hashOf: (Int32) -> UInt32) {
        let old = buckets
        buckets = Array(repeating: Self.empty, count: size)
        mask = size - 1
        for index in old where index != Self.empty { place(index, hash: hashOf(index)) }
    }
}
