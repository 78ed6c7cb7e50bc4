import DeadboltRedis
import XCTest

/// The backoff's arithmetic.
final class RedisReconnectBackoffTests: XCTestCase {
    func testBackoffDoublesToItsCap() {
        let backoff = RedisReconnectBackoff()
        let delays = (1...9).map { backoff.delayMilliseconds(afterFailures: $0, randomUnit: 0) }
        XCTAssertEqual(delays, [50, 100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000])
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 10_000, randomUnit: 0), 2_000)
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 0, randomUnit: 0), 50)
    }

    func testJitterOnlyShortensAndByAtMostItsFraction() {
        let backoff = RedisReconnectBackoff(initialDelayMilliseconds: 1_000, maxDelayMilliseconds: 1_000, jitterFraction: 0.2)
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 1, randomUnit: 0), 1_000)
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 1, randomUnit: 0.5), 900)
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 1, randomUnit: 0.999_999), 801)
        let none = RedisReconnectBackoff(initialDelayMilliseconds: 10, maxDelayMilliseconds: 80, jitterFraction: 0)
        XCTAssertEqual(none.delayMilliseconds(afterFailures: 3, randomUnit: 0.7), 40)
    }

    func testBackoffDoesNotOverflow() {
        let backoff = RedisReconnectBackoff(initialDelayMilliseconds: .max / 2, maxDelayMilliseconds: .max, jitterFraction: 0)
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 64, randomUnit: 0), .max)
    }
}
