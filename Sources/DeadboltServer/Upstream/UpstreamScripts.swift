/// The Lua scripts the upstream backend runs in Redis: each is atomic there,
/// so two brokers never both take a lock. Keys of one resource share a hash
/// tag (`<prefix>{<resource>}`), so a later Redis Cluster mode keeps them on
/// one node:
///
/// | key | what it holds |
/// |---|---|
/// | `<prefix>{<resource>}` | the exclusive holder, `<broker id>/<token>`, with the lease as its PX |
/// | `<prefix>{<resource>}:readers` | shared holders: a sorted set of `<broker id>/<token>` scored by lease end (Redis time, ms) |
/// | `<prefix>{<resource>}:fence` | the fencing counter: INCRed per grant, never expires |
/// | `<prefix>{<resource>}:released` | the pub/sub channel a release publishes on |
///
/// Lease ends are Redis's own clock (`TIME`), never a broker's.
enum UpstreamScripts {
    /// KEYS: lock, readers, fence. ARGV: mode (`X` or `S`), broker id, lease (ms).
    /// Returns `{1, token}` when taken, `{0, ms}` when held: the time left on
    /// the holder that ends last, after which to try again.
    static let acquire = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
        local px = tonumber(ARGV[3])
        local left = redis.call('PTTL', KEYS[1])
        if left > 0 then return {0, left} end
        if left == -1 then return {0, 1000} end
        if ARGV[1] == 'X' then
          local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
          if #last > 0 then return {0, math.max(tonumber(last[2]) - now, 1)} end
        end
        local token = redis.call('INCR', KEYS[3])
        local holder = ARGV[2] .. '/' .. token
        if ARGV[1] == 'X' then
          redis.call('SET', KEYS[1], holder, 'PX', px)
        else
          redis.call('ZADD', KEYS[2], now + px, holder)
          if redis.call('PTTL', KEYS[2]) < px then redis.call('PEXPIRE', KEYS[2], px) end
        end
        return {1, token}
        """

    /// KEYS: lock, readers. ARGV: holder (`<broker id>/<token>`), channel.
    /// Removes the hold only if it is this holder's (compare and delete), and
    /// publishes on the channel so waiting brokers try at once. Returns 1 if
    /// it was released, 0 if it was not held by this holder.
    static let release = """
        local released = 0
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('DEL', KEYS[1])
          released = 1
        elseif redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
          released = 1
        end
        if released == 1 then redis.call('PUBLISH', ARGV[2], ARGV[1]) end
        return released
        """

    /// KEYS: lock, readers. Every current holder, as flat triples: mode
    /// (`X` or `S`), holder (`<broker id>/<token>`), lease left (ms). Reads only.
    static let holders = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local out = {}
        local holder = redis.call('GET', KEYS[1])
        if holder then
          table.insert(out, 'X')
          table.insert(out, holder)
          table.insert(out, redis.call('PTTL', KEYS[1]))
        end
        local readers = redis.call('ZRANGEBYSCORE', KEYS[2], now, '+inf', 'WITHSCORES')
        for i = 1, #readers, 2 do
          table.insert(out, 'S')
          table.insert(out, readers[i])
          table.insert(out, math.floor(tonumber(readers[i + 1]) - now))
        end
        return out
        """

    /// KEYS: lock, readers. ARGV: holder, lease (ms). Sets the lease of this
    /// holder's hold to end that long from now, only if it still holds it.
    /// Returns 1 if renewed, 0 if the hold is gone.
    static let renew = """
        local px = tonumber(ARGV[2])
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], px)
          return 1
        end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
        if score and tonumber(score) > now then
          redis.call('ZADD', KEYS[2], 'XX', now + px, ARGV[1])
          if redis.call('PTTL', KEYS[2]) < px then redis.call('PEXPIRE', KEYS[2], px) end
          return 1
        end
        return 0
        """
}
