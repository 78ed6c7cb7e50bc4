import Foundation

/// Collects what an AsyncSequence yields, on a task of its own, so a test can wait for an
/// element with a timeout. (Cancelling a task that awaits an `AsyncStream` would end the
/// stream; here nothing awaiting the stream is ever cancelled.)
final class Inbox<Element: Sendable>: @unchecked Sendable {
    struct TimedOut: Error, CustomStringConvertible {
        var seconds: Double
        var description: String { "nothing arrived within \(seconds) s" }
    }

    struct Finished: Error {}

    private let condition = NSCondition()
    private var items: [Element] = []
    private var isFinished = false

    init<Sequence: AsyncSequence & Sendable>(_ sequence: Sequence) where Sequence.Element == Element {
        Task {
            do {
                for try await element in sequence {
                    self.condition.withLock {
                        self.items.append(element)
                        self.condition.broadcast()
                    }
                }
            } catch {}
            self.condition.withLock {
                self.isFinished = true
                self.condition.broadcast()
            }
        }
    }

    /// The first element not yet taken that satisfies `predicate`; it and every element
    /// before it are taken. Throws ``TimedOut`` after `timeoutSeconds`, ``Finished`` if the
    /// sequence ends first. Waits on a thread of its own, not on the test's task.
    func next(
        timeoutSeconds: Double = 15,
        where predicate: @escaping @Sendable (Element) -> Bool = { _ in true }
    ) async throws -> Element {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
                self.condition.lock()
                defer { self.condition.unlock() }
                while true {
                    if let index = self.items.firstIndex(where: predicate) {
                        let element = self.items[index]
                        self.items.removeSubrange(...index)
                        return continuation.resume(returning: element)
                    }
                    if self.isFinished {
                        return continuation.resume(throwing: Finished())
                    }
                    if !self.condition.wait(until: deadline) {
                        return continuation.resume(throwing: TimedOut(seconds: timeoutSeconds))
                    }
                }
            }
        }
    }

    /// Every element not yet taken, without waiting.
    var pending: [Element] {
        self.condition.withLock { self.items }
    }
}
