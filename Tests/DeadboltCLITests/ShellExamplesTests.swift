import DeadboltTestKit
import Foundation
import XCTest

/// The README's shell example and examples/shell, run as written.
final class ShellExamplesTests: CLITestCase {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `PATH` with the built `deadbolt` first, as after `make install`.
    override var environment: [String: String] {
        var environment = super.environment
        let binaries = URL(fileURLWithPath: Self.binary).deletingLastPathComponent().path
        environment["PATH"] = binaries + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return environment
    }

    /// The first ```sh block under the README's "### Shell" heading.
    static func readmeShellExample() throws -> String {
        let readme = try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.range(of: "\n### Shell\n"))
        let start = try XCTUnwrap(readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex))
        let end = try XCTUnwrap(readme.range(of: "```\n", range: start.upperBound..<readme.endIndex))
        return String(readme[start.upperBound..<end.lowerBound])
    }

    func testTheReadmeShellExampleRunsAsWritten() throws {
        let script = try Self.readmeShellExample()
        XCTAssertEqual(script.split(separator: "\n").count, 3, script)
        let result = try CommandProcess.run(["sh", "-e", "-c", script], environment: environment)
        XCTAssertEqual(result.status, 0, result.errorOutput)
        XCTAssertEqual(result.stdout.first, "backing up")
        XCTAssertNotNil(UInt64(result.stdout[1]), "lock prints the fencing token: \(result.stdout)")
        XCTAssertTrue(result.stdout.contains { $0.hasPrefix("deploy") && $0.contains("holds") }, result.output)
    }

    func testTheCronBackupRunsItsCommandAndSkipsQuietlyWhileABackupRuns() throws {
        let script = Self.repository.appendingPathComponent("examples/shell/cron-backup.sh").path
        var environment = self.environment
        environment["BACKUP_COMMAND"] = "echo backed up"
        let first = try CommandProcess.run([script], environment: environment)
        XCTAssertEqual(first.status, 0, first.errorOutput)
        XCTAssertEqual(first.stdout.last, "backed up")
        XCTAssertTrue(first.stdout.first?.hasPrefix("backup starting, fencing token ") ?? false, first.output)

        let running = try observer()
        try running.acquireOK("nightly-backup")
        let skipped = try CommandProcess.run([script], environment: environment)
        XCTAssertEqual(skipped.status, 0, "a conflict exits 0 (-E 0): \(skipped.errorOutput)")
        XCTAssertEqual(skipped.stdout, [], "the backup must not run twice")
        XCTAssertTrue(skipped.errorOutput.contains("nightly-backup is held by pid \(getpid())"), skipped.errorOutput)
    }
}
