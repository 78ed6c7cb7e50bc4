import ArgumentParser
import CDeadbolt
import Glibc

/// What `run` does when the lock is lost while the command runs.
enum OnLost: String, ExpressibleByArgument, CaseIterable {
    /// Send SIGTERM to the command and exit 75.
    case terminate
    /// Warn, let the command finish, and pass its status on.
    case ignore
}

/// `deadbolt run NAME -- COMMAND`: flock(1) with a broker behind it.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command while holding a lock, like flock(1).",
        discussion: """
            Waits for the lock (forever, unless -n or -w), runs COMMAND with \
            DEADBOLT_TOKEN set to the lock's fencing token, and releases the lock when it \
            exits. The lock is bound to the connection, which COMMAND inherits (unless \
            --close): it is released when both have exited, crashes and kill -9 included. \
            SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to deadbolt are passed on to COMMAND. \
            Exit status: COMMAND's (128+N if signal N killed it); 1, or the -E code, when \
            the lock was not obtained; 75 when the lock was lost while COMMAND ran (it is \
            sent SIGTERM, unless --on-lost=ignore); 126 or 127 when COMMAND cannot be run; \
            64 for bad usage; 69 when the daemon cannot be reached; a wire status code \
            (17 NAME_TOO_LONG, 16 INVALID_ARGUMENT, 18 QUOTA_EXCEEDED, ...) for other refusals.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Flag(name: [.customShort("n"), .customLong("nonblock")], help: "Fail at once if the lock is held.")
    var nonblock = false
    @Option(name: [.short, .customLong("wait")], help: ArgumentHelp("Wait at most this many seconds.", valueName: "seconds"))
    var wait: Seconds?
    @Flag(name: [.short, .long], help: "Take it shared (many holders) instead of exclusive.") var shared = false
    @Option(name: [.customShort("E"), .customLong("conflict-exit-code")], help: "Exit status when the lock is not obtained.")
    var conflictExitCode: Int32 = ExitStatus.conflict
    @Option(help: ArgumentHelp("A lease, in seconds: the lock ends then unless renewed.", valueName: "seconds"))
    var ttl: Seconds?
    @Flag(help: "Renew the lease every third of --ttl while COMMAND runs.") var renew = false
    @Option(help: "Take the lock as this owner (default: this connection).") var owner: String?
    @Option(name: .customLong("on-lost"), help: "When the lock is lost: terminate COMMAND, or ignore it.")
    var onLost: OnLost = .terminate
    @Flag(name: [.customShort("o"), .customLong("close")], help: "Do not let COMMAND inherit the lock's connection.")
    var close = false
    @Argument(help: "The lock's name: 1 to 255 bytes.") var name: String
    @Argument(parsing: .postTerminator, help: "The command to run, after --.") var command: [String] = []

    var options: RunOptions {
        RunOptions(
            socket: connection.socket, nonblock: nonblock, wait: wait, shared: shared,
            conflictExitCode: conflictExitCode, ttl: ttl, renew: renew, owner: owner, onLost: onLost,
            close: close, name: name, command: command
        )
    }

    func validate() throws {
        if let problem = options.problem { throw ValidationError(problem) }
    }

    func run() throws {
        throw ExitCode(LockedRun(options).run())
    }
}
