/// Read-only views of the table: one resource, a listing, and convenience
/// overloads that return actions instead of appending them.
extension LockTable {
    /// Holders (in grant order) and waiters (in queue order) of a resource,
    /// or `nil` when nobody holds or waits for it. A hold whose lease is due
    /// but not yet ended by `advance` is still shown.
    public func snapshot(of name: ResourceName) -> ResourceSnapshot? {
        guard let resource = find(name, hash: ResourceIndex.hash(name)) else { return nil }
        var holderSnapshots: [HolderSnapshot] = []
        var holder = resources[resource].firstHolder
        while holder != noIndex {
            let record = holders[holder]
            let session = sessions[record.session]
            holderSnapshots.append(HolderSnapshot(
                owner: record.owner, session: session.id, peer: session.peer, sessionOpen: session.isOpen,
                mode: record.mode, detached: record.detached, fencingToken: record.fencingToken,
                holdCount: record.holdCount, grantedAt: Instant(nanoseconds: record.grantedAt),
                leaseDeadline: record.leaseDeadline == noDeadline ? nil : Instant(nanoseconds: record.leaseDeadline)
            ))
            holder = holderAfter(holder)
        }
        var waiterSnapshots: [WaiterSnapshot] = []
        var waiter = resources[resource].firstWaiter
        while waiter != noIndex {
            let record = waiters[waiter]
            let session = sessions[record.session]
            waiterSnapshots.append(WaiterSnapshot(
                owner: record.owner, session: session.id, peer: session.peer, ticket: record.ticket,
                mode: record.mode, enqueuedAt: Instant(nanoseconds: record.enqueuedAt),
                waitDeadline: record.waitDeadline == noDeadline ? nil : Instant(nanoseconds: record.waitDeadline)
            ))
            waiter = waiterAfter(waiter)
        }
        return ResourceSnapshot(name: name, holders: holderSnapshots, waiters: waiterSnapshots)
    }

    /// Resources whose names start with `prefix` (bytes), in byte order,
    /// strictly after `cursor`, at most `limit` of them. O(resources · log limit).
    public func list(prefix: String, after cursor: ResourceName?, limit: Int) -> ResourcePage {
        precondition(limit > 0)
        // The `limit + 1` smallest matching names, sorted; one extra tells
        // whether there is a next page.
        var smallest: [(name: ResourceName, index: Int32)] = []
        smallest.reserveCapacity(limit + 1)
        for index in resourceIndex.indices {
            let name = resources[index].name
            guard name.hasBytePrefix(prefix) else { continue }
            if let cursor, !(cursor < name) { continue }
            if smallest.count == limit + 1 {
                guard name < smallest[limit].name else { continue }
                smallest.removeLast()
            }
            var low = 0
            var high = smallest.count
            while low < high {
                let middle = (low + high) / 2
                if smallest[middle].name < name { low = middle + 1 } else { high = middle }
            }
            smallest.insert((name, index), at: low)
        }
        let page = smallest.prefix(limit).map { entry -> ResourceSummary in
            let record = resources[entry.index]
            return ResourceSummary(
                name: entry.name, heldMode: record.holderCount > 0 ? record.heldMode : nil,
                holderCount: Int(record.holderCount), waiterCount: Int(record.waiterCount)
            )
        }
        return ResourcePage(resources: page, nextCursor: smallest.count > limit ? page.last?.name : nil)
    }
}
