/// The intrusive lists that tie records together. Each link and unlink is
/// O(1) and keeps the counts on the resource and the session in step.
///
/// A resource's holders and its waiters are circular (the head's `previous`
/// is the tail), so appending needs no tail index; a session's lists are
/// plain, newest first.
extension LockTable {
    /// Appends a hold to its resource's holders (grant order) and puts it at
    /// the head of its session's session-bound or detached holds.
    mutating func linkHolder(_ holder: Int32) {
        let resource = holders[holder].resource
        let session = holders[holder].session
        let head = resources[resource].firstHolder
        if head == noIndex {
            holders[holder].previousInResource = holder
            holders[holder].nextInResource = holder
            resources[resource].firstHolder = holder
        } else {
            let tail = holders[head].previousInResource
            holders[holder].previousInResource = tail
            holders[holder].nextInResource = head
            holders[tail].nextInResource = holder
            holders[head].previousInResource = holder
        }
        resources[resource].holderCount += 1
        resources[resource].heldMode = holders[holder].mode

        let detached = holders[holder].detached
        let first = detached ? sessions[session].firstDetachedHolder : sessions[session].firstHolder
        holders[holder].previousInSession = noIndex
        holders[holder].nextInSession = first
        if first != noIndex { holders[first].previousInSession = holder }
        if detached { sessions[session].firstDetachedHolder = holder } else { sessions[session].firstHolder = holder }
        sessions[session].holderCount += 1
        if tracksUIDUsage { uidUsage[sessions[session].peer.uid, default: UIDUsage()].holders += 1 }
    }

    mutating func unlinkHolder(_ holder: Int32) {
        let record = holders[holder]
        if record.nextInResource == holder {
            resources[record.resource].firstHolder = noIndex
        } else {
            holders[record.previousInResource].nextInResource = record.nextInResource
            holders[record.nextInResource].previousInResource = record.previousInResource
            if resources[record.resource].firstHolder == holder {
                resources[record.resource].firstHolder = record.nextInResource
            }
        }
        resources[record.resource].holderCount -= 1

        if record.previousInSession == noIndex {
            if record.detached {
                sessions[record.session].firstDetachedHolder = record.nextInSession
            } else {
                sessions[record.session].firstHolder = record.nextInSession
            }
        } else {
            holders[record.previousInSession].nextInSession = record.nextInSession
        }
        if record.nextInSession != noIndex {
            holders[record.nextInSession].previousInSession = record.previousInSession
        }
        sessions[record.session].holderCount -= 1
        if tracksUIDUsage { releaseUsage(of: sessions[record.session].peer.uid) { $0.holders -= 1 } }
    }

    /// The hold after `holder` on its resource, or `noIndex` after the last.
    /// Not for use while the list changes.
    func holderAfter(_ holder: Int32) -> Int32 {
        let next = holders[holder].nextInResource
        return next == resources[holders[holder].resource].firstHolder ? noIndex : next
    }

    /// Appends a request to the tail of its resource's queue, and puts it at
    /// the head of its session's list.
    mutating func linkWaiter(_ waiter: Int32) {
        let resource = waiters[waiter].resource
        let session = waiters[waiter].session
        let head = resources[resource].firstWaiter
        if head == noIndex {
            waiters[waiter].previous = waiter
            waiters[waiter].next = waiter
            resources[resource].firstWaiter = waiter
        } else {
            let tail = waiters[head].previous
            waiters[waiter].previous = tail
            waiters[waiter].next = head
            waiters[tail].next = waiter
            waiters[head].previous = waiter
        }
        resources[resource].waiterCount += 1

        let first = sessions[session].firstWaiter
        waiters[waiter].previousInSession = noIndex
        waiters[waiter].nextInSession = first
        if first != noIndex { waiters[first].previousInSession = waiter }
        sessions[session].firstWaiter = waiter
        sessions[session].waiterCount += 1
        if tracksUIDUsage { uidUsage[sessions[session].peer.uid, default: UIDUsage()].waiters += 1 }
    }

    mutating func unlinkWaiter(_ waiter: Int32) {
        let record = waiters[waiter]
        if record.next == waiter {
            resources[record.resource].firstWaiter = noIndex
        } else {
            waiters[record.previous].next = record.next
            waiters[record.next].previous = record.previous
            if resources[record.resource].firstWaiter == waiter {
                resources[record.resource].firstWaiter = record.next
            }
        }
        resources[record.resource].waiterCount -= 1

        if record.previousInSession == noIndex {
            sessions[record.session].firstWaiter = record.nextInSession
        } else {
            waiters[record.previousInSession].nextInSession = record.nextInSession
        }
        if record.nextInSession != noIndex {
            waiters[record.nextInSession].previousInSession = record.previousInSession
        }
        sessions[record.session].waiterCount -= 1
        if tracksUIDUsage { releaseUsage(of: sessions[record.session].peer.uid) { $0.waiters -= 1 } }
    }

    /// The request after `waiter` in its resource's queue, or `noIndex` after
    /// the last. Not for use while the queue changes.
    func waiterAfter(_ waiter: Int32) -> Int32 {
        let next = waiters[waiter].next
        return next == resources[waiters[waiter].resource].firstWaiter ? noIndex : next
    }

    /// Lowers a uid's usage, and forgets the uid once it has none.
    private mutating func releaseUsage(of uid: UInt32, _ change: (inout UIDUsage) -> Void) {
        guard var usage = uidUsage[uid] else { preconditionFailure("usage of uid \(uid) went below 0") }
        change(&usage)
        uidUsage[uid] = usage.holders == 0 && usage.waiters == 0 ? nil : usage
    }
}
