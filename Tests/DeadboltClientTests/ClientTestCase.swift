import DeadboltClient
import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// A test against real daemons started in a fresh sandbox (temp socket and state directory),
/// stopped and removed after it. Each test starts its daemon with the flags it needs.
class ClientTestCase: XCTestCase {
    var sandbox: DaemonSandbox!

    override func setUpWithError() throws {
        sandbox = DaemonSandbox()
    }

    override func tearDown() {
        sandbox?.cleanUp()
    }

    /// Starts a daemon in the sandbox; the current primary group is its admin group, so that
    /// FORCE_RELEASE works whoever runs the tests.
    @discardableResult
    func startDaemon(_ arguments: [String] = []) throws -> DaemonProcess {
        try sandbox.startDaemon(arguments: ["--admin-group", Self.currentGroupName] + arguments)
    }

    /// A client connected to `daemon`.
    func connect(_ daemon: DaemonProcess, name: String = "client-test") async throws -> DeadboltClient {
        try await DeadboltClient.connect(socketPath: daemon.socketPath, clientName: name)
    }

    private static var currentGroupName: String {
        guard let group = getgrgid(getgid()) else { return "root" }
        return String(cString: group.pointee.gr_name)
    }
}

/// Hands a value that is not `Sendable` to one other thread at a time, as the blocking
/// ``TestClient`` must be when it polls off the cooperative pool.
struct Handover<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Runs blocking work (``TestClient`` round trips in a loop) on a thread of its own, so the
/// cooperative pool stays free for the client under test.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try work() })
        }
    }
}

/// Polls QUERY until `condition` holds for `resource`, bounded by `timeoutSeconds`; returns
/// that answer. Each poll is a round trip, so this waits for the daemon to have done
/// something another connection caused.
func waitForQuery(
    _ observer: TestClient, _ resource: String, timeoutSeconds: Double = 15, _ what: String,
    until condition: @escaping @Sendable (QueryResponse) -> Bool
) async throws -> QueryResponse {
    let observer = Handover(observer)
    return try await onOwnThread {
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        while true {
            let answer = try observer.value.query(resource)
            if condition(answer) { return answer }
            guard Date() < deadline else { throw ClientError.timedOut("\(what); last QUERY of \(resource): \(answer)") }
        }
    }
}

/// STATS until `condition` holds, off the cooperative pool.
@discardableResult
func waitForStats(
    _ observer: TestClient, _ what: String, until condition: @escaping @Sendable (StatsResponse) -> Bool
) async throws -> StatsResponse {
    let observer = Handover(observer)
    return try await onOwnThread { try observer.value.waitForStats(what, until: condition) }
}

/// The next lost lock of `client`, or `nil` if none arrives within `timeoutSeconds` (a
/// watchdog for a failing test, not a synchronisation: it cancels the wait) or the stream
/// finishes.
func nextLostLock(_ client: DeadboltClient, timeoutSeconds: Double = 15) async -> LostLock? {
    let waiting = Task {
        var events = client.lostLocks.makeAsyncIterator()
        return await events.next()
    }
    let watchdog = DispatchWorkItem { waiting.cancel() }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: watchdog)
    defer { watchdog.cancel() }
    return await waiting.value
}

/// Asserts that `operation` throws a ``DeadboltError`` with `code`.
func assertThrows<T>(
    _ code: DeadboltError.Code,
    _ operation: () async throws -> T,
    file: StaticString = #filePath,
    line: UInt = #line
) async {
    do {
        let value = try await operation()
        XCTFail("expected \(code), got \(value)", file: file, line: line)
    } catch let error as DeadboltError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
    } catch {
        XCTFail("expected DeadboltError \(code), got \(error)", file: file, line: line)
    }
}

/// How `task` ended, or a ``TestFailure`` (and a failed test) if it has not ended within
/// `timeoutSeconds`: a watchdog, so that a call that hangs fails the test instead of hanging
/// it. The watchdog also closes `client`, failing whatever it still has outstanding.
func outcome<T: Sendable>(
    of task: Task<T, any Error>, closingOnTimeout client: DeadboltClient, timeoutSeconds: Double = 15,
    file: StaticString = #filePath, line: UInt = #line
) async -> Result<T, any Error> {
    let once = ResumeOnce<Result<T, any Error>>()
    let timedOut = Flag()
    let result = await withCheckedContinuation { continuation in
        once.arm(continuation)
        Task { once.resume(with: await task.result) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds) {
            timedOut.set()
            once.resume(with: .failure(TestFailure("the task did not end within \(timeoutSeconds) s")))
            Task { await client.close() }
        }
    }
    if timedOut.isSet, case .failure(let error) = result, error is TestFailure {
        XCTFail("\(error)", file: file, line: line)
    }
    return result
}

/// A continuation resumed by whichever of two racers comes first.
final class ResumeOnce<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, Never>?

    func arm(_ continuation: CheckedContinuation<Value, Never>) {
        lock.withLock { self.continuation = continuation }
    }

    func resume(with value: Value) {
        let continuation = lock.withLock {
            defer { self.continuation = nil }
            return self.continuation
        }
        continuation?.resume(returning: value)
    }
}

/// A flag one thread sets and another reads.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// Asserts that `task` ends with `CancellationError` (see ``outcome(of:closingOnTimeout:timeoutSeconds:)``).
func assertCancelled<T>(
    _ task: Task<T, any Error>, client: DeadboltClient, file: StaticString = #filePath, line: UInt = #line
) async {
    switch await outcome(of: task, closingOnTimeout: client, file: file, line: line) {
    case .success(let value):
        XCTFail("expected CancellationError, got \(value)", file: file, line: line)
    case .failure(let error):
        XCTAssertTrue(error is CancellationError, "expected CancellationError, got \(error)", file: file, line: line)
    }
}

/// An `AsyncStream` that never yields: awaiting it ends only when the task is cancelled.
func untilCancelled() async {
    let (stream, continuation) = AsyncStream.makeStream(of: Never.self)
    for await _ in stream {}
    continuation.finish()  // held until here, so only cancellation ends the loop
}

/// A check that failed off the test's own thread, thrown back to it.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
