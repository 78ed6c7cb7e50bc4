/// The one error type of the Redis client layer: a ``Code`` saying what happened, and a
/// message.
///
/// An error *reply* is not a `RedisError`: a command that Redis refused was answered, and its
/// answer is ``RESPValue/error(_:)``. Compare codes, never messages: the message is English
/// for logs and may change.
///
/// For a lock service the codes split in two: ``Code/unavailable`` (and
/// ``Code/clientClosed``) say the command was **not** sent, so it certainly did not run;
/// ``Code/connectionClosed`` and ``Code/timeout`` say it was sent and not answered, so it may
/// or may not have run.
public struct RedisError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a value that can be compared (`error.code == .unavailable`).
    ///
    /// A struct rather than an enum, so that codes can be added without breaking code that
    /// switches over them.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidURL, unsupportedURL, connectFailed, authenticationFailed, unavailable
            case connectionClosed, timeout, protocolError, errorReply, clientClosed
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// A Redis URL that cannot be parsed; the message names the part that is wrong.
        public static let invalidURL = Code(.invalidURL)
        /// A well-formed URL this client cannot use: `rediss://` (TLS is not supported yet),
        /// or a scheme other than `redis://` and `unix://`.
        public static let unsupportedURL = Code(.unsupportedURL)
        /// No connection could be opened to the URL's address (nothing listening, a refused or
        /// timed-out connect), or Redis did not complete the connect's handshake (`SELECT`
        /// refused, no answer within the connect timeout).
        public static let connectFailed = Code(.connectFailed)
        /// Redis refused the URL's credentials (`WRONGPASS`), or needs credentials the URL does
        /// not have (`NOAUTH`).
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The command was not sent: there is no open connection (the client is reconnecting,
        /// or this connection already closed). It certainly did not run.
        public static let unavailable = Code(.unavailable)
        /// The connection closed while the command was outstanding: it may or may not have run.
        public static let connectionClosed = Code(.connectionClosed)
        /// No reply came within the command timeout. The connection is closed (a reply could
        /// no longer be matched to its command), so this command, like every other
        /// outstanding one, may or may not have run.
        public static let timeout = Code(.timeout)
        /// Redis sent bytes this client cannot read (``RESPDecodingError``), a reply when no
        /// command was outstanding, or a reply of the wrong kind (`SCRIPT LOAD` answered by an
        /// integer). The connection is closed.
        public static let protocolError = Code(.protocolError)
        /// Redis answered with an error reply a command whose result is not a value, such as
        /// `SUBSCRIBE` (`NOPERM` for a forbidden channel). The message is Redis's.
        public static let errorReply = Code(.errorReply)
        /// The client or subscriber was closed; nothing is sent any more.
        public static let clientClosed = Code(.clientClosed)

        /// The upper-case name: `UNAVAILABLE`, `CONNECTION_CLOSED`, …
        public var description: String {
            switch self.base {
            case .invalidURL: "INVALID_URL"
            case .unsupportedURL: "UNSUPPORTED_URL"
            case .connectFailed: "CONNECT_FAILED"
            case .authenticationFailed: "AUTHENTICATION_FAILED"
            case .unavailable: "UNAVAILABLE"
            case .connectionClosed: "CONNECTION_CLOSED"
            case .timeout: "TIMEOUT"
            case .protocolError: "PROTOCOL_ERROR"
            case .errorReply: "ERROR_REPLY"
            case .clientClosed: "CLIENT_CLOSED"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation. Never contains a password. Not for parsing.
    public var message: String

    /// An error with a code and a message.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The code's name, then the message: `UNAVAILABLE: Redis at unix:///run/redis.sock is
    /// not connected`.
    public var description: String {
        self.message.isEmpty ? self.code.description : "\(self.code): \(self.message)"
    }
}
