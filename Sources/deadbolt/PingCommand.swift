import ArgumentParser
import CDeadbolt
import Glibc

/// `deadbolt ping`: is the daemon there, and how fast does it answer.
struct PingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Check that the daemon answers; print its name and the round trip.",
        discussion: "Exit status: 0 when it answers, 69 when it cannot be reached."
    )

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try reportingFailures { () throws(CommandFailure) in
            let broker = try connection.connect()
            var start = timespec(), end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            try broker.ping()
            clock_gettime(CLOCK_MONOTONIC, &end)
            let microseconds = (end.tv_sec - start.tv_sec) * 1_000_000 + (end.tv_nsec - start.tv_nsec) / 1000
            var info = broker.sessionInfo
            let server = withUnsafeBytes(of: &info.server_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            print("\(server) answered in \(microseconds) µs (session \(info.session_id))")
        }
    }
}
