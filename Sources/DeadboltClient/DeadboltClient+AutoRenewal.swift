import DeadboltProtocol

extension DeadboltClient {
    /// Renews `lease` every third of its TTL until the task is cancelled, never past
    /// `policy.maxTotal` after `grantedAt`: the renewal that would cross that bound shortens
    /// the lease to end on it, and is the last.
    ///
    /// A failed renewal ends the loop and is reported in ``lostLocks`` as
    /// ``LostLock/Reason/renewalFailed``. That is the only report when another connection
    /// released a named owner's lock (a release sends no LOST); after a lease expiry or a
    /// FORCE_RELEASE it follows the daemon's own LOST event for the same token. A closed
    /// connection is not reported: ``lostLocks`` finishes instead.
    func renewWhileHeld(_ lease: Lease, grantedAt: ContinuousClock.Instant, policy: AutoRenew) async {
        guard let ttl = lease.ttl else { return }
        let interval = max(ttl / 3, .milliseconds(1))  // a 1 ms lease is no reason to spin
        let deadline = grantedAt + policy.maxTotal
        var nextRenewal = grantedAt + interval
        while true {
            do {
                try await Task.sleep(until: nextRenewal, clock: .continuous)
            } catch {
                return  // cancelled: the body ended
            }
            let now = ContinuousClock.now
            let remaining = deadline - now
            guard remaining >= .milliseconds(1) else { return }
            let renewalTTL = min(ttl, remaining)
            do {
                _ = try await self.renew(lease.resource, owner: lease.owner, ttl: renewalTTL)
            } catch let error as DeadboltError {
                if error.code != .connectionClosed {
                    self.lostLockReporter.yield(LostLock(renewalOf: lease, failedWith: error))
                }
                return
            } catch {
                return  // renew throws only DeadboltError
            }
            guard renewalTTL == ttl else { return }  // this renewal ends the lease at maxTotal
            nextRenewal = now + interval
        }
    }
}
