@testable import deadbolt
import XCTest

/// `deadbolt run`'s fast parser and argument-parser read the same arguments
/// the same way, and the fast one steps aside for anything else.
final class RunOptionsTests: XCTestCase {
    static let agreed: [[String]] = [
        ["job", "--", "true"],
        ["-n", "job", "--", "sh", "-c", "exit 7"],
        ["--nonblock", "-E", "42", "job", "--", "true"],
        ["-w", "0.5", "-s", "job", "--", "true", "-n"],
        ["--wait=10", "--shared", "--conflict-exit-code=3", "job", "--", "x"],
        ["--ttl", "30", "--renew", "--owner", "me", "--on-lost", "ignore", "-o", "job", "--", "x", "--", "y"],
        ["--socket", "/tmp/s.sock", "--close", "job", "--", "x"],
        ["job", "--ttl", "5", "--", "x"],
    ]

    func testTheFastParserAgreesWithArgumentParser() throws {
        for arguments in Self.agreed {
            let fast = try XCTUnwrap(RunOptions.parseFast(arguments[...]), "\(arguments)")
            let parsed = try RunCommand.parse(arguments).options
            XCTAssertEqual(fast, parsed, "\(arguments)")
        }
    }

    func testTheFastParserStepsAsideForWhatItDoesNotKnow() {
        for arguments in [
            ["--help"], ["-ns", "job", "--", "x"], ["--bogus", "job", "--", "x"], ["job"], ["job", "--"],
            ["-w", "soon", "job", "--", "x"], ["a", "b", "--", "x"], ["--on-lost", "maybe", "job", "--", "x"],
        ] {
            XCTAssertNil(RunOptions.parseFast(arguments[...]), "\(arguments)")
        }
    }

    func testProblemsAreUsageErrors() {
        XCTAssertNotNil(RunOptions.parseFast(["-n", "-w", "1", "job", "--", "x"])?.problem)
        XCTAssertNotNil(RunOptions.parseFast(["--renew", "job", "--", "x"])?.problem)
        XCTAssertNotNil(RunOptions.parseFast(["-E", "300", "job", "--", "x"])?.problem)
        XCTAssertNil(RunOptions.parseFast(["job", "--", "x"])?.problem)
    }
}
