import DeadboltProtocol
import NIOCore

extension DeadboltClient {
    /// Takes a lock, trying once or waiting in the resource's queue.
    ///
    /// - Parameters:
    ///   - resource: the lock's name: 1…255 bytes of UTF-8 without NUL, compared byte for byte.
    ///   - mode: ``LockMode/exclusive`` (one holder) or ``LockMode/shared`` (many readers; a
    ///     queued writer blocks later readers).
    ///   - ttl: the lease, counted from the grant and rounded up to whole milliseconds; when
    ///     it runs out the lock is released and a ``LostLock`` arrives in ``lostLocks``.
    ///     `nil` (the default): no lease, the lock is held until released or until the
    ///     connection ends. At most the daemon's `--max-ttl-ms` (one day by default).
    ///   - wait: ``Wait/forever`` (the default), ``Wait/none`` to try once, or
    ///     ``Wait/upTo(_:)``.
    ///   - owner: the name the lock is held under. `nil` (the default): this connection, which
    ///     alone can release or renew it. A named owner can be released or renewed by any
    ///     connection of the same uid that presents the name.
    ///   - detached: the lock outlives this connection until released or until its lease ends;
    ///     requires a `ttl`.
    ///   - reentrant: an owner that holds the lock exclusively may take it again; the same
    ///     token comes back, and each hold needs a release.
    /// - Returns: the grant, with its fencing token.
    /// - Throws: ``DeadboltError`` (``DeadboltError/Code/notGranted``,
    ///   ``DeadboltError/Code/waitTimeout``, ``DeadboltError/Code/alreadyHeld``, ...), or
    ///   `CancellationError` when the task is cancelled before the acquire is sent, while it
    ///   waits (it is then withdrawn from the daemon's queue with CANCEL), or as its grant
    ///   arrives. A grant that crossed the CANCEL on the wire is released again before this
    ///   throws, so an acquire in a cancelled task never returns a lock nor leaves one behind.
    public func acquire(
        _ resource: String,
        mode: LockMode = .exclusive,
        ttl: Duration? = nil,
        wait: Wait = .forever,
        owner: String? = nil,
        detached: Bool = false,
        reentrant: Bool = false
    ) async throws -> Lease {
        try WireArguments.checkStr16(resource, field: "resource")
        var flags: AcquireFlags = []
        if detached { flags.insert(.detached) }
        if reentrant { flags.insert(.reentrant) }
        let request = AcquireRequest(
            resource: resource,
            owner: try WireArguments.owner(owner),
            mode: mode,
            flags: flags,
            ttlMilliseconds: try WireArguments.ttlMilliseconds(ttl),
            waitMilliseconds: try wait.wireMilliseconds()
        )
        let granted = try await self.sendCancellably(request)
        return Lease(
            resource: resource,
            owner: owner.flatMap { $0.isEmpty ? nil : $0 },
            mode: mode,
            token: granted.fencingToken,
            holdCount: Int(granted.holdCount),
            ttl: WireArguments.ttl(milliseconds: granted.ttlMilliseconds)
        )
    }

    /// Sends the ACQUIRE and waits for its answer, withdrawing it with CANCEL if the task is
    /// cancelled meanwhile.
    private func sendCancellably(_ request: AcquireRequest) async throws -> AcquireResponse {
        let cancellation = AcquireCancellation()
        let channel = self.channel
        let answer: Response
        do {
            answer = try await withTaskCancellationHandler {
                guard cancellation.beginWriting() else { throw CancellationError() }
                return try await self.call(.acquire(request), cancellation: cancellation)
            } onCancel: {
                if let requestID = cancellation.cancel() {
                    channel.writeAndFlush(ClientCommand.cancel(targetRequestID: requestID, cancellation: cancellation), promise: nil)
                }
            }
        } catch let error as DeadboltError where error.code == .cancelled && Task.isCancelled {
            throw CancellationError()
        }
        guard case .acquire(let granted) = answer else {
            throw DeadboltError.unexpected(answer, to: .acquire)
        }
        if Task.isCancelled {
            // The grant crossed the CANCEL (or the task was cancelled just after it): the
            // caller will never see this lock, so give it back. RELEASE is not cancellable.
            _ = try? await self.call(.release(ReleaseRequest(resource: request.resource, owner: request.owner)))
            throw CancellationError()
        }
        return granted
    }
}
