/// Where Redis is and how to log in: `redis://[user:password@]host[:port][/db]` or
/// `unix:///path/redis.sock[?db=N][&user=U][&password=P]`.
///
/// ``description`` never shows the password (it prints `***`), so a URL can be logged.
public struct RedisURL: Hashable, Sendable, CustomStringConvertible {
    /// Where to connect.
    public enum Address: Hashable, Sendable {
        /// A TCP host (a name, or an IPv4 or IPv6 address without brackets) and port.
        case tcp(host: String, port: Int)
        /// A Unix domain socket's absolute path.
        case unixSocket(path: String)
    }

    /// The port when a `redis://` URL names none.
    public static let defaultPort = 6379

    /// Where to connect.
    public var address: Address
    /// The ACL user to log in as; `nil` for the `default` user (`AUTH password`).
    public var user: String?
    /// The password; `nil` to send no `AUTH`.
    public var password: String?
    /// The database to `SELECT` after connecting; 0 (Redis's default) sends no `SELECT`.
    public var database: Int

    /// A URL from its parts. A `user` without a `password` is not allowed (`AUTH` needs one).
    public init(address: Address, user: String? = nil, password: String? = nil, database: Int = 0) {
        precondition(database >= 0, "a Redis database number is not negative")
        precondition(user == nil || password != nil, "a Redis user needs a password")
        self.address = address
        self.user = user
        self.password = password
        self.database = database
    }

    /// Parses `string`. Throws ``RedisError`` with ``RedisError/Code/invalidURL`` for a
    /// malformed URL (the message names the part that is wrong, never the password), and
    /// ``RedisError/Code/unsupportedURL`` for `rediss://` and other schemes.
    ///
    /// - `redis://`: the user and password are percent-decoded (`%40` for `@`); an empty
    ///   user means the `default` user; the port defaults to 6379; the path is empty, `/`, or
    ///   `/N` for database N. Query strings and fragments are refused.
    /// - `unix://`: an empty host, then the socket's absolute path (percent-decoded); the
    ///   parameters `db`, `user` and `password`, each at most once, percent-decoded (`+` is a
    ///   plus sign, not a space).
    public init(_ string: String) throws(RedisError) {
        self = try RedisURLParser.parse(string)
    }

    /// The URL with `***` in place of the password, for logs.
    public var description: String {
        switch self.address {
        case .tcp(let host, let port):
            var text = "redis://"
            if self.user != nil || self.password != nil {
                text += (self.user ?? "") + (self.password == nil ? "" : ":***") + "@"
            }
            text += host.contains(":") ? "[\(host)]" : host
            text += ":\(port)"
            if self.database != 0 { text += "/\(self.database)" }
            return text
        case .unixSocket(let path):
            var parameters: [String] = []
            if self.database != 0 { parameters.append("db=\(self.database)") }
            if let user = self.user { parameters.append("user=\(user)") }
            if self.password != nil { parameters.append("password=***") }
            return "unix://" + path + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
        }
    }
}
