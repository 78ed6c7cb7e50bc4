import DeadboltRedis
import XCTest

final class RedisURLTests: XCTestCase {
    private func url(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> RedisURL {
        do {
            return try RedisURL(text)
        } catch {
            XCTFail("\(text): \(error)", file: file, line: line)
            throw error
        }
    }

    /// The error for `text`; the message must name `mentioning` and never the password.
    private func assertRefused(
        _ text: String,
        _ code: RedisError.Code = .invalidURL,
        mentioning: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try RedisURL(text), text, file: file, line: line) { error in
            guard let error = error as? RedisError else { return XCTFail("not a RedisError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.code, code, text, file: file, line: line)
            XCTAssertTrue(error.message.contains(mentioning), "\(text): \(error.message)", file: file, line: line)
            XCTAssertFalse(error.message.contains("s3cret"), "\(text): the message shows the password", file: file, line: line)
        }
    }

    // MARK: - redis://

    func testHostOnly() throws {
        XCTAssertEqual(try self.url("redis://localhost"), RedisURL(address: .tcp(host: "localhost", port: 6379)))
        XCTAssertEqual(try self.url("redis://localhost/"), RedisURL(address: .tcp(host: "localhost", port: 6379)))
        XCTAssertEqual(try self.url("REDIS://10.0.0.1:6380"), RedisURL(address: .tcp(host: "10.0.0.1", port: 6380)))
    }

    func testCredentialsPortAndDatabase() throws {
        XCTAssertEqual(
            try self.url("redis://deadbolt:s3cret@redis.internal:6380/2"),
            RedisURL(address: .tcp(host: "redis.internal", port: 6380), user: "deadbolt", password: "s3cret", database: 2)
        )
        XCTAssertEqual(
            try self.url("redis://:s3cret@redis.internal"),
            RedisURL(address: .tcp(host: "redis.internal", port: 6379), password: "s3cret")
        )
        XCTAssertEqual(try self.url("redis://:@h"), RedisURL(address: .tcp(host: "h", port: 6379)))
    }

    func testUserAndPasswordArePercentDecoded() throws {
        let url = try self.url("redis://dead%20bolt:p%40ss%3Aw%2Fo%23rd%25@h:1/0")
        XCTAssertEqual(url.user, "dead bolt")
        XCTAssertEqual(url.password, "p@ss:w/o#rd%")
        XCTAssertEqual(url.database, 0)
        XCTAssertEqual(try self.url("redis://u:caf%C3%A9@h").password, "café")
    }

    func testIPv6() throws {
        XCTAssertEqual(try self.url("redis://[::1]:6379/1"), RedisURL(address: .tcp(host: "::1", port: 6379), database: 1))
        XCTAssertEqual(try self.url("redis://[fe80::1]"), RedisURL(address: .tcp(host: "fe80::1", port: 6379)))
    }

    // MARK: - unix://

    func testUnixSocket() throws {
        XCTAssertEqual(try self.url("unix:///run/redis/redis.sock"), RedisURL(address: .unixSocket(path: "/run/redis/redis.sock")))
        XCTAssertEqual(
            try self.url("unix:///tmp/r.sock?db=3&user=deadbolt&password=s%263cret+x"),
            RedisURL(address: .unixSocket(path: "/tmp/r.sock"), user: "deadbolt", password: "s&3cret+x", database: 3)
        )
        XCTAssertEqual(
            try self.url("unix:///tmp/r.sock?password=s3cret"),
            RedisURL(address: .unixSocket(path: "/tmp/r.sock"), password: "s3cret")
        )
        XCTAssertEqual(try self.url("unix:///tmp/my%20redis.sock"), RedisURL(address: .unixSocket(path: "/tmp/my redis.sock")))
        XCTAssertEqual(try self.url("unix:///tmp/r.sock?"), RedisURL(address: .unixSocket(path: "/tmp/r.sock")))
    }

    // MARK: - Refused

    func testTLSIsNotSupportedYet() {
        XCTAssertThrowsError(try RedisURL("rediss://h:6380")) { error in
            XCTAssertEqual((error as? RedisError)?.code, .unsupportedURL)
            XCTAssertEqual((error as? RedisError)?.message, "TLS (rediss://) is not supported yet")
        }
    }

    func testMalformedURLsSayWhatIsWrong() {
        self.assertRefused("localhost:6379", mentioning: "no scheme")
        self.assertRefused("http://localhost", .unsupportedURL, mentioning: "\"http\"")
        self.assertRefused("redis://", mentioning: "host is empty")
        self.assertRefused("redis://:s3cret@", mentioning: "host is empty")
        self.assertRefused("redis://h:0", mentioning: "port \"0\"")
        self.assertRefused("redis://h:65536", mentioning: "port \"65536\"")
        self.assertRefused("redis://h:+80", mentioning: "port \"+80\"")
        self.assertRefused("redis://h:", mentioning: "port \"\"")
        self.assertRefused("redis://h:http", mentioning: "port \"http\"")
        self.assertRefused("redis://h/x", mentioning: "database \"x\"")
        self.assertRefused("redis://h/-1", mentioning: "database \"-1\"")
        self.assertRefused("redis://h/1/2", mentioning: "database \"1/2\"")
        self.assertRefused("redis://h?db=1", mentioning: "query parameters")
        self.assertRefused("redis://h#x", mentioning: "fragment")
        self.assertRefused("redis://deadbolt@h", mentioning: "no password")
        self.assertRefused("redis://u:s3cret%4@h", mentioning: "password has a % not followed by two hex digits")
        self.assertRefused("redis://u%zz:s3cret@h", mentioning: "user has a %")
        self.assertRefused("redis://u:%FF%FE@h", mentioning: "password is not UTF-8")
        self.assertRefused("redis://::1:6379", mentioning: "IPv6 host is written in brackets")
        self.assertRefused("redis://[::1", mentioning: "no closing ]")
        self.assertRefused("redis://[::1]x", mentioning: "after the IPv6 address")
        self.assertRefused("unix://tmp/r.sock", mentioning: "empty host and an absolute socket path")
        self.assertRefused("unix://", mentioning: "empty host and an absolute socket path")
        self.assertRefused("unix:///", mentioning: "socket path is empty")
        self.assertRefused("unix:///r.sock?db=x", mentioning: "database \"x\"")
        self.assertRefused("unix:///r.sock?db=", mentioning: "database \"\"")
        self.assertRefused("unix:///r.sock?database=1", mentioning: "unknown parameter \"database\"")
        self.assertRefused("unix:///r.sock?db=1&db=2", mentioning: "\"db\" is given twice")
        self.assertRefused("unix:///r.sock?db=1&", mentioning: "unknown parameter \"\"")
        self.assertRefused("unix:///r.sock?user=u", mentioning: "no password")
        self.assertRefused("unix:///r.sock?password=s3cret#x", mentioning: "fragment")
    }

    // MARK: - Description

    func testTheDescriptionNeverShowsThePassword() throws {
        XCTAssertEqual(try self.url("redis://deadbolt:s3cret@h:6380/2").description, "redis://deadbolt:***@h:6380/2")
        XCTAssertEqual(try self.url("redis://:s3cret@h").description, "redis://:***@h:6379")
        XCTAssertEqual(try self.url("redis://h").description, "redis://h:6379")
        XCTAssertEqual(try self.url("redis://[::1]").description, "redis://[::1]:6379")
        XCTAssertEqual(
            try self.url("unix:///tmp/r.sock?db=1&user=deadbolt&password=s3cret").description,
            "unix:///tmp/r.sock?db=1&user=deadbolt&password=***"
        )
        XCTAssertEqual(try self.url("unix:///tmp/r.sock").description, "unix:///tmp/r.sock")
    }
}
