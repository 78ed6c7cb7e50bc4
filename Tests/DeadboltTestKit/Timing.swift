import Foundation

/// Measures elapsed time on the monotonic clock, to check that a deadline
/// was not honoured early.
public struct Stopwatch: Sendable {
    private let start = DispatchTime.now()

    public init() {}

    public var elapsedMilliseconds: Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000
    }
}

/// Work on a thread of its own, whose result the test waits for.
public final class BackgroundTask<Result: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result?

    public init(_ body: @escaping @Sendable () -> Result) {
        Thread.detachNewThread { [self] in
            let value = body()
            condition.lock()
            result = value
            condition.broadcast()
            condition.unlock()
        }
    }

    /// True once the work has finished.
    public var isDone: Bool {
        condition.lock()
        defer { condition.unlock() }
        return result != nil
    }

    /// The result; `nil` if `timeoutSeconds` pass first.
    public func wait(timeoutSeconds: Double = 60) -> Result? {
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        condition.lock()
        defer { condition.unlock() }
        while result == nil {
            guard condition.wait(until: deadline) else { break }
        }
        return result
    }
}
