import DeadboltRedis
import DeadboltTestKit
import Foundation
import XCTest

/// A real redis-server in a temp directory for one test. Skips the test when redis-server
/// is not installed.
final class RedisSandbox: @unchecked Sendable {
    let directory: String
    let server: RedisServerProcess

    init(arguments: [String] = []) throws {
        try XCTSkipUnless(RedisServerProcess.isInstalled, "redis-server is not installed (apt-get install redis-server)")
        self.directory = DaemonProcess.temporaryDirectory()
        self.server = try RedisServerProcess(directory: self.directory, arguments: arguments)
    }

    /// The server's socket, with optional credentials and database.
    func url(user: String? = nil, password: String? = nil, database: Int = 0) -> RedisURL {
        RedisURL(address: .unixSocket(path: self.server.socketPath), user: user, password: password, database: database)
    }

    func cleanUp() {
        self.server.stop()
        try? FileManager.default.removeItem(atPath: self.directory)
    }
}

/// Fast reconnection for tests: 10 ms doubling to 200 ms.
let testConfiguration: RedisClient.Configuration = {
    var configuration = RedisClient.Configuration()
    configuration.backoff = RedisReconnectBackoff(initialDelayMilliseconds: 10, maxDelayMilliseconds: 200)
    return configuration
}()

/// The `RedisError` that `body` throws; fails the test if it throws something else or
/// nothing.
func redisError(
    file: StaticString = #filePath,
    line: UInt = #line,
    _ body: () async throws -> some Any
) async -> RedisError? {
    do {
        _ = try await body()
        XCTFail("expected a RedisError", file: file, line: line)
    } catch let error as RedisError {
        return error
    } catch {
        XCTFail("expected a RedisError, got \(error)", file: file, line: line)
    }
    return nil
}

/// `XCTAssertEqual` for an expression that awaits (XCTest's autoclosures cannot).
func assertEqual<Value: Equatable>(
    _ actual: @autoclosure () async throws -> Value,
    _ expected: @autoclosure () -> Value,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath,
    line: UInt = #line
) async {
    do {
        let value = try await actual()
        XCTAssertEqual(value, expected(), message(), file: file, line: line)
    } catch {
        XCTFail("threw \(error) \(message())", file: file, line: line)
    }
}
