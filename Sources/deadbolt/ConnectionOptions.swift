import ArgumentParser

/// The daemon to talk to, shared by every subcommand.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The daemon's socket.",
            discussion: "Default: $DEADBOLT_SOCKET, else the daemon's default path.",
            valueName: "path"
        )
    )
    var socket: String?

    /// Connects, or fails with exit status 69 and a one-line reason.
    func connect() throws(CommandFailure) -> Broker {
        try Broker(socketPath: socket)
    }
}
