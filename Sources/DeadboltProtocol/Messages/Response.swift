import NIOCore

/// A successful response's payload, one case per request type.
public enum Response: Hashable, Sendable {
    /// Answers HELLO.
    case hello(HelloResponse)
    /// Answers ACQUIRE: the lock was granted.
    case acquire(AcquireResponse)
    /// Answers RELEASE.
    case release(ReleaseResponse)
    /// Answers RENEW.
    case renew(RenewResponse)
    /// Answers QUERY.
    case query(QueryResponse)
    /// Answers LIST.
    case list(ListResponse)
    /// Answers STATS.
    case stats(StatsResponse)
    /// Answers PING.
    case ping(PingResponse)
    /// Answers FORCE_RELEASE.
    case forceRelease(ForceReleaseResponse)
    /// Answers CANCEL.
    case cancel(CancelResponse)

    /// The type of the request this answers, e.g. ``MessageType/acquire``.
    public var requestType: MessageType {
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

    /// The response's own message type, e.g. ``MessageType/acquireResponse``.
    public var type: MessageType {
        switch self {
        case .hello: return .helloResponse
        case .acquire: return .acquireResponse
        case .release: return .releaseResponse
        case .renew: return .renewResponse
        case .query: return .queryResponse
        case .list: return .listResponse
        case .stats: return .statsResponse
        case .ping: return .pingResponse
        case .forceRelease: return .forceReleaseResponse
        case .cancel: return .cancelResponse
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

    /// Appends the OK payload fields (no header, no status).
    public func encode(into buffer: inout ByteBuffer) {
        self.payload.encode(into: &buffer)
    }

    /// Reads the OK payload of the response to a request of type `requestType`.
    ///
    /// Throws ``ProtocolDecodeError/unknownMessageType(_:)`` when `requestType` is not a
    /// request type.
    public static func decode(
        requestType: MessageType,
        from buffer: inout ByteBuffer
    ) throws(ProtocolDecodeError) -> Response {
        switch requestType {
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
            throw .unknownMessageType(requestType.rawValue)
        }
    }
}
