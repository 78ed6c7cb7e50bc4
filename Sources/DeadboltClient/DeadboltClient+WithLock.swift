import DeadboltProtocol

extension DeadboltClient {
    /// Takes a lock, runs `body` while holding it, and releases it on every way out: a normal
    /// return, a thrown error, or the cancellation of the task.
    ///
    /// ```swift
    /// try await client.withLock("report", ttl: .seconds(30)) { lease in
    ///     try await store.write(report, fencingToken: lease.token)
    /// }
    /// ```
    ///
    /// The RELEASE is not cancellable, so a cancelled task still sends it and waits for its
    /// answer. If the task is cancelled while the acquire waits, the acquire is withdrawn and
    /// `body` does not run (see ``acquire(_:mode:ttl:wait:owner:detached:reentrant:)``).
    ///
    /// - Parameters:
    ///   - resource: the lock's name: 1…255 bytes of UTF-8 without NUL.
    ///   - mode: exclusive (the default) or shared.
    ///   - ttl: the lease, counted from the grant; `nil` (the default) for none. A lease bounds
    ///     how long the lock outlives a holder that hangs; with `autoRenew` it bounds how long
    ///     it outlives one that dies.
    ///   - wait: how long to wait for the lock; ``Wait/forever`` by default.
    ///   - owner: the owner name; `nil` (the default) for this connection.
    ///   - autoRenew: renew the lease while `body` runs, never beyond
    ///     ``AutoRenew/maxTotal`` after the grant. `nil` (the default): no renewal. Ignored
    ///     without a `ttl`.
    ///   - body: the work the lock protects; it receives the grant, whose `token` fences
    ///     writes.
    /// - Returns: what `body` returns.
    /// - Throws: the error `body` throws (a failed release is then ignored: the error that
    ///   ended the work matters more); the acquire's error; or, after a normal return, the
    ///   release's error, such as ``DeadboltError/Code/lockUnexist`` when the lease ran out
    ///   during `body`, since the lock then did not protect all of it.
    public func withLock<Result>(
        _ resource: String,
        mode: LockMode = .exclusive,
        ttl: Duration? = nil,
        wait: Wait = .forever,
        owner: String? = nil,
        autoRenew: AutoRenew? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Lease) async throws -> Result
    ) async throws -> Result {
        let lease = try await self.acquire(resource, mode: mode, ttl: ttl, wait: wait, owner: owner)
        let grantedAt = ContinuousClock.now
        let result: Result
        do {
            if let autoRenew, lease.ttl != nil {
                result = try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
                    group.addTask {
                        await self.renewWhileHeld(lease, grantedAt: grantedAt, policy: autoRenew)
                    }
                    // Renewal stops when the body ends, before the release below; a renewal in
                    // flight completes first, as the group waits for its task.
                    defer { group.cancelAll() }
                    return try await body(lease)
                }
            } else {
                result = try await body(lease)
            }
        } catch {
            _ = try? await self.release(lease.resource, owner: lease.owner)
            throw error
        }
        try await self.release(lease.resource, owner: lease.owner)
        return result
    }
}
