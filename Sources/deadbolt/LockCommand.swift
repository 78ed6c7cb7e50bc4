import ArgumentParser
import CDeadbolt

/// `deadbolt lock`: a detached lock, which outlives this command until it is
/// unlocked with its owner or its lease ends.
struct LockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Take a detached lock and print its fencing token.",
        discussion: """
            The lock outlives this command: release it with `deadbolt unlock NAME --owner STR` \
            (any process of the same uid may), extend it with `deadbolt renew`, or let the \
            lease run out. Exit status: the daemon's status code (0 OK, 1 NOT_GRANTED, \
            2 WAIT_TIMEOUT, 5 ALREADY_HELD, 16 INVALID_ARGUMENT, 17 NAME_TOO_LONG, \
            18 QUOTA_EXCEEDED, ...); 69 if the daemon cannot be reached.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The lock's name: 1 to 255 bytes.") var name: String
    @Option(help: "The owner to take it as; unlock and renew must present it.") var owner: String
    @Option(help: ArgumentHelp("The lease, in seconds (required: a detached lock needs one).", valueName: "seconds"))
    var ttl: Seconds
    @Option(name: [.short, .customLong("wait")], help: ArgumentHelp("Wait up to this many seconds (default: try once).", valueName: "seconds"))
    var wait: Seconds?
    @Flag(name: [.short, .long], help: "Take it shared (many holders) instead of exclusive.") var shared = false

    func validate() throws {
        guard ttl.milliseconds > 0 else { throw ValidationError("--ttl must be more than 0: a detached lock needs a lease") }
    }

    func run() throws {
        try reportingFailures { () throws(CommandFailure) in
            let broker = try connection.connect()
            var options = deadbolt_lock_options()
            deadbolt_lock_options_init(&options)
            options.mode = shared ? Int32(DEADBOLT_SHARED) : Int32(DEADBOLT_EXCLUSIVE)
            options.ttl_ms = ttl.milliseconds
            options.wait_ms = Int64(wait?.milliseconds ?? 0)
            options.flags = UInt32(DEADBOLT_DETACHED)
            let token = try withOptionalCString(owner) { owner throws(CommandFailure) in
                options.owner = owner
                return try broker.lock(name, options: options)
            }
            print(token)
        }
    }
}

/// `deadbolt unlock`: release a lock taken with an owner string.
struct UnlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Release a lock taken with --owner.",
        discussion: """
            Exit status: 0 released; 3 LOCK_UNEXIST (nobody holds it under that owner); \
            4 LOCK_BELONG_TO_OTHERS (another owner holds it); 19 PERMISSION_DENIED (the \
            owner belongs to another uid); 17 NAME_TOO_LONG; 69 if the daemon cannot be reached.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The lock's name.") var name: String
    @Option(help: "The owner it was taken as.") var owner: String

    func run() throws {
        try reportingFailures { () throws(CommandFailure) in
            try connection.connect().unlock(name, owner: owner)
        }
    }
}

/// `deadbolt renew`: extend the lease of a lock taken with an owner string.
struct RenewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Set the remaining lease of a lock taken with --owner.",
        discussion: """
            The lease becomes --ttl seconds from now; the fencing token does not change. \
            Exit status: as unlock, and 16 INVALID_ARGUMENT for a TTL of 0 on a detached \
            lock or above the daemon's maximum.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The lock's name.") var name: String
    @Option(help: "The owner it was taken as.") var owner: String
    @Option(help: ArgumentHelp("The new lease, in seconds from now.", valueName: "seconds")) var ttl: Seconds

    func run() throws {
        try reportingFailures { () throws(CommandFailure) in
            try connection.connect().renew(name, owner: owner, ttlMilliseconds: ttl.milliseconds)
        }
    }
}

/// `deadbolt force-unlock`: an admin's way out of a stuck lock.
struct ForceUnlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "force-unlock",
        abstract: "Remove every holder of a lock (root or the daemon's admin group).",
        discussion: """
            Holders whose connections are open get a LOST event; waiters are then served. \
            Prints how many holders were removed. Exit status: 0; 19 PERMISSION_DENIED for \
            anyone but root or a member of --admin-group; 69 if the daemon cannot be reached.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The lock's name.") var name: String

    func run() throws {
        try reportingFailures { () throws(CommandFailure) in
            print(try connection.connect().forceUnlock(name))
        }
    }
}
