/// A request for a lock, as the engine sees it: already validated names,
/// the session it came on, and the caller's ticket to answer it by.
public struct LockRequest: Hashable, Sendable {
    public var resource: ResourceName
    /// ``OwnerName/session`` (empty) for a hold owned by the session itself.
    public var owner: OwnerName
    public var session: SessionID
    public var ticket: Ticket
    public var mode: LockMode
    /// The lease, from the grant; 0 for none (held until release or session end).
    public var ttlMilliseconds: UInt32
    public var wait: WaitPolicy
    /// Survive the session's end (until release or lease end). Needs a lease.
    public var detached: Bool
    /// Allow the same owner to nest exclusive acquires.
    public var reentrant: Bool

    public init(
        resource: ResourceName,
        owner: OwnerName = .session,
        session: SessionID,
        ticket: Ticket,
        mode: LockMode = .exclusive,
        ttlMilliseconds: UInt32 = 0,
        wait: WaitPolicy = .noWait,
        detached: Bool = false,
        reentrant: Bool = false
    ) {
        self.resource = resource
        self.owner = owner
        self.session = session
        self.ticket = ticket
        self.mode = mode
        self.ttlMilliseconds = ttlMilliseconds
        self.wait = wait
        self.detached = detached
        self.reentrant = reentrant
    }
}
