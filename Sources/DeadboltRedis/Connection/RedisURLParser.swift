/// Parses the text of a ``RedisURL``. Messages name the part that is wrong and never echo the
/// user information, which may hold a password.
enum RedisURLParser {
    static func parse(_ string: String) throws(RedisError) -> RedisURL {
        guard let separator = string.firstRange(of: "://") else {
            throw invalid("no scheme: a Redis URL starts with redis:// or unix://")
        }
        let scheme = string[..<separator.lowerBound].lowercased()
        let rest = string[separator.upperBound...]
        switch scheme {
        case "redis":
            return try Self.parseTCP(rest)
        case "unix":
            return try Self.parseUnix(rest)
        case "rediss":
            throw RedisError(code: .unsupportedURL, message: "TLS (rediss://) is not supported yet")
        default:
            throw RedisError(code: .unsupportedURL, message: "the scheme \"\(scheme)\" is not supported: use redis:// or unix://")
        }
    }

    private static func invalid(_ message: String) -> RedisError {
        RedisError(code: .invalidURL, message: "invalid Redis URL: \(message)")
    }

    // MARK: - redis://

    private static func parseTCP(_ rest: Substring) throws(RedisError) -> RedisURL {
        if rest.contains("#") {
            throw invalid("a fragment (#…) is not allowed; a # in a password is written %23")
        }
        if rest.contains("?") {
            throw invalid("query parameters (?…) are not supported in redis:// URLs; a ? in a password is written %3F")
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...]

        var user: String?
        var password: String?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            (user, password) = try Self.parseUserInfo(authority[..<at])
            hostPort = authority[authority.index(after: at)...]
        }
        let (host, port) = try Self.parseHostPort(hostPort)
        let database = try Self.parseDatabase(path.dropFirst(), isEmptyAllowed: true)
        return RedisURL(address: .tcp(host: host, port: port), user: user, password: password, database: database)
    }

    private static func parseUserInfo(_ userInfo: Substring) throws(RedisError) -> (String?, String?) {
        guard let colon = userInfo.firstIndex(of: ":") else {
            throw invalid("the user has no password: write redis://user:password@host, or redis://:password@host for the default user")
        }
        let user = try Self.percentDecoded(userInfo[..<colon], part: "user")
        let password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], part: "password")
        if user.isEmpty {
            return (nil, password.isEmpty ? nil : password)
        }
        return (user, password)
    }

    private static func parseHostPort(_ text: Substring) throws(RedisError) -> (String, Int) {
        let host: Substring
        var portText: Substring?
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { throw invalid("the IPv6 address has no closing ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw invalid("unexpected text after the IPv6 address: expected :port") }
                portText = after.dropFirst()
            }
        } else if text.firstIndex(of: ":") != text.lastIndex(of: ":") {
            throw invalid("an IPv6 host is written in brackets: redis://[::1]:6379")
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty else { throw invalid("the host is empty") }
        var port = RedisURL.defaultPort
        if let portText {
            guard portText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let number = Int(portText), (1...65_535).contains(number)
            else {
                throw invalid("the port \"\(portText)\" is not a number from 1 to 65535")
            }
            port = number
        }
        return (String(host), port)
    }

    private static func parseDatabase(_ text: Substring, isEmptyAllowed: Bool) throws(RedisError) -> Int {
        if text.isEmpty, isEmptyAllowed { return 0 }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let database = Int(text), database <= Int(Int32.max)
        else {
            throw invalid("the database \"\(text)\" is not a number from 0 to \(Int32.max)")
        }
        return database
    }

    // MARK: - unix://

    private static func parseUnix(_ rest: Substring) throws(RedisError) -> RedisURL {
        if rest.contains("#") {
            throw invalid("a fragment (#…) is not allowed; a # in a password is written %23")
        }
        guard rest.first == "/" else {
            throw invalid("a unix:// URL has an empty host and an absolute socket path: unix:///path/redis.sock")
        }
        let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
        let path = try Self.percentDecoded(rest[..<queryStart], part: "socket path")
        guard path != "/" else { throw invalid("the socket path is empty") }

        var database = 0
        var user: String?
        var password: String?
        var seen: Set<String> = []
        let query = rest[queryStart...].dropFirst()
        let parameters = query.isEmpty ? [] : query.split(separator: "&", omittingEmptySubsequences: false)
        for parameter in parameters {
            let equals = parameter.firstIndex(of: "=") ?? parameter.endIndex
            let name = String(parameter[..<equals])
            let value = parameter[equals...].dropFirst()
            guard seen.insert(name).inserted else { throw invalid("the parameter \"\(name)\" is given twice") }
            switch name {
            case "db":
                database = try Self.parseDatabase(value, isEmptyAllowed: false)
            case "user":
                user = try Self.percentDecoded(value, part: "user")
            case "password":
                password = try Self.percentDecoded(value, part: "password")
            default:
                throw invalid("unknown parameter \"\(name)\": expected db, user or password")
            }
        }
        if user?.isEmpty == true { user = nil }
        if user != nil, password == nil {
            throw invalid("the user has no password: add &password=…")
        }
        return RedisURL(address: .unixSocket(path: path), user: user, password: password, database: database)
    }

    // MARK: - Percent-encoding

    /// `text` with every `%XX` replaced by its byte; the bytes must be UTF-8.
    private static func percentDecoded(_ text: Substring, part: String) throws(RedisError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                throw invalid("the \(part) has a % not followed by two hex digits")
            }
            bytes.append(high << 4 | low)
        }
        let decoded = String(decoding: bytes, as: UTF8.self)
        guard Array(decoded.utf8) == bytes else { throw invalid("the \(part) is not UTF-8 once percent-decoded") }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
