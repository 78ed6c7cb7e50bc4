/// Contiguous storage with stable `Int32` indices and a free list.
///
/// The engine's records (holders, waiters, resources, sessions) live in slabs
/// and point at each other by index, which keeps them small (4-byte links
/// instead of 8-byte references), keeps the heap quiet, and makes removal
/// from an intrusive list O(1).
struct Slab<Element> {
    private var storage: ContiguousArray<Element> = []
    /// Indices of removed elements, reused last-in first-out.
    private var free: [Int32] = []

    /// Elements currently in use.
    var count: Int { storage.count - free.count }

    /// Stores `element` and returns its index.
    mutating func insert(_ element: Element) -> Int32 {
        if let index = free.popLast() {
            storage[Int(index)] = element
            return index
        }
        precondition(storage.count < Int(Int32.max), "slab full")
        storage.append(element)
        return Int32(truncatingIfNeeded: storage.count - 1)
    }

    /// Marks `index` free. The caller must not use it again until `insert` returns it.
    mutating func remove(at index: Int32) {
        free.append(index)
    }

    mutating func reserveCapacity(_ capacity: Int) {
        storage.reserveCapacity(capacity)
        free.reserveCapacity(capacity)
    }

    subscript(index: Int32) -> Element {
        _read { yield storage[Int(index)] }
        _modify { yield &storage[Int(index)] }
    }
}

/// The end of an intrusive list.
let noIndex: Int32 = -1
extension Slab: Sendable where Element: Sendable {}
