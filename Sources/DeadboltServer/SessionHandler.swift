import DeadboltCore
import DeadboltProtocol
import Logging
import NIOCore

/// One connection: cuts the bytes read into frames (``InboundFrames``, over
/// ``FrameDecoder``), decodes request bodies, checks them, asks the
/// ``LockService``, and writes answers. It is the connection's only handler:
/// framing runs inside it, which saves two pipeline hops per read.
///
/// A connection starts without a session; HELLO opens one with the peer's
/// credentials. Answers to requests read in one batch are flushed together
/// at `channelReadComplete`; answers caused by other connections (grants,
/// timeouts, LOST) are flushed at once.
///
/// Flow control, so that no peer can grow the daemon's memory or hold the
/// event loop:
/// - While the channel is not writable (the peer's unread answers passed the
///   high-water mark), no request is handled and no byte read; the requests
///   already read wait in `inbound` and are handled once it drains. A peer
///   that never reads costs one write buffer, not one answer per request.
/// - At most `framesPerTurn` requests are handled per turn of the event
///   loop; the rest wait a moment, while other connections are served.
///
/// Deadlines: no HELLO within `helloTimeoutMilliseconds` closes the
/// connection; so does a frame left incomplete for
/// `partialFrameTimeoutMilliseconds` (a client stalled mid-frame holds a slot
/// and buffered bytes). Each frame gets the whole partial-frame deadline from
/// the read that brought its first bytes, so a busy pipelining client is
/// never cut.
final class SessionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Requests handled in one turn before the connection yields: about a
    /// millisecond of work, so one pipelining or flooding peer delays the
    /// others by about that much.
    static let framesPerTurn = 256

    private enum State {
        /// Admitted; the peer's credentials are known once `channelActive` ran.
        case awaitingHello
        case ready(SessionID)
        /// No more requests are read; answers already queued are still written.
        case closing
    }

    private let service: LockService
    private var logger: Logger
    private var state = State.awaitingHello
    private var admitted = false
    /// True once the peer was admitted (and counted against its uid's limit).
    private var peerAdmitted = false
    private var peer = Peer(pid: 0, uid: .max, gid: .max)
    private var context: ChannelHandlerContext?
    private var helloTimeout: Scheduled<Void>?
    /// Bytes read and not yet handled.
    private var inbound: InboundFrames
    /// True while requests that were read wait for their turn or for the
    /// peer to read its answers; reads are held back meanwhile.
    private var inputHeldBack: Bool { inbound.hasWholeFrame }
    /// A read the channel asked for while input was held back.
    private var readHeldBack = false
    /// True while `handleInbound` runs (it may be re-entered by a flush).
    private var handlingInbound = false
    private var nextTurn: Scheduled<Void>?
    /// True while the channel is not writable (counted by the service).
    private var backedUp = false
    /// Armed while a frame is incomplete; see the type's comment.
    private var partialFrameDeadline: Scheduled<Void>?
    /// True while a batch of reads is being handled; flushes wait for its end.
    private var inReadBatch = false
    private var needsFlush = false

    init(service: LockService) {
        self.service = service
        self.logger = service.logger
        self.inbound = InboundFrames(decoder: FrameDecoder(maxFrameBytes: service.configuration.maxFrameBytes))
    }

    var session: SessionID? {
        if case .ready(let id) = state { id } else { nil }
    }

    // MARK: - Channel events

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        guard service.connectionOpened() else {
            state = .closing
            let reason = service.isShuttingDown ? "the daemon is shutting down" : "too many connections"
            send(.error(requestID: 0, status: service.isShuttingDown ? .shuttingDown : .quotaExceeded, message: reason))
            _ = closeAfterFlush()
            return
        }
        admitted = true
        context.channel.peerCredentials().assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let peer):
                self.peer = peer
                logger[metadataKey: "pid"] = "\(peer.pid)"
                logger[metadataKey: "uid"] = "\(peer.uid)"
                switch service.admit(peer: peer) {
                case nil:
                    peerAdmitted = true
                case .notAllowed:
                    logger.warning("refused a connection: this uid is not allowed (--allow-uids, --allow-groups)")
                    refuse(.permissionDenied, "uid \(peer.uid) may not use this daemon")
                case .tooManyConnectionsForUID(let limit):
                    logger.warning("refused a connection: too many for this uid", metadata: ["limit": "\(limit)"])
                    refuse(.quotaExceeded, "uid \(peer.uid) has \(limit) connections open already")
                }
            case .failure(let error):
                logger.warning("cannot read peer credentials; treating the peer as nobody", metadata: ["error": "\(error)"])
            }
        }
        let timeout = TimeAmount.milliseconds(service.configuration.helloTimeoutMilliseconds)
        helloTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            guard case .awaitingHello = state else { return }
            logger.notice("closing a connection that sent no HELLO in time")
            state = .closing
            send(.error(requestID: 0, status: .protocolError, message: "no HELLO within \(service.configuration.helloTimeoutMilliseconds) ms"))
            _ = closeAfterFlush()
        }
        context.fireChannelActive()
    }

    /// Turns the connection away at accept: one ERROR frame, then close.
    private func refuse(_ status: WireStatus, _ message: String) {
        state = .closing
        send(.error(requestID: 0, status: status, message: message))
        _ = closeAfterFlush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        helloTimeout?.cancel()
        partialFrameDeadline?.cancel()
        partialFrameDeadline = nil
        nextTurn?.cancel()
        nextTurn = nil
        if backedUp {
            backedUp = false
            service.connectionBackedUp(false)
        }
        if peerAdmitted {
            peerAdmitted = false
            service.peerClosed(uid: peer.uid)
        }
        let session = self.session
        state = .closing
        if admitted {
            admitted = false
            service.connectionClosed(session: session)
        }
        self.context = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isClosing else { return }
        inReadBatch = true
        inbound.append(unwrapInboundIn(data))
        handleInbound(context: context)
    }

    /// Handles the whole frames read so far, up to this turn's budget and
    /// while the peer takes its answers; then holds input back, or lets the
    /// channel read again.
    private func handleInbound(context: ChannelHandlerContext) {
        guard !handlingInbound else { return }
        handlingInbound = true
        defer { handlingInbound = false }
        var handled = 0
        var completedAFrame = false
        while !isClosing, context.channel.isWritable, handled < Self.framesPerTurn {
            let body: ByteBuffer?
            do {
                body = try inbound.next()
            } catch {
                // A framing error (an over-long length): the stream cannot be
                // resynchronised, so say why and close this connection only.
                logger.notice("closing a connection after a framing error", metadata: ["error": "\(error)"])
                state = .closing
                send(.error(requestID: 0, status: .protocolError, message: "\(error)"))
                _ = closeAfterFlush()
                return
            }
            guard let body else { break }
            handled += 1
            completedAFrame = true
            handleFrame(body)
        }
        guard !isClosing else { return }
        if inputHeldBack, context.channel.isWritable, nextTurn == nil {
            // Out of budget: go on after other connections had their turn.
            // (A task due "now" would run before the loop polls again.)
            nextTurn = context.eventLoop.assumeIsolated().scheduleTask(
                in: .nanoseconds(Int64(LockService.stepGapNanoseconds))
            ) { [self] in
                nextTurn = nil
                resumeInput(context: context)
            }
        }
        trackPartialFrame(context: context, completedAFrame: completedAFrame)
        if !inputHeldBack, readHeldBack, context.channel.isWritable {
            readHeldBack = false
            context.read()
        }
    }

    /// Handles held-back requests outside a read (their turn came, or the
    /// peer read its answers), flushing their answers together.
    private func resumeInput(context: ChannelHandlerContext) {
        guard !isClosing, !inReadBatch else { return }
        inReadBatch = true
        handleInbound(context: context)
        inReadBatch = false
        if needsFlush {
            needsFlush = false
            context.flush()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let writable = context.channel.isWritable
        if writable == backedUp, self.context != nil {
            backedUp = !writable
            service.connectionBackedUp(backedUp)
        }
        if writable {
            // On a later turn, not inside the flush that drained the
            // connection (which may be another connection's answer being
            // delivered); it re-arms the partial-frame deadline too.
            context.eventLoop.assumeIsolated().execute { [self] in resumeInput(context: context) }
        } else {
            partialFrameDeadline?.cancel()  // nothing is read meanwhile
            partialFrameDeadline = nil
        }
        context.fireChannelWritabilityChanged()
    }

    /// Reads wait while requests are held back or answers are backed up.
    func read(context: ChannelHandlerContext) {
        if inputHeldBack || !context.channel.isWritable {
            readHeldBack = true
        } else {
            context.read()
        }
    }

    private func handleFrame(_ frameBody: ByteBuffer) {
        var body = frameBody
        do {
            let frame = try RequestFrame.decode(from: &body)
            handle(frame)
        } catch {
            logger.debug("undecodable request", metadata: ["error": "\(error)"])
            send(error.reply)
        }
    }

    /// Re-arms the partial-frame deadline after a read: a frame completed
    /// restarts it, no incomplete frame left over stops it. Only time the
    /// daemon spends reading counts: whole frames held back, or reads held
    /// back while the peer's answers are backed up, are the daemon's wait,
    /// not the peer's (the rest of the frame may sit unread in the socket).
    private func trackPartialFrame(context: ChannelHandlerContext, completedAFrame: Bool) {
        let isMidFrame = !inputHeldBack && context.channel.isWritable && inbound.bufferedBytes > 0
        if completedAFrame || !isMidFrame {
            partialFrameDeadline?.cancel()
            partialFrameDeadline = nil
        }
        guard isMidFrame, partialFrameDeadline == nil else { return }
        let milliseconds = service.configuration.partialFrameTimeoutMilliseconds
        partialFrameDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(milliseconds)) { [self] in
            partialFrameDeadline = nil
            guard !isClosing else { return }
            logger.notice("closing a connection that left a frame incomplete", metadata: ["timeout_ms": "\(milliseconds)"])
            state = .closing
            send(.error(requestID: 0, status: .protocolError, message: "a frame stayed incomplete for \(milliseconds) ms"))
            _ = closeAfterFlush()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inReadBatch = false
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private var isClosing: Bool {
        if case .closing = state { true } else { false }
    }

    // MARK: - Requests

    private func handle(_ frame: RequestFrame) {
        let id = frame.requestID
        let type = frame.request.type
        if id == MessageHeader.unsolicitedRequestID {
            return fail(id, type, .invalidArgument, "request id 0 is reserved")
        }
        guard case .ready(let session) = state else {
            if case .hello(let hello) = frame.request { return greet(hello, id: id) }
            return fail(id, type, .protocolError, "HELLO must be the first request")
        }
        switch frame.request {
        case .hello:
            fail(id, type, .protocolError, "HELLO was already sent")
        case .acquire(let request):
            acquire(request, id: id, session: session)
        case .release(let request):
            guard let (resource, owner) = validate(request.resource, request.owner, id, type) else { return }
            let (result, upstreamDone) = service.release(resource: resource, owner: owner, session: session)
            switch result {
            case .released(let remaining):
                guard let upstreamDone else { return respond(id, .release(ReleaseResponse(remainingHoldCount: remaining))) }
                // Upstream mode: answered once Redis has it too, so whatever
                // the client does next (on any host) sees the lock free.
                upstreamDone.assumeIsolated().whenComplete { [self] _ in
                    respond(id, .release(ReleaseResponse(remainingHoldCount: remaining)))
                }
            case .lockUnexist:
                fail(id, type, .lockUnexist, "nobody holds \(resource)")
            case .belongsToOthers:
                fail(id, type, .lockBelongToOthers, "\(resource) is held by another owner")
            case .permissionDenied:
                deny(id, type, "release of \(resource) held by another uid")
            }
        case .renew(let request):
            guard let (resource, owner) = validate(request.resource, request.owner, id, type) else { return }
            switch service.renew(resource: resource, owner: owner, session: session, ttlMilliseconds: request.ttlMilliseconds) {
            case .renewed(let token, let ttl):
                respond(id, .renew(RenewResponse(fencingToken: token, ttlMilliseconds: ttl)))
            case .lockUnexist:
                fail(id, type, .lockUnexist, "nobody holds \(resource)")
            case .belongsToOthers:
                fail(id, type, .lockBelongToOthers, "\(resource) is held by another owner")
            case .permissionDenied:
                deny(id, type, "renew of \(resource) held by another uid")
            case .detachedWithoutLease:
                fail(id, type, .invalidArgument, "a detached lock cannot be renewed to ttl 0")
            case .ttlTooLong:
                fail(id, type, .invalidArgument, "ttl above the daemon's maximum of \(service.configuration.lockTable.maxTTLMilliseconds) ms")
            }
        case .query(let request):
            guard let resource = validate(resource: request.resource, id, type) else { return }
            guard let upstream = service.upstreamLocks else {
                return respond(id, .query(queryResponse(service.snapshot(of: resource))))
            }
            // Upstream mode: this broker's holders and waiters, then the
            // holds other brokers have in Redis.
            upstream.remoteHolds(resource).assumeIsolated().whenSuccess { [self] remote in
                respond(id, .query(queryResponse(service.snapshot(of: resource), remote: remote)))
            }
        case .list(let request):
            list(request, id: id)
        case .stats:
            respond(id, .stats(StatsResponse(counters: service.statistics())))
        case .ping:
            respond(id, .ping(PingResponse()))
        case .forceRelease(let request):
            guard let resource = validate(resource: request.resource, id, type) else { return }
            guard isAdmin else { return deny(id, type, "force-release of \(resource) needs root or an admin group") }
            let removed = service.forceRelease(resource: resource)
            logger.notice("force-released", metadata: ["resource": "\(resource)", "holders": "\(removed)"])
            respond(id, .forceRelease(ForceReleaseResponse(releasedHolders: UInt32(clamping: removed))))
        case .cancel(let request):
            let removed = service.cancel(session: session, ticket: Ticket(UInt64(request.targetRequestID)))
            if removed {
                fail(request.targetRequestID, .acquire, .cancelled, "cancelled by request \(id)")
            }
            respond(id, .cancel(CancelResponse(removedWaiter: removed)))
        }
    }

    private func greet(_ hello: HelloRequest, id: UInt32) {
        guard hello.protocolVersion == ProtocolVersion.current else {
            state = .closing
            fail(id, .hello, .unsupportedVersion, "protocol version \(hello.protocolVersion) is not supported; this daemon speaks \(ProtocolVersion.current)")
            _ = closeAfterFlush()
            return
        }
        helloTimeout?.cancel()
        helloTimeout = nil
        let session = service.openSession(for: self, peer: peer)
        state = .ready(session)
        logger[metadataKey: "session"] = "\(session.rawValue)"
        logger.debug("session opened", metadata: ["client": "\(hello.clientName)"])
        let limits = service.configuration
        respond(id, .hello(HelloResponse(
            protocolVersion: ProtocolVersion.current, sessionID: session.rawValue,
            maxFrameBytes: UInt32(clamping: limits.maxFrameBytes), maxNameBytes: UInt16(ResourceName.maxBytes),
            maxLocksPerConnection: UInt32(clamping: limits.lockTable.maxLocksPerSession),
            maxWaitersPerConnection: UInt32(clamping: limits.lockTable.maxWaitersPerSession),
            serverName: limits.serverName
        )))
    }

    private func acquire(_ request: AcquireRequest, id: UInt32, session: SessionID) {
        guard let (resource, owner) = validate(request.resource, request.owner, id, .acquire) else { return }
        let wait: WaitPolicy = switch request.waitMilliseconds {
        case 0: .noWait
        case AcquireRequest.waitForever: .forever
        default: .milliseconds(request.waitMilliseconds)
        }
        let lockRequest = LockRequest(
            resource: resource, owner: owner, session: session, ticket: Ticket(UInt64(id)),
            mode: request.mode == .shared ? .shared : .exclusive, ttlMilliseconds: request.ttlMilliseconds,
            wait: wait, detached: request.flags.contains(.detached), reentrant: request.flags.contains(.reentrant)
        )
        switch service.acquire(lockRequest) {
        case .granted(let grant):
            answerGranted(grant)
        case .queued:
            break
        case .refused(let refusal):
            let (status, message): (WireStatus, String) = switch refusal {
            case .notGranted: (.notGranted, "\(resource) is held")
            case .alreadyHeld: (.alreadyHeld, "this owner already holds \(resource)")
            case .alreadyWaiting: (.alreadyHeld, "this owner is already waiting for \(resource)")
            case .detachedWithoutLease: (.invalidArgument, "a detached lock needs a ttl")
            case .ttlTooLong: (.invalidArgument, "ttl above the daemon's maximum of \(service.configuration.lockTable.maxTTLMilliseconds) ms")
            case .quotaExceeded(let quota): (.quotaExceeded, "limit reached: \(quota)")
            }
            fail(id, .acquire, status, message)
        }
    }

    private func list(_ request: ListRequest, id: UInt32) {
        let limits = service.configuration
        let limit = request.limit == 0 ? limits.defaultListLimit : min(Int(request.limit), limits.maxListLimit)
        var cursor: ResourceName?
        if !request.cursor.isEmpty {
            guard let valid = validate(resource: request.cursor, id, .list) else { return }
            cursor = valid
        }
        let namespace = service.configuration.isolateUIDs ? ResourceName.namespacePrefix(uid: peer.uid) : ""
        let page = service.list(prefix: namespace + request.prefix, after: cursor, limit: limit)
        var entries = page.resources.map {
            ListEntry(
                resource: $0.name.clientName, mode: $0.heldMode == .shared ? .shared : .exclusive,
                holderCount: UInt32(clamping: $0.holderCount), waiterCount: UInt32(clamping: $0.waiterCount)
            )
        }
        var nextCursor = page.nextCursor?.clientName ?? ""
        // LIST may return fewer than asked: send what fits in one frame, with a
        // cursor after the last entry sent. At least one entry goes, so paging
        // always progresses (only a frame limit below one entry's size is exceeded).
        var usedBytes = Self.listOverheadBytes
        var kept = 0
        var scratch = ByteBuffer()
        for entry in entries {
            let entryBytes = Self.encodedBytes(of: entry, scratch: &scratch)
            let cursorBytes = 2 + entry.resource.utf8.count
            guard kept == 0 || usedBytes + entryBytes + cursorBytes <= limits.maxFrameBytes else { break }
            usedBytes += entryBytes
            kept += 1
        }
        if kept < entries.count {
            entries.removeLast(entries.count - kept)
            nextCursor = entries.last?.resource ?? ""
        }
        respond(id, .list(ListResponse(entries: entries, nextCursor: nextCursor)))
    }

    private func queryResponse(_ snapshot: ResourceSnapshot?, remote: [UpstreamLocks.RemoteHold] = []) -> QueryResponse {
        // Another broker's hold: owner `@<broker id>`, no session, process or time held.
        let remoteHolders = remote.map { hold in
            HolderInfo(
                owner: "@" + hold.brokerID, sessionID: 0, pid: 0, uid: 0, gid: 0, mode: hold.shared ? .shared : .exclusive,
                detached: false, fencingToken: hold.fencingToken, holdCount: 1, heldMilliseconds: 0,
                leaseRemainingMilliseconds: hold.leaseRemainingMilliseconds
            )
        }
        guard let snapshot else { return fittingInOneFrame(QueryResponse(holders: remoteHolders, waiters: [])) }
        let now = LockService.now()
        var all = QueryResponse(
            holders: snapshot.holders.map { holder in
                HolderInfo(
                    owner: holder.owner.string, sessionID: holder.session.rawValue, pid: holder.peer.pid,
                    uid: holder.peer.uid, gid: holder.peer.gid, mode: holder.mode == .shared ? .shared : .exclusive,
                    detached: holder.detached, fencingToken: holder.fencingToken, holdCount: holder.holdCount,
                    heldMilliseconds: now.milliseconds(since: holder.grantedAt),
                    leaseRemainingMilliseconds: holder.leaseDeadline.map { UInt32(clamping: now.millisecondsUntil($0)) } ?? HolderInfo.noLease
                )
            },
            waiters: snapshot.waiters.map { waiter in
                WaiterInfo(
                    owner: waiter.owner.string, sessionID: waiter.session.rawValue, pid: waiter.peer.pid,
                    uid: waiter.peer.uid, gid: waiter.peer.gid, mode: waiter.mode == .shared ? .shared : .exclusive,
                    waitedMilliseconds: now.milliseconds(since: waiter.enqueuedAt),
                    waitRemainingMilliseconds: waiter.waitDeadline.map {
                        min(UInt32(clamping: now.millisecondsUntil($0)), WaiterInfo.unbounded - 1)
                    } ?? WaiterInfo.unbounded
                )
            }
        )
        all.holders += remoteHolders
        return fittingInOneFrame(all)
    }

    /// As many entries as fit in one frame and in QUERY's `u16` counts,
    /// holders first (docs/PROTOCOL.md). A crowded resource gets a shortened
    /// answer, never an oversized frame or a count that cannot be encoded.
    private func fittingInOneFrame(_ response: QueryResponse) -> QueryResponse {
        var budgetBytes = service.configuration.maxFrameBytes - Self.queryOverheadBytes
        var scratch = ByteBuffer()
        func prefixThatFits<Entry: WirePayload>(_ entries: [Entry]) -> [Entry] {
            var count = 0
            for entry in entries.prefix(Int(UInt16.max)) {
                let entryBytes = Self.encodedBytes(of: entry, scratch: &scratch)
                guard entryBytes <= budgetBytes else { break }
                budgetBytes -= entryBytes
                count += 1
            }
            return Array(entries.prefix(count))
        }
        let holders = prefixThatFits(response.holders)
        let waiters = holders.count == response.holders.count ? prefixThatFits(response.waiters) : []
        return QueryResponse(holders: holders, waiters: waiters)
    }

    /// A QUERY answer's bytes besides its entries: header 5, status 2, two `u16` counts.
    private static let queryOverheadBytes = 5 + 2 + 2 + 2
    /// A LIST answer's bytes besides its entries and cursor: header 5, status 2, `u32` count.
    private static let listOverheadBytes = 5 + 2 + 4

    private static func encodedBytes(of entry: some WirePayload, scratch: inout ByteBuffer) -> Int {
        scratch.clear()
        entry.encode(into: &scratch)
        return scratch.readableBytes
    }

    private var isAdmin: Bool {
        let configuration = service.configuration
        return peer.uid == 0 || configuration.adminUIDs.contains(peer.uid) || configuration.adminGIDs.contains(peer.gid)
    }

    // MARK: - Validation

    /// A client's resource name, checked, and in its uid's namespace with
    /// `--isolate-uids`.
    private func validate(resource: String, _ id: UInt32, _ type: MessageType) -> ResourceName? {
        do {
            let name = try ResourceName(resource)
            return service.configuration.isolateUIDs ? ResourceName(isolating: name, uid: peer.uid) : name
        } catch {
            reject(error, field: "resource name", id, type)
            return nil
        }
    }

    private func validate(_ resource: String, _ owner: String, _ id: UInt32, _ type: MessageType) -> (ResourceName, OwnerName)? {
        guard let name = validate(resource: resource, id, type) else { return nil }
        do {
            return (name, try OwnerName(owner))
        } catch {
            reject(error, field: "owner", id, type)
            return nil
        }
    }

    private func reject(_ error: NameError, field: String, _ id: UInt32, _ type: MessageType) {
        switch error {
        case .empty: fail(id, type, .invalidArgument, "empty \(field)")
        case .tooLong(let bytes): fail(id, type, .nameTooLong, "\(field) is \(bytes) bytes; at most \(ResourceName.maxBytes)")
        case .containsNUL: fail(id, type, .invalidArgument, "\(field) contains a NUL byte")
        }
    }

    // MARK: - Answers

    func answerGranted(_ grant: Grant) {
        respond(UInt32(truncatingIfNeeded: grant.ticket.rawValue), .acquire(AcquireResponse(
            fencingToken: grant.fencingToken, holdCount: grant.holdCount, ttlMilliseconds: grant.ttlMilliseconds
        )))
    }

    func answerFailure(ticket: Ticket, type: MessageType, status: WireStatus, message: String) {
        fail(UInt32(truncatingIfNeeded: ticket.rawValue), type, status, message)
    }

    func pushLost(_ notice: LostNotice) {
        send(.lost(LostEvent(
            resource: notice.resource.clientName, owner: notice.owner.string, fencingToken: notice.fencingToken,
            reason: DeadboltProtocol.LostReason(rawValue: notice.reason.rawValue)
        )))
    }

    private func respond(_ id: UInt32, _ response: Response) {
        send(.response(requestID: id, response))
    }

    private func fail(_ id: UInt32, _ type: MessageType, _ status: WireStatus, _ message: String) {
        send(.failure(requestID: id, type: type, status: status, message: message))
    }

    private func deny(_ id: UInt32, _ type: MessageType, _ message: String) {
        logger.warning("permission denied", metadata: ["detail": "\(message)"])
        fail(id, type, .permissionDenied, message)
    }

    /// Writes one framed message: the 4-byte length, then the body.
    private func send(_ message: ServerMessage) {
        guard let context else { return }
        // `protocol_errors_total` counts exactly the answers that say PROTOCOL_ERROR,
        // wherever they come from (decoding, framing, a request before HELLO, …).
        if message.status == .protocolError { service.countProtocolError() }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeInteger(UInt32(0))
        message.encode(into: &buffer)
        buffer.setInteger(UInt32(buffer.readableBytes - 4), at: buffer.readerIndex)
        context.write(wrapOutboundOut(buffer), promise: nil)
        if inReadBatch {
            needsFlush = true
        } else {
            context.flush()
        }
    }

    /// How long a closing connection's last answers may take to be written.
    /// A peer that reads nothing would otherwise keep the connection (and a
    /// daemon that is stopping) open for good.
    static let closeFlushTimeoutMilliseconds: Int64 = 1_000

    /// Flushes what is queued, then closes: once it is written, or after
    /// `closeFlushTimeoutMilliseconds`, whichever comes first. Completes when
    /// closed.
    func closeAfterFlush() -> EventLoopFuture<Void> {
        state = .closing
        guard let context else { return service.eventLoop.makeSucceededVoidFuture() }
        let closed = context.channel.closeFuture
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
        let giveUp = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Self.closeFlushTimeoutMilliseconds)) { [logger] in
            logger.notice("closing a connection whose last answers were not read", metadata: [
                "timeout_ms": "\(Self.closeFlushTimeoutMilliseconds)",
            ])
            context.close(promise: nil)
        }
        closed.assumeIsolated().whenComplete { _ in giveUp.cancel() }
        return closed
    }
}
