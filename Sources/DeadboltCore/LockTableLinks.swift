/// The intrusive lists that tie records together. Each link and unlink is
/// O(1) and keeps the counts on the resource and the session in step.
extension LockTable {
    /// Appends a hold to its resource (grant order) and its session.
    mutating func linkHolder(_ holder: Int32) {
        let resource = holders[holder].resource
        let session = holders[holder].session
        let last = resources[resource].lastHolder
        holders[holder].previousInResource = last
        holders[holder].nextInResource = noIndex
        if last == noIndex { resources[resource].firstHolder = holder } else { holders[last].nextInResource = holder }
        resources[resource].lastHolder = holder
        resources[resource].holderCount += 1
        resources[resource].heldMode = holders[holder].mode

        let first = sessions[session].firstHolder
        holders[holder].previousInSession = noIndex
        holders[holder].nextInSession = first
        if first != noIndex { holders[first].previousInSession = holder }
        sessions[session].firstHolder = holder
        sessions[session].holderCount += 1
    }

    mutating func unlinkHolder(_ holder: Int32) {
        let record = holders[holder]
        if record.previousInResource == noIndex {
            resources[record.resource].firstHolder = record.nextInResource
        } else {
            holders[record.previousInResource].nextInResource = record.nextInResource
        }
        if record.nextInResource == noIndex {
            resources[record.resource].lastHolder = record.previousInResource
        } else {
            holders[record.nextInResource].previousInResource = record.previousInResource
        }
        resources[record.resource].holderCount -= 1

        if record.previousInSession == noIndex {
            sessions[record.session].firstHolder = record.nextInSession
        } else {
            holders[record.previousInSession].nextInSession = record.nextInSession
        }
        if record.nextInSession != noIndex {
            holders[record.nextInSession].previousInSession = record.previousInSession
        }
        sessions[record.session].holderCount -= 1
    }

    /// Appends a request to the tail of its resource's queue, and to its session.
    mutating func linkWaiter(_ waiter: Int32) {
        let resource = waiters[waiter].resource
        let session = waiters[waiter].session
        let last = resources[resource].lastWaiter
        waiters[waiter].previous = last
        waiters[waiter].next = noIndex
        if last == noIndex { resources[resource].firstWaiter = waiter } else { waiters[last].next = waiter }
        resources[resource].lastWaiter = waiter
        resources[resource].waiterCount += 1

        let first = sessions[session].firstWaiter
        waiters[waiter].previousInSession = noIndex
        waiters[waiter].nextInSession = first
        if first != noIndex { waiters[first].previousInSession = waiter }
        sessions[session].firstWaiter = waiter
        sessions[session].waiterCount += 1
    }

    mutating func unlinkWaiter(_ waiter: Int32) {
        let record = waiters[waiter]
        if record.previous == noIndex {
            resources[record.resource].firstWaiter = record.next
        } else {
            waiters[record.previous].next = record.next
        }
        if record.next == noIndex {
            resources[record.resource].lastWaiter = record.previous
        } else {
            waiters[record.next].previous = record.previous
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
    }
}
