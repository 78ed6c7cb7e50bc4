import DeadboltProtocol

extension DeadboltClient {
    /// Drops one hold of a lock.
    ///
    /// Not cancellable: in a cancelled task the RELEASE is still sent and awaited.
    ///
    /// - Parameters:
    ///   - resource: the lock's name.
    ///   - owner: the owner it was taken under; `nil` (the default) for this connection.
    /// - Returns: the owner's holds left: 0 when it no longer holds the lock, more after
    ///   reentrant acquires.
    /// - Throws: ``DeadboltError`` with ``DeadboltError/Code/lockUnexist`` when nobody holds
    ///   it under that owner (its lease may have run out), ``DeadboltError/Code/lockBelongToOthers``
    ///   when another owner does, ``DeadboltError/Code/permissionDenied`` when the owner
    ///   belongs to another uid.
    @discardableResult
    public func release(_ resource: String, owner: String? = nil) async throws -> Int {
        try WireArguments.checkStr16(resource, field: "resource")
        let answer = try await self.call(.release(ReleaseRequest(resource: resource, owner: try WireArguments.owner(owner))))
        guard case .release(let released) = answer else {
            throw DeadboltError.unexpected(answer, to: .release)
        }
        return Int(released.remainingHoldCount)
    }

    /// Sets the remaining lease of a held lock to `ttl` from now.
    ///
    /// - Parameters:
    ///   - resource: the lock's name.
    ///   - owner: the owner it was taken under; `nil` for this connection.
    ///   - ttl: the new lease, counted from the renewal and rounded up to whole milliseconds;
    ///     `nil` removes the lease (refused for a detached lock). At most the daemon's
    ///     `--max-ttl-ms`.
    /// - Returns: the lease now in force, and the hold's (unchanged) fencing token.
    /// - Throws: ``DeadboltError``, as ``release(_:owner:)``, and
    ///   ``DeadboltError/Code/invalidArgument`` for a TTL the daemon refuses.
    public func renew(_ resource: String, owner: String? = nil, ttl: Duration?) async throws -> Renewal {
        try WireArguments.checkStr16(resource, field: "resource")
        let request = RenewRequest(
            resource: resource,
            owner: try WireArguments.owner(owner),
            ttlMilliseconds: try WireArguments.ttlMilliseconds(ttl)
        )
        let answer = try await self.call(.renew(request))
        guard case .renew(let renewed) = answer else {
            throw DeadboltError.unexpected(answer, to: .renew)
        }
        return Renewal(
            resource: resource,
            owner: owner.flatMap { $0.isEmpty ? nil : $0 },
            token: renewed.fencingToken,
            ttl: WireArguments.ttl(milliseconds: renewed.ttlMilliseconds)
        )
    }

    /// Removes every holder of a resource (admin only: root, or a member of the daemon's
    /// `--admin-group`). Each holder whose connection is open gets a LOST event with reason
    /// ``LostLock/Reason/forceReleased``; waiters are then served.
    ///
    /// - Returns: how many holders were removed; 0 when the resource was free.
    /// - Throws: ``DeadboltError`` with ``DeadboltError/Code/permissionDenied`` for a caller
    ///   that is not an admin.
    @discardableResult
    public func forceRelease(_ resource: String) async throws -> Int {
        try WireArguments.checkStr16(resource, field: "resource")
        let answer = try await self.call(.forceRelease(ForceReleaseRequest(resource: resource)))
        guard case .forceRelease(let released) = answer else {
            throw DeadboltError.unexpected(answer, to: .forceRelease)
        }
        return Int(released.releasedHolders)
    }
}
