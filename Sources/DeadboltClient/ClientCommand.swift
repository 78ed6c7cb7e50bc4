import DeadboltProtocol
import NIOCore

/// What ``DeadboltClient`` writes into its channel; ``ClientChannelHandler`` turns each into
/// frames.
enum ClientCommand: Sendable {
    /// Send `request` under a fresh request id, and complete `promise` with its answer: the OK
    /// payload, or a ``DeadboltError``. An acquire carries its ``AcquireCancellation``.
    case request(Request, promise: EventLoopPromise<Response>, cancellation: AcquireCancellation?)
    /// Withdraw the waiting ACQUIRE sent with this request id and this cancellation state, if
    /// it is still unanswered.
    case cancel(targetRequestID: UInt32, cancellation: AcquireCancellation)
}
