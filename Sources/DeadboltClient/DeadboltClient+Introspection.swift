import DeadboltProtocol

extension DeadboltClient {
    /// The holders and waiters of one resource.
    ///
    /// A resource nobody holds or waits for is not an error: both lists are empty. For a
    /// crowded resource the daemon sends as many entries as fit in one frame, holders first.
    public func query(_ resource: String) async throws -> QueryResponse {
        try WireArguments.checkStr16(resource, field: "resource")
        let answer = try await self.call(.query(QueryRequest(resource: resource)))
        guard case .query(let query) = answer else {
            throw DeadboltError.unexpected(answer, to: .query)
        }
        return query
    }

    /// One page of the resources that have a holder or a waiter, in byte order of their names.
    ///
    /// - Parameters:
    ///   - prefix: only names starting with these bytes; empty (the default) lists all.
    ///   - limit: the most entries wanted; 0 (the default) lets the daemon choose. The daemon
    ///     may return fewer. Negative is ``DeadboltError/Code/invalidArgument``.
    ///   - cursor: empty to start; otherwise the previous page's
    ///     ``ListResponse/nextCursor``.
    /// - Returns: the page; its `nextCursor` is empty when it is the last.
    public func list(prefix: String = "", limit: Int = 0, cursor: String = "") async throws -> ListResponse {
        try WireArguments.checkStr16(prefix, field: "prefix")
        try WireArguments.checkStr16(cursor, field: "cursor")
        guard limit >= 0 else {
            throw DeadboltError(code: .invalidArgument, message: "list limit is negative: \(limit)")
        }
        let request = ListRequest(prefix: prefix, limit: UInt32(clamping: limit), cursor: cursor)
        let answer = try await self.call(.list(request))
        guard case .list(let list) = answer else {
            throw DeadboltError.unexpected(answer, to: .list)
        }
        return list
    }

    /// The daemon's counters by name (`locks_held`, `waiters`, `grants_total`, ...; the list
    /// is in docs/PROTOCOL.md). Later daemons may add names: look values up by name.
    public func stats() async throws -> [String: UInt64] {
        let answer = try await self.call(.stats(StatsRequest()))
        guard case .stats(let stats) = answer else {
            throw DeadboltError.unexpected(answer, to: .stats)
        }
        return Dictionary(stats.counters.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// A round trip to the daemon, answered at once even while acquires of this connection
    /// wait.
    public func ping() async throws {
        let answer = try await self.call(.ping(PingRequest()))
        guard case .ping = answer else {
            throw DeadboltError.unexpected(answer, to: .ping)
        }
    }
}
