import DeadboltProtocol
import Foundation

/// One call per operation, each waiting for its answer. The `…OK` forms
/// throw ``ClientError/unexpected(_:)`` unless the answer is OK, so a test
/// states the interesting answers and lets the rest fail loudly.
extension TestClient {
    /// Acquires and waits for the answer, whatever it is.
    public func acquireAnswer(
        _ resource: String, owner: String = "", mode: LockMode = .exclusive, ttlMilliseconds: UInt32 = 0,
        waitMilliseconds: UInt32 = 0, flags: AcquireFlags = []
    ) throws -> ServerMessage {
        try answer(to: acquire(
            resource, owner: owner, mode: mode, ttlMilliseconds: ttlMilliseconds, waitMilliseconds: waitMilliseconds, flags: flags
        ))
    }

    /// Acquires and expects a grant.
    @discardableResult
    public func acquireOK(
        _ resource: String, owner: String = "", mode: LockMode = .exclusive, ttlMilliseconds: UInt32 = 0,
        waitMilliseconds: UInt32 = 0, flags: AcquireFlags = []
    ) throws -> AcquireResponse {
        try acquireAnswer(
            resource, owner: owner, mode: mode, ttlMilliseconds: ttlMilliseconds, waitMilliseconds: waitMilliseconds, flags: flags
        ).expectGranted()
    }

    /// Sends a waiting acquire and returns its id once the daemon has queued
    /// it: a PING sent after it is answered while the acquire is not (a
    /// connection's requests are handled in order). Throws if the acquire
    /// was answered at once instead.
    @discardableResult
    public func acquireQueued(
        _ resource: String, owner: String = "", mode: LockMode = .exclusive, ttlMilliseconds: UInt32 = 0,
        waitMilliseconds: UInt32 = AcquireRequest.waitForever, flags: AcquireFlags = []
    ) throws -> UInt32 {
        let id = try acquire(
            resource, owner: owner, mode: mode, ttlMilliseconds: ttlMilliseconds, waitMilliseconds: waitMilliseconds, flags: flags
        )
        try ping()
        if let early = unclaimedMessages.first(where: { $0.requestID == id && !$0.isLost }) {
            throw ClientError.unexpected(early)
        }
        return id
    }

    /// Sends `requests` in one write, without waiting; returns their ids.
    @discardableResult
    public func sendPipelined(_ requests: [Request]) throws -> [UInt32] {
        var bytes: [UInt8] = []
        var ids: [UInt32] = []
        for request in requests {
            let id = takeRequestID()
            bytes += framedBytes(request, id: id)
            ids.append(id)
        }
        try sendBytes(bytes)
        return ids
    }

    /// Releases and expects OK; returns the remaining hold count.
    @discardableResult
    public func releaseOK(_ resource: String, owner: String = "") throws -> UInt32 {
        let answer = try release(resource, owner: owner)
        guard case .response(_, .release(let released)) = answer else { throw ClientError.unexpected(answer) }
        return released.remainingHoldCount
    }

    public func renew(_ resource: String, owner: String = "", ttlMilliseconds: UInt32) throws -> ServerMessage {
        try call(.renew(RenewRequest(resource: resource, owner: owner, ttlMilliseconds: ttlMilliseconds)))
    }

    public func query(_ resource: String) throws -> QueryResponse {
        let answer = try call(.query(QueryRequest(resource: resource)))
        guard case .response(_, .query(let query)) = answer else { throw ClientError.unexpected(answer) }
        return query
    }

    public func list(prefix: String = "", limit: UInt32 = 0, cursor: String = "") throws -> ListResponse {
        let answer = try call(.list(ListRequest(prefix: prefix, limit: limit, cursor: cursor)))
        guard case .response(_, .list(let list)) = answer else { throw ClientError.unexpected(answer) }
        return list
    }

    public func stats() throws -> StatsResponse {
        let answer = try call(.stats(StatsRequest()))
        guard case .response(_, .stats(let stats)) = answer else { throw ClientError.unexpected(answer) }
        return stats
    }

    /// Pings and expects the PING answer.
    public func ping() throws {
        let answer = try call(.ping(PingRequest()))
        guard case .response(_, .ping) = answer else { throw ClientError.unexpected(answer) }
    }

    /// Sends CANCEL for `targetRequestID` and returns the CANCEL's id.
    public func cancel(_ targetRequestID: UInt32) throws -> UInt32 {
        try send(.cancel(CancelRequest(targetRequestID: targetRequestID)))
    }

    /// Asks STATS until `condition` holds, and returns those counters.
    /// Each round trip is a real exchange with the daemon, so this waits for
    /// the daemon to have processed something another connection caused
    /// (a close, say), bounded by `timeoutSeconds`.
    @discardableResult
    public func waitForStats(
        timeoutSeconds: Double = 15, _ what: String, until condition: (StatsResponse) -> Bool
    ) throws -> StatsResponse {
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        while true {
            let counters = try stats()
            if condition(counters) { return counters }
            guard Date() < deadline else { throw ClientError.timedOut("\(what); last stats: \(counters.counters)") }
        }
    }
}

extension ServerMessage {
    public var isLost: Bool {
        if case .lost = self { true } else { false }
    }

    /// True for an ERROR frame (type 0xFF).
    public var isErrorFrame: Bool {
        if case .error = self { true } else { false }
    }

    /// The fencing token of an OK acquire answer.
    public var fencingToken: UInt64? {
        granted?.fencingToken
    }

    /// The payload of an OK acquire answer.
    public var granted: AcquireResponse? {
        if case .response(_, .acquire(let granted)) = self { granted } else { nil }
    }

    /// The payload of an OK acquire answer, or a thrown ``ClientError/unexpected(_:)``.
    @discardableResult
    public func expectGranted() throws -> AcquireResponse {
        guard let granted else { throw ClientError.unexpected(self) }
        return granted
    }

    /// For a failure response, the request type it answers.
    public var failedRequestType: MessageType? {
        if case .failure(_, let type, _, _) = self { type } else { nil }
    }
}
