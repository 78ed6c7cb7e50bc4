import NIOCore

extension RedisConnection {
    /// `AUTH` (when the URL has a password), `SELECT` (when its database is not 0), then
    /// `PING`, all pipelined; then their replies are checked in order. `PING` makes sure Redis
    /// answers at all, and catches `NOAUTH` when the URL has no password.
    func handshake() -> EventLoopFuture<Void> {
        let peer = self.url.description
        let eventLoop = self.eventLoop
        let user = self.url.user
        let database = self.url.database
        var auth: EventLoopFuture<RESPValue>?
        if let password = self.url.password {
            let command = user.map { RedisCommand(["AUTH", $0, password]) } ?? RedisCommand(["AUTH", password])
            auth = self.send(command)
        }
        let select: EventLoopFuture<RESPValue>? = database == 0 ? nil : self.send(["SELECT", database])
        let ping: EventLoopFuture<RESPValue> = self.send(["PING"])
        let ok = eventLoop.makeSucceededFuture(RESPValue.simpleString("OK"))

        return (auth ?? ok).flatMapThrowing { reply in
            if let error = reply.errorReply {
                let who = user.map { "user \"\($0)\"" } ?? "the default user"
                throw RedisError(code: .authenticationFailed, message: "Redis at \(peer) refused the password of \(who): \(error)")
            }
        }.flatMap {
            select ?? ok
        }.flatMapThrowing { reply in
            if let error = reply.errorReply {
                try Self.throwIfNoAuth(error, peer: peer)
                throw RedisError(code: .connectFailed, message: "Redis at \(peer) refused SELECT \(database): \(error)")
            }
        }.flatMap {
            ping
        }.flatMapThrowing { reply in
            if let error = reply.errorReply {
                try Self.throwIfNoAuth(error, peer: peer)
                throw RedisError(code: .connectFailed, message: "Redis at \(peer) refused PING: \(error)")
            }
        }.flatMapErrorThrowing { error in
            guard let redisError = error as? RedisError else {
                throw RedisError(code: .connectFailed, message: "the handshake with Redis at \(peer) failed: \(error)")
            }
            switch redisError.code {
            case .authenticationFailed, .connectFailed: throw redisError
            default: throw RedisError(code: .connectFailed, message: "the handshake with Redis at \(peer) failed: \(redisError)")
            }
        }
    }

    private static func throwIfNoAuth(_ error: RedisErrorReply, peer: String) throws {
        if error.prefix == RedisErrorReply.noAuth {
            throw RedisError(code: .authenticationFailed, message: "Redis at \(peer) needs credentials the URL does not have: \(error)")
        }
    }
}
