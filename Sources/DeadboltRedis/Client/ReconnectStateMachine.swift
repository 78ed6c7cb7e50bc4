/// The life of a connection that is reopened whenever it is lost: a pure state machine that
/// takes events and returns the one action to perform. ``ReconnectingConnection`` runs it.
///
/// ```
/// idle ──start──▶ connecting ──succeeded──▶ connected ──closed──▶ waiting(1)
///                  ▲      │                                           │
///                  │      └──failed──▶ waiting(n + 1) ◀───────────────┘
///                  └──────────timer fired─────┘
/// any ──close──▶ closed (a connection that opens after that is closed at once)
/// ```
///
/// Invariant: `failures` counts the consecutive attempts that failed since the last
/// connection, a lost connection counting as one; it picks the backoff before the next
/// attempt.
struct ReconnectStateMachine<Connection: AnyObject> {
    enum State {
        case idle
        /// An attempt is under way, after `failures` failures.
        case connecting(failures: Int)
        case connected(Connection)
        /// The next attempt is scheduled, after `failures` failures.
        case waiting(failures: Int)
        case closed
    }

    enum Action {
        case none
        /// Open a connection now.
        case connect
        /// Schedule an attempt after the backoff for `failures` failures.
        case scheduleConnect(afterFailures: Int)
        /// The connection is up: tell the owner, and watch for its close.
        case publishConnected(Connection)
        /// The connection was lost: tell the owner, and schedule an attempt after the backoff
        /// for `failures` failures.
        case publishDisconnected(thenScheduleAfterFailures: Int)
        /// Close this connection (the machine was closed, or is closing).
        case closeConnection(Connection)
    }

    private(set) var state = State.idle

    /// The open connection, if any.
    var connection: Connection? {
        if case .connected(let connection) = self.state { connection } else { nil }
    }

    var isClosed: Bool {
        if case .closed = self.state { true } else { false }
    }

    mutating func start() -> Action {
        guard case .idle = self.state else { return .none }
        self.state = .connecting(failures: 0)
        return .connect
    }

    mutating func connectSucceeded(_ connection: Connection) -> Action {
        guard case .connecting = self.state else {
            // Closed while the attempt was under way.
            return .closeConnection(connection)
        }
        self.state = .connected(connection)
        return .publishConnected(connection)
    }

    mutating func connectFailed() -> Action {
        guard case .connecting(let failures) = self.state else { return .none }
        self.state = .waiting(failures: failures + 1)
        return .scheduleConnect(afterFailures: failures + 1)
    }

    /// `connection` closed. Only the current connection matters: an old one's late news is
    /// ignored.
    mutating func connectionClosed(_ connection: Connection) -> Action {
        guard case .connected(let current) = self.state, current === connection else { return .none }
        self.state = .waiting(failures: 1)
        return .publishDisconnected(thenScheduleAfterFailures: 1)
    }

    mutating func timerFired() -> Action {
        guard case .waiting(let failures) = self.state else { return .none }
        self.state = .connecting(failures: failures)
        return .connect
    }

    mutating func close() -> Action {
        let previous = self.state
        self.state = .closed
        if case .connected(let connection) = previous {
            return .closeConnection(connection)
        }
        return .none
    }
}
