import NIOCore

extension RedisClient {
    /// Runs `script` with `EVALSHA sha numkeys keys… arguments…` and returns its reply, an
    /// error reply included (a failing script is `-ERR …`, not a thrown error).
    ///
    /// The SHA-1 is the one `SCRIPT LOAD` returned, loaded on first use. When Redis answers
    /// `NOSCRIPT` (its script cache was flushed, or it restarted) the script is loaded again
    /// and run once more: `NOSCRIPT` means it did not run, so the retry cannot run it twice.
    /// A script Redis cannot compile is returned as `SCRIPT LOAD`'s error reply.
    ///
    /// Throws ``RedisError`` as ``send(_:)-(RedisCommand)`` does.
    public func evalScript(
        _ script: RedisScript,
        keys: [any RedisArgumentConvertible] = [],
        arguments: [any RedisArgumentConvertible] = []
    ) async throws -> RESPValue {
        let known = self.scriptHashes.withLockedValue { $0[script.source] }
        var hash: String
        if let known {
            hash = known
        } else {
            switch try await self.load(script) {
            case .loaded(let loaded): hash = loaded
            case .refused(let reply): return reply
            }
        }
        let reply = try await self.send(Self.evalSHA(hash, keys: keys, arguments: arguments))
        guard reply.errorReply?.prefix == RedisErrorReply.noScript else { return reply }
        switch try await self.load(script) {
        case .loaded(let loaded): hash = loaded
        case .refused(let reply): return reply
        }
        return try await self.send(Self.evalSHA(hash, keys: keys, arguments: arguments))
    }

    private enum LoadResult {
        case loaded(String)
        /// `SCRIPT LOAD`'s error reply: the script does not compile, or may not be loaded.
        case refused(RESPValue)
    }

    private func load(_ script: RedisScript) async throws -> LoadResult {
        let reply = try await self.send(["SCRIPT", "LOAD", script.source])
        if reply.errorReply != nil {
            return .refused(reply)
        }
        guard let hash = reply.string, !hash.isEmpty else {
            throw RedisError(code: .protocolError, message: "Redis at \(self.url) answered SCRIPT LOAD with \(reply), not a SHA-1")
        }
        self.scriptHashes.withLockedValue { $0[script.source] = hash }
        return .loaded(hash)
    }

    private static func evalSHA(
        _ hash: String,
        keys: [any RedisArgumentConvertible],
        arguments: [any RedisArgumentConvertible]
    ) -> RedisCommand {
        var words: [any RedisArgumentConvertible] = ["EVALSHA", hash, keys.count]
        words.append(contentsOf: keys)
        words.append(contentsOf: arguments)
        return RedisCommand(words)
    }
}
