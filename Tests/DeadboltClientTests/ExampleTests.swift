import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// examples/swift/LockExample, built by `swift build --build-tests` as DeadboltClientExample,
/// runs against a daemon, and is the README's Swift example byte for byte.
final class ExampleTests: ClientTestCase {
    private static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let exampleSource = repository.appendingPathComponent("examples/swift/LockExample/main.swift")

    /// The built example, next to the test bundle (like deadboltd).
    private static var exampleBinary: URL {
        DaemonProcess.executable.deletingLastPathComponent().appendingPathComponent("DeadboltClientExample")
    }

    func testTheReadmeSwiftExampleIsTheExampleSource() throws {
        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.components(separatedBy: "\n")
        let start = try XCTUnwrap(lines.firstIndex(of: "```swift"), "README.md has no ```swift block")
        let end = try XCTUnwrap(lines[(start + 1)...].firstIndex(of: "```"), "README.md's ```swift block is not closed")
        let block = lines[(start + 1)..<end].joined(separator: "\n") + "\n"
        let source = try String(contentsOf: Self.exampleSource, encoding: .utf8)
        XCTAssertEqual(block, source, "README.md's Swift example differs from examples/swift/LockExample/main.swift")
    }

    func testTheExampleTakesTheLockAndPrintsItsToken() throws {
        let daemon = try startDaemon()
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.exampleBinary.path), "build DeadboltClientExample first")
        let process = Process()
        process.executableURL = Self.exampleBinary
        process.environment = ProcessInfo.processInfo.environment.merging(["DEADBOLT_SOCKET": daemon.socketPath]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        XCTAssertEqual(process.terminationStatus, 0, printed)
        let line = try XCTUnwrap(printed.split(separator: "\n").first, "the example printed nothing")
        let prefix = "holding report with fencing token "
        XCTAssertTrue(line.hasPrefix(prefix), printed)
        let token = try XCTUnwrap(UInt64(line.dropFirst(prefix.count)), printed)

        let observer = try TestClient.connected(to: daemon)
        let stats = try observer.stats()
        XCTAssertEqual(stats["grants_total"], 1)
        XCTAssertEqual(stats["releases_total"], 1, "withLock released the lock")
        XCTAssertEqual(stats["fencing_high_water"].map { $0 >= token }, true)
        XCTAssertGreaterThan(try observer.acquireOK("report").fencingToken, token)
    }
}
