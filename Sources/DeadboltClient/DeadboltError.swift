import DeadboltProtocol

/// The one error type of ``DeadboltClient``: a ``Code`` saying what happened, and a message.
///
/// Codes mirror the daemon's wire statuses (docs/PROTOCOL.md, "Statuses"), plus the
/// client-side ``Code/connectionClosed`` and ``Code/connectFailed``. Compare codes, never
/// messages: the message is English for logs and may change.
///
/// Cancellation is not reported with this type: an acquire whose task is cancelled throws
/// `CancellationError`.
public struct DeadboltError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a value that can be compared (`error.code == .notGranted`).
    ///
    /// A struct rather than an enum, so that codes can be added without breaking code that
    /// switches over them. A status this library does not know keeps its number and is
    /// still an error.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case status(UInt16)
            case connectionClosed
            case connectFailed
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The code of a wire status other than OK.
        init(status: WireStatus) {
            self.base = .status(status.rawValue)
        }

        /// A try (`wait: .none`) found the lock held in a conflicting mode, or others queued for it.
        public static let notGranted = Code(status: .notGranted)
        /// The acquire's wait (`wait: .upTo(_:)`) ran out before a grant.
        public static let waitTimeout = Code(status: .waitTimeout)
        /// Release or renew: nobody holds the resource under that owner.
        public static let lockUnexist = Code(status: .lockUnexist)
        /// Release or renew: the resource is held, but not by that owner.
        public static let lockBelongToOthers = Code(status: .lockBelongToOthers)
        /// The owner already holds the resource (without `reentrant`), asked for a shared→exclusive
        /// upgrade, or is already waiting for it. Answered at once: an owner never waits on itself.
        public static let alreadyHeld = Code(status: .alreadyHeld)
        /// A waiting acquire was withdrawn by CANCEL. ``DeadboltClient`` turns this into
        /// `CancellationError` for the task it cancelled.
        public static let cancelled = Code(status: .cancelled)
        /// The daemon is stopping; a waiting acquire gets this instead of a dropped connection.
        public static let shuttingDown = Code(status: .shuttingDown)
        /// An argument the daemon (or the client, before sending) does not accept: an empty
        /// resource, a NUL byte in a name, a negative duration, a TTL above the daemon's
        /// `--max-ttl-ms`, a detached lock without a TTL.
        public static let invalidArgument = Code(status: .invalidArgument)
        /// A resource, owner, prefix or cursor longer than the daemon's `maxNameBytes` (255
        /// bytes), or a request larger than the daemon's `maxFrameBytes`.
        public static let nameTooLong = Code(status: .nameTooLong)
        /// A limit was reached: locks or waiters per connection, connections, resources.
        public static let quotaExceeded = Code(status: .quotaExceeded)
        /// The lock belongs to another uid, or FORCE_RELEASE by a caller that is not an admin.
        public static let permissionDenied = Code(status: .permissionDenied)
        /// The daemon's Redis upstream is unreachable; nothing was granted or changed.
        public static let upstreamUnavailable = Code(status: .upstreamUnavailable)
        /// A malformed message on either side: the daemon could not read a request, or sent
        /// something this client could not read (then the client closes the connection).
        public static let protocolError = Code(status: .protocolError)
        /// The daemon does not speak protocol version 1.
        public static let unsupportedVersion = Code(status: .unsupportedVersion)
        /// A bug in the daemon; the request failed, the daemon goes on.
        public static let `internal` = Code(status: .internal)

        /// The connection to the daemon closed (it stopped, crashed, or ``DeadboltClient/close()``
        /// was called) before the call was answered, or the call was made after the close.
        /// Every session-bound lock of the connection is gone.
        public static let connectionClosed = Code(.connectionClosed)
        /// ``DeadboltClient/connect(socketPath:clientName:eventLoopGroup:)`` could not reach a
        /// daemon at the socket path.
        public static let connectFailed = Code(.connectFailed)

        /// The upper-case name: the wire status's name from docs/PROTOCOL.md (`NOT_GRANTED`,
        /// `STATUS_<n>` for an unknown one), or `CONNECTION_CLOSED`, `CONNECT_FAILED`.
        public var description: String {
            switch self.base {
            case .status(let rawValue): return WireStatus(rawValue: rawValue).name
            case .connectionClosed: return "CONNECTION_CLOSED"
            case .connectFailed: return "CONNECT_FAILED"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation: the daemon's failure message, or the client's. Not for
    /// parsing.
    public var message: String

    init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The error for a failure response or ERROR frame from the daemon.
    init(status: WireStatus, message: String) {
        self.init(code: Code(status: status), message: message)
    }

    /// The code's name, then the message: `NOT_GRANTED: report is held`.
    public var description: String {
        self.message.isEmpty ? self.code.description : "\(self.code): \(self.message)"
    }
}
