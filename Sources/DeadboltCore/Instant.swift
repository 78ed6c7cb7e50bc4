/// A point on the caller's monotonic clock, in nanoseconds.
///
/// The engine never reads a clock: every call that depends on time takes an
/// `Instant` from its caller, so tests drive it with a manual clock.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since an arbitrary, fixed origin (e.g. boot time).
    public var nanoseconds: UInt64

    @inlinable
    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    /// An instant `milliseconds` after the origin.
    @inlinable
    public static func milliseconds(_ milliseconds: UInt64) -> Instant {
        Instant(nanoseconds: milliseconds &* 1_000_000)
    }

    public static let zero = Instant(nanoseconds: 0)

    /// `self` plus `milliseconds`, saturating at the end of time.
    @inlinable
    public func adding(milliseconds: UInt32) -> Instant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(UInt64(milliseconds) &* 1_000_000)
        return Instant(nanoseconds: overflow ? .max : sum)
    }

    /// Whole milliseconds from `earlier` to `self`, rounded down; 0 if `earlier` is later.
    @inlinable
    public func milliseconds(since earlier: Instant) -> UInt64 {
        nanoseconds > earlier.nanoseconds ? (nanoseconds - earlier.nanoseconds) / 1_000_000 : 0
    }

    /// Whole milliseconds from `self` until `later`, rounded up, so that a
    /// positive remainder never reads as 0; 0 if `later` has passed.
    @inlinable
    public func millisecondsUntil(_ later: Instant) -> UInt64 {
        later.nanoseconds > nanoseconds ? (later.nanoseconds - nanoseconds + 999_999) / 1_000_000 : 0
    }

    @inlinable
    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    public var description: String { "\(nanoseconds)ns" }
}
