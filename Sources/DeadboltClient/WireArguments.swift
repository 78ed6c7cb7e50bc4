import DeadboltProtocol

/// Checks and conversions of caller arguments into wire fields, done before a request is
/// encoded so that no argument can trap the encoder.
///
/// Names are otherwise checked by the daemon (emptiness, NUL bytes, its `maxNameBytes`), so
/// that the daemon stays the single authority on them; the client only refuses what cannot be
/// put on the wire at all.
enum WireArguments {
    /// The longest `str16` field, in bytes.
    static let maxStr16Bytes = Int(UInt16.max)

    /// Throws ``DeadboltError/Code/nameTooLong`` for a string that does not fit a `str16`
    /// field (65,535 bytes); the daemon's own limit, 255 bytes, is checked by the daemon.
    static func checkStr16(_ string: String, field: String) throws(DeadboltError) {
        let bytes = string.utf8.count
        guard bytes <= Self.maxStr16Bytes else {
            throw DeadboltError(
                code: .nameTooLong,
                message: "\(field) is \(bytes) bytes; a wire string holds at most \(Self.maxStr16Bytes)"
            )
        }
    }

    /// The wire owner: empty for the session.
    static func owner(_ owner: String?) throws(DeadboltError) -> String {
        let owner = owner ?? ""
        try checkStr16(owner, field: "owner")
        return owner
    }

    /// A non-negative duration in whole milliseconds, rounded up so that a positive duration
    /// never becomes 0; saturates at `UInt64.max`.
    static func milliseconds(_ duration: Duration, field: String) throws(DeadboltError) -> UInt64 {
        guard duration >= .zero else {
            throw DeadboltError(code: .invalidArgument, message: "\(field) is negative: \(duration)")
        }
        let (seconds, attoseconds) = duration.components
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let (wholeSeconds, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1000)
        guard !overflow else { return .max }
        let fraction = UInt64((attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond)
        return wholeSeconds.addingReportingOverflow(fraction).overflow ? .max : wholeSeconds + fraction
    }

    /// A TTL field: `nil` is 0 (no lease); a duration must be positive and at most
    /// 2³² − 1 ms. The daemon refuses TTLs above its `--max-ttl-ms`.
    static func ttlMilliseconds(_ ttl: Duration?) throws(DeadboltError) -> UInt32 {
        guard let ttl else { return 0 }
        guard ttl > .zero else {
            throw DeadboltError(code: .invalidArgument, message: "ttl must be positive (nil means no lease), got \(ttl)")
        }
        let milliseconds = try Self.milliseconds(ttl, field: "ttl")
        guard let wire = UInt32(exactly: milliseconds) else {
            throw DeadboltError(code: .invalidArgument, message: "ttl of \(milliseconds) ms does not fit the protocol's 32 bits")
        }
        return wire
    }

    /// A wire TTL back as a duration: 0 is `nil` (no lease).
    static func ttl(milliseconds: UInt32) -> Duration? {
        milliseconds == 0 ? nil : .milliseconds(Int64(milliseconds))
    }

    /// A duration in whole milliseconds for messages, rounded up; negative durations are 0.
    static func wholeMilliseconds(_ duration: Duration) -> UInt64 {
        (try? Self.milliseconds(duration, field: "duration")) ?? 0
    }
}
