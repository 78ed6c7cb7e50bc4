import ArgumentParser

/// A duration given in seconds on the command line ("30", "0.5"), held in
/// milliseconds.
struct Seconds: ExpressibleByArgument, Equatable {
    var milliseconds: UInt32

    init?(argument: String) {
        guard let seconds = Double(argument), seconds.isFinite, seconds >= 0 else { return nil }
        let milliseconds = (seconds * 1000).rounded()
        // UInt32.max milliseconds is the protocol's "wait forever"; leases
        // and waits stop one short (about 49.7 days).
        guard milliseconds < Double(UInt32.max) else { return nil }
        self.milliseconds = UInt32(milliseconds)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
