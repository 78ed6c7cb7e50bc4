import NIOConcurrencyHelpers

/// What one acquire's task and its cancellation handler share, so that cancelling never
/// loses a CANCEL and never sends one for an ACQUIRE that was not sent.
///
/// The request id is chosen on the event loop when the handler writes the ACQUIRE, while
/// the cancellation handler runs on whatever thread cancelled the task, at any moment. So
/// cancellation is a small state machine under a lock:
///
/// - cancelled before the ACQUIRE was handed to the channel: it is never sent;
/// - cancelled while it is on its way to the handler: the handler sends CANCEL right after it;
/// - cancelled once the handler has given it an id: the cancellation handler sends CANCEL.
///
/// The lock is never held while writing to the channel.
final class AcquireCancellation: Sendable {
    private enum State {
        /// The ACQUIRE has not been handed to the channel.
        case idle
        /// Handed to the channel; the handler has not given it an id yet.
        case writing
        /// The handler wrote it with this id.
        case sent(requestID: UInt32)
        /// Cancelled while `writing`: the handler owes a CANCEL.
        case cancelRequested
        /// Cancelled before sending, or a CANCEL has been (or is being) sent.
        case cancelled
    }

    private let state = NIOLockedValueBox(State.idle)

    /// Called by the task before it writes the ACQUIRE; false when the task was already
    /// cancelled, so nothing must be sent.
    func beginWriting() -> Bool {
        self.state.withLockedValue { state in
            guard case .idle = state else { return false }
            state = .writing
            return true
        }
    }

    /// Called by the handler, on the event loop, once the ACQUIRE has its id; true when the
    /// task was cancelled meanwhile and the handler must send CANCEL for it now.
    func sent(requestID: UInt32) -> Bool {
        self.state.withLockedValue { state in
            switch state {
            case .writing:
                state = .sent(requestID: requestID)
                return false
            case .cancelRequested:
                state = .cancelled
                return true
            case .idle, .sent, .cancelled:
                return false
            }
        }
    }

    /// Called by the task's cancellation handler; returns the request id to send CANCEL for,
    /// if that is now the caller's job.
    func cancel() -> UInt32? {
        self.state.withLockedValue { state in
            switch state {
            case .idle:
                state = .cancelled
                return nil
            case .writing:
                state = .cancelRequested
                return nil
            case .sent(let requestID):
                state = .cancelled
                return requestID
            case .cancelRequested, .cancelled:
                return nil
            }
        }
    }
}
