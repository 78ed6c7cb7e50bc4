import NIOCore

/// A request's payload, one case per request type.
public enum Request: Hashable, Sendable {
    /// HELLO (0x01).
    case hello(HelloRequest)
    /// ACQUIRE (0x02).
    case acquire(AcquireRequest)
    /// RELEASE (0x03).
    case release(ReleaseRequest)
    /// RENEW (0x04).
    case renew(RenewRequest)
    /// QUERY (0x05).
    case query(QueryRequest)
    /// LIST (0x06).
    case list(ListRequest)
    /// STATS (0x07).
    case stats(StatsRequest)
    /// PING (0x08).
    case ping(PingRequest)
    /// FORCE_RELEASE (0x09).
    case forceRelease(ForceReleaseRequest)
    /// CANCEL (0x0A).
    case cancel(CancelRequest)

    /// The request's message type.
    public var type: MessageType {
        switch self {
        case .hello: return .hello
        case .acquire: return .acquire
        case .release: return .release
        case .renew: return .renew
        case .query: return .query
        case .list: return .list
        case .stats: return .stats
        case .ping: return .ping
        case .forceRelease: return .forceRelease
        case .cancel: return .cancel
        }
    }

    /// The payload, as its own codec.
    var payload: any WirePayload {
        switch self {
        case .hello(let payload): return payload
        case .acquire(let payload): return payload
        case .release(let payload): return payload
        case .renew(let payload): return payload
        case .query(let payload): return payload
        case .list(let payload): return payload
        case .stats(let payload): return payload
        case .ping(let payload): return payload
        case .forceRelease(let payload): return payload
        case .cancel(let payload): return payload
        }
    }

    /// Appends the payload fields (no header).
    public func encode(into buffer: inout ByteBuffer) {
        self.payload.encode(into: &buffer)
    }

    /// Reads the payload of a request of the given type.
    ///
    /// Throws ``ProtocolDecodeError/unknownMessageType(_:)`` when `type` is not a request type.
    public static func decode(type: MessageType, from buffer: inout ByteBuffer) throws(ProtocolDecodeError) -> Request {
        switch type {
        case .hello: return .hello(try .decode(from: &buffer))
        case .acquire: return .acquire(try .decode(from: &buffer))
        case .release: return .release(try .decode(from: &buffer))
        case .renew: return .renew(try .decode(from: &buffer))
        case .query: return .query(try .decode(from: &buffer))
        case .list: return .list(try .decode(from: &buffer))
        case .stats: return .stats(try .decode(from: &buffer))
        case .ping: return .ping(try .decode(from: &buffer))
        case .forceRelease: return .forceRelease(try .decode(from: &buffer))
        case .cancel: return .cancel(try .decode(from: &buffer))
        case .helloResponse, .acquireResponse, .releaseResponse, .renewResponse, .queryResponse, .listResponse,
            .statsResponse, .pingResponse, .forceReleaseResponse, .cancelResponse, .lost, .error:
            throw .unknownMessageType(type.rawValue)
        }
    }
}
