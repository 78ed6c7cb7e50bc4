/// The `u16` status of a response or ERROR frame.
///
/// A struct rather than an enum so that codes added by later daemons survive decoding; a
/// client must treat any status it does not know as an error. Codes are grouped: `0…15` lock
/// outcomes, `16…31` rejected arguments and limits, `32…47` protocol and daemon faults.
public struct WireStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code on the wire.
    public let rawValue: UInt16

    /// Wraps any code, known or not.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// The request succeeded; the payload is the operation's OK payload.
    public static let ok = WireStatus(rawValue: 0)
    /// An acquire that does not wait (`waitMilliseconds` 0) found the lock held in a
    /// conflicting mode.
    public static let notGranted = WireStatus(rawValue: 1)
    /// An acquire's wait deadline passed before the lock was granted.
    public static let waitTimeout = WireStatus(rawValue: 2)
    /// Release or renew: nobody holds the resource under that owner name.
    public static let lockUnexist = WireStatus(rawValue: 3)
    /// Release or renew: the resource is held, but not by this owner.
    public static let lockBelongToOthers = WireStatus(rawValue: 4)
    /// Acquire by an owner that already holds the resource, without the reentrant flag; or a
    /// shared→exclusive upgrade; or a reentrant acquire of a shared lock. Answered at once: an
    /// owner never waits on itself.
    public static let alreadyHeld = WireStatus(rawValue: 5)
    /// A waiting acquire was removed from its queue by CANCEL.
    public static let cancelled = WireStatus(rawValue: 6)
    /// The daemon is stopping; waiting acquires get this instead of a dropped connection.
    public static let shuttingDown = WireStatus(rawValue: 7)

    /// A field has a value the operation does not accept: an empty resource, an unknown mode
    /// or flag, a detached acquire with TTL 0, invalid UTF-8, request id 0.
    public static let invalidArgument = WireStatus(rawValue: 16)
    /// A resource or owner name is longer than the daemon's `maxNameBytes` (255).
    public static let nameTooLong = WireStatus(rawValue: 17)
    /// A per-connection or daemon-wide limit was reached (locks, waiters, connections).
    public static let quotaExceeded = WireStatus(rawValue: 18)
    /// The lock belongs to another uid, or a non-admin asked for FORCE_RELEASE.
    public static let permissionDenied = WireStatus(rawValue: 19)
    /// The Redis upstream is unreachable; nothing was granted or changed.
    public static let upstreamUnavailable = WireStatus(rawValue: 20)

    /// A malformed body, an unknown message type, a request before HELLO, or a second HELLO.
    public static let protocolError = WireStatus(rawValue: 32)
    /// HELLO asked for a protocol version the daemon cannot speak; the daemon then closes
    /// the connection.
    public static let unsupportedVersion = WireStatus(rawValue: 33)
    /// A bug in the daemon; the request failed but the daemon goes on.
    public static let `internal` = WireStatus(rawValue: 34)

    /// Every status this library knows, in code order.
    public static let allKnown: [WireStatus] = [
        .ok, .notGranted, .waitTimeout, .lockUnexist, .lockBelongToOthers, .alreadyHeld, .cancelled,
        .shuttingDown, .invalidArgument, .nameTooLong, .quotaExceeded, .permissionDenied,
        .upstreamUnavailable, .protocolError, .unsupportedVersion, .internal,
    ]

    /// True for ``ok``.
    public var isOK: Bool {
        self == .ok
    }

    /// True when this library knows the code.
    public var isKnown: Bool {
        self.knownName != nil
    }

    /// The upper-case name from docs/PROTOCOL.md, e.g. `NOT_GRANTED`; `STATUS_<code>` for a
    /// code this library does not know.
    public var name: String {
        self.knownName ?? "STATUS_\(self.rawValue)"
    }

    /// The name and the code, e.g. `NOT_GRANTED (1)`.
    public var description: String {
        "\(self.name) (\(self.rawValue))"
    }

    private var knownName: String? {
        switch self.rawValue {
        case 0: return "OK"
        case 1: return "NOT_GRANTED"
        case 2: return "WAIT_TIMEOUT"
        case 3: return "LOCK_UNEXIST"
        case 4: return "LOCK_BELONG_TO_OTHERS"
        case 5: return "ALREADY_HELD"
        case 6: return "CANCELLED"
        case 7: return "SHUTTING_DOWN"
        case 16: return "INVALID_ARGUMENT"
        case 17: return "NAME_TOO_LONG"
        case 18: return "QUOTA_EXCEEDED"
        case 19: return "PERMISSION_DENIED"
        case 20: return "UPSTREAM_UNAVAILABLE"
        case 32: return "PROTOCOL_ERROR"
        case 33: return "UNSUPPORTED_VERSION"
        case 34: return "INTERNAL"
        default: return nil
        }
    }
}
