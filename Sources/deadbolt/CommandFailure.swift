import ArgumentParser
import CDeadbolt
import Glibc

/// Exit statuses of their own; the rest are wire status codes (see
/// `Deadbolt.configuration.discussion`) or, for `run`, the command's.
enum ExitStatus {
    /// `run`: the lock was not obtained (`-n`, or `-w` ran out), unless `-E`.
    static let conflict: Int32 = 1
    /// `run`: the lock was lost while the command ran (sysexits EX_TEMPFAIL).
    static let lockLost: Int32 = 75
    /// Bad usage (sysexits EX_USAGE, as argument-parser exits).
    static let usage: Int32 = 64
    /// The daemon cannot be reached, or went away (sysexits EX_UNAVAILABLE).
    static let unavailable: Int32 = 69
    /// The command could not be run: found but not executable, or not found (as shells do).
    static let cannotExecute: Int32 = 126
    static let commandNotFound: Int32 = 127
}

/// A failure to report on stderr as one line, then exit with `status`.
struct CommandFailure: Error {
    var message: String
    var status: Int32

    /// Prints "deadbolt: message" on stderr and exits.
    func exit() -> Never {
        printError(message)
        Glibc.exit(status)
    }
}

/// Prints "deadbolt: message" on stderr.
func printError(_ message: String) {
    var line = "deadbolt: " + message + "\n"
    line.withUTF8 { bytes in
        _ = Glibc.write(STDERR_FILENO, bytes.baseAddress, bytes.count)
    }
}

extension ParsableCommand {
    /// Runs `body`, turning a ``CommandFailure`` into its message and exit status.
    func reportingFailures(_ body: () throws(CommandFailure) -> Void) throws {
        do {
            try body()
        } catch {
            printError(error.message)
            throw ExitCode(error.status)
        }
    }
}
