/// The first byte of every frame body: what the body holds.
///
/// Requests use `0x01…0x7F`. The response to request type `T` has type `T | 0x80`. The
/// daemon also sends ``lost`` events and ``error`` frames.
public enum MessageType: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Request: opens the session; must be the first request on a connection.
    case hello = 0x01
    /// Request: take a lock, trying once or waiting.
    case acquire = 0x02
    /// Request: drop one hold of a lock.
    case release = 0x03
    /// Request: set the remaining lease of a held lock.
    case renew = 0x04
    /// Request: list the holders and waiters of one resource.
    case query = 0x05
    /// Request: list resources by prefix, a page at a time.
    case list = 0x06
    /// Request: the daemon's counters.
    case stats = 0x07
    /// Request: liveness check.
    case ping = 0x08
    /// Request (admin): release every holder of a resource.
    case forceRelease = 0x09
    /// Request: remove a waiting acquire of this connection from its queue.
    case cancel = 0x0A

    /// Response to ``hello``.
    case helloResponse = 0x81
    /// Response to ``acquire``.
    case acquireResponse = 0x82
    /// Response to ``release``.
    case releaseResponse = 0x83
    /// Response to ``renew``.
    case renewResponse = 0x84
    /// Response to ``query``.
    case queryResponse = 0x85
    /// Response to ``list``.
    case listResponse = 0x86
    /// Response to ``stats``.
    case statsResponse = 0x87
    /// Response to ``ping``.
    case pingResponse = 0x88
    /// Response to ``forceRelease``.
    case forceReleaseResponse = 0x89
    /// Response to ``cancel``.
    case cancelResponse = 0x8A

    /// Server-pushed event: a lock held by this connection was lost. Request id 0.
    case lost = 0xC1
    /// Server error not answerable as a response: an unknown request type, or a body too
    /// short to hold the header.
    case error = 0xFF

    /// The bit that turns a request type into its response type.
    static let responseBit: UInt8 = 0x80

    /// True for the request types ``hello`` through ``cancel``.
    public var isRequest: Bool {
        self.rawValue & Self.responseBit == 0
    }

    /// The response type of a request type (`T | 0x80`); `nil` for a type that is not a request.
    public var responseType: MessageType? {
        guard self.isRequest else { return nil }
        return MessageType(rawValue: self.rawValue | Self.responseBit)
    }

    /// The request type a response type answers; `nil` for a type that is not a response.
    public var requestType: MessageType? {
        guard !self.isRequest, let request = MessageType(rawValue: self.rawValue & ~Self.responseBit),
            request.isRequest
        else { return nil }
        return request
    }

    /// The upper-case name used in docs/PROTOCOL.md, e.g. `ACQUIRE`, `ACQUIRE_RESPONSE`.
    public var name: String {
        switch self {
        case .hello: return "HELLO"
        case .acquire: return "ACQUIRE"
        case .release: return "RELEASE"
        case .renew: return "RENEW"
        case .query: return "QUERY"
        case .list: return "LIST"
        case .stats: return "STATS"
        case .ping: return "PING"
        case .forceRelease: return "FORCE_RELEASE"
        case .cancel: return "CANCEL"
        case .lost: return "LOST"
        case .error: return "ERROR"
        case .helloResponse, .acquireResponse, .releaseResponse, .renewResponse, .queryResponse,
            .listResponse, .statsResponse, .pingResponse, .forceReleaseResponse, .cancelResponse:
            return (self.requestType?.name ?? "UNKNOWN") + "_RESPONSE"
        }
    }

    /// The name and the hex code, e.g. `ACQUIRE (0x02)`.
    public var description: String {
        "\(self.name) (\(hexByte(self.rawValue)))"
    }
}

/// `0x` and two lower-case hex digits.
func hexByte(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16)
    return "0x" + (digits.count < 2 ? "0" + digits : digits)
}
