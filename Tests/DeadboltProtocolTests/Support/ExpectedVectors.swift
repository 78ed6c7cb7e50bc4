import DeadboltProtocol

/// What each vector in docs/protocol-vectors.json must decode to, written out by hand so a
/// wrong encoder cannot bless its own output. Every name here must appear in the file and
/// every name in the file must appear here.
enum ExpectedMessage {
    /// A client → daemon body.
    case request(RequestFrame)
    /// A daemon → client body.
    case server(ServerMessage)

    /// The `direction` the vector file must give.
    var direction: String {
        switch self {
        case .request: return "request"
        case .server(.response), .server(.failure): return "response"
        case .server(.lost): return "event"
        case .server(.error): return "error"
        }
    }
}

let expectedVectors: [String: ExpectedMessage] = [
    // Requests.
    "hello_request": .request(
        RequestFrame(requestID: 1, request: .hello(HelloRequest(protocolVersion: 1, clientName: "deadbolt-cli")))
    ),
    "acquire_request_try_exclusive": .request(
        RequestFrame(
            requestID: 2,
            request: .acquire(
                AcquireRequest(
                    resource: "backup",
                    owner: "",
                    mode: .exclusive,
                    flags: [],
                    ttlMilliseconds: 0,
                    waitMilliseconds: 0
                )
            )
        )
    ),
    "acquire_request_shared_detached_wait": .request(
        RequestFrame(
            requestID: 3,
            request: .acquire(
                AcquireRequest(
                    resource: "db/migrate",
                    owner: "job-42",
                    mode: .shared,
                    flags: [.detached],
                    ttlMilliseconds: 30_000,
                    waitMilliseconds: 5_000
                )
            )
        )
    ),
    "acquire_request_all_flags_wait_forever": .request(
        RequestFrame(
            requestID: 4,
            request: .acquire(
                AcquireRequest(
                    resource: "gpu0",
                    owner: "trainer",
                    mode: .exclusive,
                    flags: [.detached, .reentrant],
                    ttlMilliseconds: 60_000,
                    waitMilliseconds: AcquireRequest.waitForever
                )
            )
        )
    ),
    "release_request": .request(
        RequestFrame(requestID: 5, request: .release(ReleaseRequest(resource: "backup", owner: "")))
    ),
    "renew_request": .request(
        RequestFrame(
            requestID: 6,
            request: .renew(RenewRequest(resource: "db/migrate", owner: "job-42", ttlMilliseconds: 30_000))
        )
    ),
    "query_request_utf8": .request(
        RequestFrame(requestID: 7, request: .query(QueryRequest(resource: "café/ü")))
    ),
    "list_request": .request(
        RequestFrame(requestID: 8, request: .list(ListRequest(prefix: "jobs/", limit: 100, cursor: "jobs/a")))
    ),
    "stats_request": .request(RequestFrame(requestID: 9, request: .stats(StatsRequest()))),
    "ping_request": .request(RequestFrame(requestID: 10, request: .ping(PingRequest()))),
    "force_release_request": .request(
        RequestFrame(requestID: 11, request: .forceRelease(ForceReleaseRequest(resource: "gpu0")))
    ),
    "cancel_request": .request(RequestFrame(requestID: 12, request: .cancel(CancelRequest(targetRequestID: 4)))),

    // OK responses.
    "hello_response": .server(
        .response(
            requestID: 1,
            .hello(
                HelloResponse(
                    protocolVersion: 1,
                    sessionID: 7,
                    maxFrameBytes: 65_536,
                    maxNameBytes: 255,
                    maxLocksPerConnection: 1_024,
                    maxWaitersPerConnection: 256,
                    serverName: "deadboltd 0.1.0"
                )
            )
        )
    ),
    "acquire_response": .server(
        .response(requestID: 3, .acquire(AcquireResponse(fencingToken: 42, holdCount: 1, ttlMilliseconds: 30_000)))
    ),
    "acquire_response_reentrant": .server(
        .response(
            requestID: 4,
            .acquire(AcquireResponse(fencingToken: 1 << 40, holdCount: 2, ttlMilliseconds: 0))
        )
    ),
    "release_response": .server(.response(requestID: 5, .release(ReleaseResponse(remainingHoldCount: 0)))),
    "renew_response": .server(
        .response(requestID: 6, .renew(RenewResponse(fencingToken: 42, ttlMilliseconds: 30_000)))
    ),
    "query_response_holder_and_waiter": .server(
        .response(
            requestID: 7,
            .query(
                QueryResponse(
                    holders: [
                        HolderInfo(
                            owner: "job-42",
                            sessionID: 7,
                            pid: 4242,
                            uid: 1000,
                            gid: 1000,
                            mode: .exclusive,
                            detached: true,
                            fencingToken: 42,
                            holdCount: 1,
                            heldMilliseconds: 1_500,
                            leaseRemainingMilliseconds: 28_500
                        )
                    ],
                    waiters: [
                        WaiterInfo(
                            owner: "",
                            sessionID: 9,
                            pid: -1,
                            uid: 0,
                            gid: 0,
                            mode: .shared,
                            waitedMilliseconds: 250,
                            waitRemainingMilliseconds: WaiterInfo.unbounded
                        )
                    ]
                )
            )
        )
    ),
    "query_response_empty": .server(.response(requestID: 7, .query(QueryResponse(holders: [], waiters: [])))),
    "list_response_two_entries": .server(
        .response(
            requestID: 8,
            .list(
                ListResponse(
                    entries: [
                        ListEntry(resource: "jobs/b", mode: .exclusive, holderCount: 1, waiterCount: 2),
                        ListEntry(resource: "jobs/c", mode: .shared, holderCount: 3, waiterCount: 0),
                    ],
                    nextCursor: "jobs/c"
                )
            )
        )
    ),
    "stats_response": .server(
        .response(
            requestID: 9,
            .stats(
                StatsResponse(counters: [
                    StatsCounter(name: "connections", value: 3),
                    StatsCounter(name: "locks_held", value: 2),
                    StatsCounter(name: "fencing_high_water", value: 42),
                ])
            )
        )
    ),
    "ping_response": .server(.response(requestID: 10, .ping(PingResponse()))),
    "force_release_response": .server(
        .response(requestID: 11, .forceRelease(ForceReleaseResponse(releasedHolders: 1)))
    ),
    "cancel_response": .server(.response(requestID: 12, .cancel(CancelResponse(removedWaiter: true)))),

    // Failures.
    "acquire_failure_not_granted": .server(
        .failure(requestID: 2, type: .acquire, status: .notGranted, message: "held by another owner")
    ),
    "acquire_failure_cancelled": .server(
        .failure(requestID: 4, type: .acquire, status: .cancelled, message: "")
    ),
    "release_failure_lock_belong_to_others": .server(
        .failure(requestID: 5, type: .release, status: .lockBelongToOthers, message: "held by another owner")
    ),
    "hello_failure_unsupported_version": .server(
        .failure(
            requestID: 1,
            type: .hello,
            status: .unsupportedVersion,
            message: "protocol version 2 is not supported; this daemon speaks 1"
        )
    ),

    // Events.
    "lost_event_lease_expired": .server(
        .lost(LostEvent(resource: "db/migrate", owner: "job-42", fencingToken: 42, reason: .leaseExpired))
    ),
    "lost_event_force_released": .server(
        .lost(LostEvent(resource: "gpu0", owner: "", fencingToken: 7, reason: .forceReleased))
    ),

    // ERROR frames.
    "error_unknown_type": .server(
        .error(requestID: 13, status: .protocolError, message: "unknown message type 0x42")
    ),
    "error_body_too_short": .server(
        .error(
            requestID: 0,
            status: .protocolError,
            message: "frame body of 3 bytes is shorter than the 5-byte header"
        )
    ),
]
