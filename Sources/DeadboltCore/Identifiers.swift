/// A client session, usually one connection. Opaque to the engine; the
/// caller chooses it and must not reuse an id while the engine still knows it.
public struct SessionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    @inlinable
    public init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public static func < (lhs: SessionID, rhs: SessionID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "session#\(rawValue)" }
}

/// The caller's tag for one acquire request, unique within its session
/// while the request is pending (the server uses the wire request id).
/// A grant or timeout delivered later names it.
public struct Ticket: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    @inlinable
    public init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public var description: String { "ticket#\(rawValue)" }
}

/// The credentials of a session's peer process, as the kernel reported them
/// (SO_PEERCRED). Recorded with every hold so that queries can show who holds.
public struct Peer: Hashable, Sendable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}

/// How a lock is held.
public enum LockMode: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// One holder, no one else.
    case exclusive = 0
    /// Many holders at once, no exclusive holder.
    case shared = 1

    public var description: String { self == .exclusive ? "exclusive" : "shared" }
}

/// How long an acquire may wait for a grant.
public enum WaitPolicy: Hashable, Sendable {
    /// Answer at once: granted, or refused with ``AcquireRefusal/notGranted``.
    case noWait
    /// Queue for at most this many milliseconds.
    case milliseconds(UInt32)
    /// Queue until granted, cancelled, or the session closes.
    case forever
}
