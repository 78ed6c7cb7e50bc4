import ArgumentParser
import CDeadbolt

/// `deadbolt`: take, inspect and release Deadbolt locks from a shell.
struct Deadbolt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take, inspect and release locks held by deadboltd.",
        discussion: """
            Exit status: `run` passes on the command's status (128+N if a signal N \
            killed it); 1, or the -E code, when the lock was not obtained; 75 when the \
            lock was lost while the command ran. lock, unlock, renew and force-unlock \
            exit with the daemon's wire status code (0 OK, 1 NOT_GRANTED, \
            2 WAIT_TIMEOUT, 3 LOCK_UNEXIST, 4 LOCK_BELONG_TO_OTHERS, 5 ALREADY_HELD, \
            7 SHUTTING_DOWN, 16 INVALID_ARGUMENT, 17 NAME_TOO_LONG, 18 QUOTA_EXCEEDED, \
            19 PERMISSION_DENIED, 20 UPSTREAM_UNAVAILABLE, 32 PROTOCOL_ERROR, \
            34 INTERNAL). Every command: 64 for bad usage, 69 when the daemon cannot be \
            reached or went away.
            """,
        version: DEADBOLT_VERSION_STRING,
        subcommands: [
            RunCommand.self, LockCommand.self, UnlockCommand.self, RenewCommand.self, StatusCommand.self,
            ListCommand.self, StatsCommand.self, PingCommand.self, ForceUnlockCommand.self,
        ]
    )
}
