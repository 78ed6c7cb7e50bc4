import DeadboltProtocol

extension DeadboltClient {
    /// How long an acquire waits for a lock that is held in a conflicting mode.
    ///
    /// Waiters are served first come, first served. A waiting acquire ends with a grant,
    /// ``DeadboltError/Code/waitTimeout``, ``DeadboltError/Code/shuttingDown``, the
    /// connection's close, or the cancellation of its task (which withdraws it from the queue).
    public struct Wait: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case tryOnce
            case forever
            case upTo(Duration)
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// Try once: a held lock fails at once with ``DeadboltError/Code/notGranted``.
        public static let none = Wait(.tryOnce)
        /// Wait until granted, without a deadline.
        public static let forever = Wait(.forever)

        /// Wait at most `limit`, then fail with ``DeadboltError/Code/waitTimeout``.
        ///
        /// `limit` is rounded up to whole milliseconds; `.zero` tries once, and a limit of
        /// 2³² − 1 ms (about 49.7 days) or more waits that long. A negative limit is
        /// ``DeadboltError/Code/invalidArgument``.
        public static func upTo(_ limit: Duration) -> Wait {
            Wait(.upTo(limit))
        }

        /// `none`, `forever` or `up to <duration>`.
        public var description: String {
            switch self.base {
            case .tryOnce: return "none"
            case .forever: return "forever"
            case .upTo(let limit): return "up to \(limit)"
            }
        }

        /// The ACQUIRE's `waitMilliseconds`: 0 tries once, `0xFFFFFFFF` waits forever, so a
        /// bounded wait stops one millisecond short of it.
        func wireMilliseconds() throws(DeadboltError) -> UInt32 {
            switch self.base {
            case .tryOnce:
                return 0
            case .forever:
                return AcquireRequest.waitForever
            case .upTo(let limit):
                let milliseconds = try WireArguments.milliseconds(limit, field: "wait")
                return UInt32(min(milliseconds, UInt64(AcquireRequest.waitForever - 1)))
            }
        }
    }
}
