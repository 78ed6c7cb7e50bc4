import DeadboltClient
import DeadboltProtocol
import DeadboltTestKit
import Foundation
import XCTest

/// connect: the socket path rules, HELLO and what it keeps, ping, close.
final class ConnectTests: ClientTestCase {
    func testConnectKeepsTheHelloAnswerAndPingIsAnswered() async throws {
        let daemon = try startDaemon(["--max-locks-per-connection", "7", "--max-waiters-per-connection", "5"])
        let client = try await connect(daemon)
        XCTAssertEqual(client.session.protocolVersion, 1)
        XCTAssertNotEqual(client.session.sessionID, 0)
        XCTAssertEqual(client.session.maxLocksPerConnection, 7)
        XCTAssertEqual(client.session.maxWaitersPerConnection, 5)
        XCTAssertEqual(client.session.maxNameBytes, 255)
        XCTAssertEqual(client.session.maxFrameBytes, 65_536)
        XCTAssertTrue(client.session.serverName.contains("deadbolt"), client.session.serverName)
        try await client.ping()

        // The session id is the one the daemon shows for this connection's holds.
        let lease = try await client.acquire("hello-info", wait: .none)
        let observer = try TestClient.connected(to: daemon)
        let holder = try XCTUnwrap(observer.query("hello-info").holders.first)
        XCTAssertEqual(holder.sessionID, client.session.sessionID)
        XCTAssertEqual(holder.fencingToken, lease.token)
        XCTAssertEqual(holder.pid, getpid())
        await client.close()
    }

    func testWithoutAPathItConnectsToDEADBOLT_SOCKET() async throws {
        let daemon = try startDaemon()
        XCTAssertEqual(DefaultPaths.socket(environment: ["DEADBOLT_SOCKET": daemon.socketPath]), daemon.socketPath)
        setenv("DEADBOLT_SOCKET", daemon.socketPath, 1)
        defer { unsetenv("DEADBOLT_SOCKET") }
        let client = try await DeadboltClient.connect()
        defer { Task { await client.close() } }
        try await client.ping()
        let observer = try TestClient.connected(to: daemon)
        XCTAssertEqual(try observer.stats()["sessions"], 2)
    }

    func testNothingListeningIsConnectFailed() async throws {
        await assertThrows(.connectFailed) {
            try await DeadboltClient.connect(socketPath: self.sandbox.directory + "/nobody.sock")
        }
    }

    func testCloseEndsTheSessionAndReleasesItsLocks() async throws {
        let daemon = try startDaemon()
        let client = try await connect(daemon)
        _ = try await client.acquire("dies-with-session", ttl: .seconds(60), wait: .none)
        await client.close()
        await client.close()  // twice is harmless

        let observer = try TestClient.connected(to: daemon)
        try await waitForStats(observer, "the closed session's lock released") { $0["locks_held"] == 0 }
        XCTAssertTrue(try observer.query("dies-with-session").holders.isEmpty)
        await assertThrows(.connectionClosed) { try await client.ping() }
    }
}
