/// An error reply from Redis (`-NOSCRIPT No matching script…`): the command was answered,
/// and refused.
///
/// By convention the first word is an upper-case code, the ``prefix``: `ERR` for a generic
/// error, or a specific one such as `NOSCRIPT`, `WRONGTYPE`, `WRONGPASS`, `NOAUTH`. Compare
/// prefixes, never messages.
public struct RedisErrorReply: Hashable, Sendable, CustomStringConvertible {
    /// The whole text Redis sent, prefix included (`NOSCRIPT No matching script. Please use EVAL.`).
    public let message: String

    /// The first word of ``message`` (`NOSCRIPT`); the whole message when it has no space.
    public var prefix: String {
        String(self.message.prefix { $0 != " " })
    }

    /// An error reply with the text `message`.
    public init(message: String) {
        self.message = message
    }

    /// `EVALSHA` named a script that is not in the script cache (never loaded, or flushed).
    public static let noScript = "NOSCRIPT"
    /// `AUTH` with a wrong user or password, or a disabled user.
    public static let wrongPass = "WRONGPASS"
    /// The command needs authentication first (`requirepass` or ACL rules).
    public static let noAuth = "NOAUTH"
    /// The ACL user may not run this command or touch this key or channel.
    public static let noPermission = "NOPERM"
    /// A command against a key holding the wrong kind of value.
    public static let wrongType = "WRONGTYPE"
    /// A generic error: a wrong argument, an unknown command, a failing script.
    public static let generic = "ERR"

    /// The message, as Redis sent it.
    public var description: String {
        self.message
    }
}
