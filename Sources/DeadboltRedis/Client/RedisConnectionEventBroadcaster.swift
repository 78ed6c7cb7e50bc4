import NIOConcurrencyHelpers

/// Hands each ``RedisConnectionEvent`` to every stream made by ``makeStream()``, so any
/// number of listeners can follow one client.
final class RedisConnectionEventBroadcaster: Sendable {
    private struct State {
        var nextID = 0
        var listeners: [Int: AsyncStream<RedisConnectionEvent>.Continuation] = [:]
        var isFinished = false
    }

    /// Events kept for a listener that does not read them; the newest are kept.
    private static let bufferedEvents = 64

    private let state = NIOLockedValueBox(State())

    /// A stream of the events from now on; it finishes when the owner is closed.
    func makeStream() -> AsyncStream<RedisConnectionEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: RedisConnectionEvent.self,
            bufferingPolicy: .bufferingNewest(Self.bufferedEvents)
        )
        let id: Int? = self.state.withLockedValue { state in
            guard !state.isFinished else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.listeners[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLockedValue { $0.listeners.removeValue(forKey: id) }
        }
        return stream
    }

    func yield(_ event: RedisConnectionEvent) {
        let listeners = self.state.withLockedValue { Array($0.listeners.values) }
        for listener in listeners {
            listener.yield(event)
        }
    }

    func finish() {
        let listeners = self.state.withLockedValue { state in
            state.isFinished = true
            defer { state.listeners.removeAll() }
            return Array(state.listeners.values)
        }
        for listener in listeners {
            listener.finish()
        }
    }
}
