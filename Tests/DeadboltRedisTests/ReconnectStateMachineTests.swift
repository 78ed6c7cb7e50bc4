@testable import DeadboltRedis
import XCTest

/// The reconnect state machine, as transcripts: events in, actions out.
final class ReconnectStateMachineTests: XCTestCase {
    private final class Connection {}

    func testConnectFailRetryConnectLoseReconnect() {
        var machine = ReconnectStateMachine<Connection>()
        XCTAssertNil(machine.connection)
        guard case .connect = machine.start() else { return XCTFail() }
        guard case .none = machine.start() else { return XCTFail("a second start does nothing") }
        guard case .scheduleConnect(afterFailures: 1) = machine.connectFailed() else { return XCTFail() }
        guard case .connect = machine.timerFired() else { return XCTFail() }
        guard case .scheduleConnect(afterFailures: 2) = machine.connectFailed() else { return XCTFail() }
        guard case .connect = machine.timerFired() else { return XCTFail() }
        let first = Connection()
        guard case .publishConnected(let published) = machine.connectSucceeded(first), published === first else { return XCTFail() }
        XCTAssertTrue(machine.connection === first)

        guard case .publishDisconnected(thenScheduleAfterFailures: 1) = machine.connectionClosed(first) else { return XCTFail() }
        XCTAssertNil(machine.connection)
        guard case .none = machine.connectionClosed(first) else { return XCTFail("told twice") }
        guard case .connect = machine.timerFired() else { return XCTFail() }
        guard case .scheduleConnect(afterFailures: 2) = machine.connectFailed() else { return XCTFail() }
        guard case .connect = machine.timerFired() else { return XCTFail() }
        let second = Connection()
        guard case .publishConnected = machine.connectSucceeded(second) else { return XCTFail() }
        guard case .none = machine.connectionClosed(first) else { return XCTFail("an old connection's close is ignored") }
        XCTAssertTrue(machine.connection === second)
    }

    func testCloseClosesTheConnectionAndWhateverOpensLater() {
        var machine = ReconnectStateMachine<Connection>()
        _ = machine.start()
        let connection = Connection()
        _ = machine.connectSucceeded(connection)
        guard case .closeConnection(let closed) = machine.close(), closed === connection else { return XCTFail() }
        XCTAssertTrue(machine.isClosed)
        guard case .none = machine.connectionClosed(connection) else { return XCTFail() }
        guard case .none = machine.timerFired() else { return XCTFail() }
        guard case .none = machine.start() else { return XCTFail() }

        var connecting = ReconnectStateMachine<Connection>()
        _ = connecting.start()
        guard case .none = connecting.close() else { return XCTFail() }
        let late = Connection()
        guard case .closeConnection(let closedLate) = connecting.connectSucceeded(late), closedLate === late else { return XCTFail() }
        guard case .none = connecting.connectFailed() else { return XCTFail() }
    }
}
