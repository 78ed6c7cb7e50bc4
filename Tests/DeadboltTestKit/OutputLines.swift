import Foundation

/// The lines a child process writes to a pipe, read on a thread of their own
/// for the child's whole life (so the child never blocks on a full pipe), and
/// waited for by content rather than by time.
final class OutputLines: @unchecked Sendable {
    private let condition = NSCondition()
    private var lines: [String] = []
    /// True once the pipe reached EOF: every line the child wrote is in `lines`.
    private var closed = false

    /// Starts reading `handle` until EOF.
    init(reading handle: FileHandle) {
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    append(line)
                }
            }
            if !pending.isEmpty { append(String(decoding: pending, as: UTF8.self)) }
            condition.lock()
            closed = true
            condition.broadcast()
            condition.unlock()
        }
    }

    private func append(_ line: String) {
        condition.lock()
        lines.append(line)
        condition.broadcast()
        condition.unlock()
    }

    /// Every line read so far.
    var all: [String] {
        condition.lock()
        defer { condition.unlock() }
        return lines
    }

    /// The first line at or after `index` that satisfies `predicate`, with its
    /// index; `nil` if the pipe closes or `timeoutSeconds` pass first.
    func waitForLine(from index: Int = 0, timeoutSeconds: Double, where predicate: (String) -> Bool = { _ in true }) -> (index: Int, line: String)? {
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        condition.lock()
        defer { condition.unlock() }
        var next = index
        while true {
            while next < lines.count {
                if predicate(lines[next]) { return (next, lines[next]) }
                next += 1
            }
            if closed { return nil }
            guard condition.wait(until: deadline) else { return nil }
        }
    }

    /// Waits for EOF; false if `timeoutSeconds` pass first.
    func waitForClose(timeoutSeconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        condition.lock()
        defer { condition.unlock() }
        while !closed {
            guard condition.wait(until: deadline) else { return closed }
        }
        return true
    }
}
