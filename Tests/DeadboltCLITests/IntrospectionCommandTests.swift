import DeadboltTestKit
import Foundation
import XCTest

/// `deadbolt status`, `list`, `stats` and `ping`.
final class IntrospectionCommandTests: CLITestCase {
    func testStatusJSONNamesTheHolderAndTheWaiter() throws {
        let holder = try observer()
        let granted = try holder.acquireOK("db/migrate", owner: "job-7", ttlMilliseconds: 60_000)
        let waiter = try observer()
        try waiter.acquireQueued("db/migrate")

        let result = try deadbolt("status", "db/migrate", "--json")
        XCTAssertEqual(result.status, 0, result.errorOutput)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        XCTAssertEqual(json["resource"] as? String, "db/migrate")
        let holders = try XCTUnwrap(json["holders"] as? [[String: Any]])
        XCTAssertEqual(holders.count, 1)
        XCTAssertEqual(holders[0]["pid"] as? Int, Int(getpid()))
        XCTAssertEqual(holders[0]["owner"] as? String, "job-7")
        XCTAssertEqual(holders[0]["mode"] as? String, "exclusive")
        XCTAssertEqual((holders[0]["fencingToken"] as? NSNumber)?.uint64Value, granted.fencingToken)
        XCTAssertNotNil(holders[0]["leaseRemainingMilliseconds"] as? Int)
        let waiters = try XCTUnwrap(json["waiters"] as? [[String: Any]])
        XCTAssertEqual(waiters.count, 1)
        XCTAssertTrue(waiters[0]["waitRemainingMilliseconds"] is NSNull, "an unbounded wait has no deadline")
    }

    func testStatusTableAndListShowEveryLock() throws {
        let holder = try observer()
        try holder.acquireOK("jobs/a")
        try holder.acquireOK("jobs/b", mode: .shared)
        try holder.acquireOK("other")

        let table = try deadbolt("status")
        XCTAssertEqual(table.status, 0)
        XCTAssertEqual(table.stdout.first?.split(separator: " ", omittingEmptySubsequences: true).first, "RESOURCE")
        XCTAssertEqual(table.stdout.count, 4, table.output)
        XCTAssertTrue(table.stdout[1].hasPrefix("jobs/a") && table.stdout[1].contains("holds"), table.output)

        let list = try deadbolt("list", "jobs/", "--json")
        let entries = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
        XCTAssertEqual(entries.map { $0["resource"] as? String }, ["jobs/a", "jobs/b"])
        XCTAssertEqual(entries.map { $0["mode"] as? String }, ["exclusive", "shared"])
        XCTAssertEqual(try deadbolt("status", "free-one").output, "free-one: free")
    }

    func testStatsPrometheusIsValidTextExposition() throws {
        let holder = try observer()
        try holder.acquireOK("held")
        let result = try deadbolt("stats", "--prometheus")
        XCTAssertEqual(result.status, 0, result.errorOutput)
        var typed: [String: String] = [:]
        var samples: [String: UInt64] = [:]
        for line in result.stdout {
            let fields = line.split(separator: " ").map(String.init)
            if line.hasPrefix("# TYPE ") {
                XCTAssertEqual(fields.count, 4, line)
                XCTAssertTrue(["counter", "gauge"].contains(fields[3]), line)
                typed[fields[2]] = fields[3]
            } else if line.hasPrefix("# HELP ") {
                continue
            } else {
                XCTAssertEqual(fields.count, 2, line)
                XCTAssertNotNil(fields[0].range(of: "^[a-zA-Z_:][a-zA-Z0-9_:]*$", options: .regularExpression), line)
                XCTAssertNotNil(typed[fields[0]], "a sample before its # TYPE line: \(line)")
                samples[fields[0]] = UInt64(fields[1])
            }
        }
        XCTAssertEqual(samples["deadbolt_locks_held"], 1)
        XCTAssertEqual(typed["deadbolt_grants_total"], "counter")
        XCTAssertEqual(typed["deadbolt_locks_held"], "gauge")

        let json = try deadbolt("stats", "--json")
        let counters = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        XCTAssertEqual(counters["locks_held"] as? Int, 1)
    }

    func testPingNamesTheDaemonAndAMissingOneExits69() throws {
        let ping = try deadbolt("ping")
        XCTAssertEqual(ping.status, 0)
        XCTAssertTrue(ping.output.hasPrefix("deadboltd "), ping.output)
        let missing = try CommandProcess.run(
            [Self.binary, "ping"], environment: ["DEADBOLT_SOCKET": sandbox.directory + "/none.sock"]
        )
        XCTAssertEqual(missing.status, 69)
        XCTAssertTrue(missing.errorOutput.contains("cannot reach deadboltd at"), missing.errorOutput)
    }
}
