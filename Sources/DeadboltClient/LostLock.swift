import DeadboltProtocol

/// A lock this connection held and no longer holds, delivered by ``DeadboltClient/lostLocks``.
///
/// By the time it arrives the lock is already gone from the daemon's table, and another
/// holder may have it: stop the work it protected, and treat writes fenced with ``token`` as
/// stale.
public struct LostLock: Sendable, CustomStringConvertible {
    /// Why a lock was lost.
    ///
    /// A struct rather than an enum: later daemons may add reasons, and a reason this library
    /// does not know still means the lock is gone.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case wire(UInt8)
            case renewalFailed
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The reason of a LOST event.
        init(_ reason: LostReason) {
            self.base = .wire(reason.rawValue)
        }

        /// The lease ran out before it was renewed.
        public static let leaseExpired = Reason(LostReason.leaseExpired)
        /// An admin released the lock with FORCE_RELEASE.
        public static let forceReleased = Reason(LostReason.forceReleased)
        /// The daemon's Redis upstream lost the lock or could not renew it.
        public static let upstreamLost = Reason(LostReason.upstreamLost)
        /// Client-side: automatic renewal (``DeadboltClient/AutoRenew``) failed, so the lease
        /// will run out; ``LostLock/renewalError`` says why.
        public static let renewalFailed = Reason(.renewalFailed)

        /// `LEASE_EXPIRED`, `FORCE_RELEASED`, `UPSTREAM_LOST`, `REASON_<n>` for a reason this
        /// library does not know, or `RENEWAL_FAILED`.
        public var description: String {
            switch self.base {
            case .wire(let rawValue): return LostReason(rawValue: rawValue).name
            case .renewalFailed: return "RENEWAL_FAILED"
            }
        }
    }

    /// The lock's name.
    public var resource: String
    /// The owner it was held under; `nil` when the connection itself owned it.
    public var owner: String?
    /// The lost hold's fencing token.
    public var token: UInt64
    /// Why it was lost.
    public var reason: Reason
    /// For ``Reason/renewalFailed``, the failed renewal's error; otherwise `nil`.
    public var renewalError: DeadboltError?

    /// A LOST event from the daemon.
    init(_ event: LostEvent) {
        self.resource = event.resource
        self.owner = event.owner.isEmpty ? nil : event.owner
        self.token = event.fencingToken
        self.reason = Reason(event.reason)
        self.renewalError = nil
    }

    /// A lease whose automatic renewal failed.
    init(renewalOf lease: Lease, failedWith error: DeadboltError) {
        self.resource = lease.resource
        self.owner = lease.owner
        self.token = lease.token
        self.reason = .renewalFailed
        self.renewalError = error
    }

    /// E.g. `report (token 42): LEASE_EXPIRED`.
    public var description: String {
        let owner = self.owner.map { " owner \($0)" } ?? ""
        let error = self.renewalError.map { " (\($0))" } ?? ""
        return "\(self.resource)\(owner) (token \(self.token)): \(self.reason)\(error)"
    }
}
