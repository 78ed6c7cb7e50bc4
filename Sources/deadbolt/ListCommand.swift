import ArgumentParser

/// `deadbolt list`: the locks held or awaited, by name.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the locks that are held or awaited, in byte order of their names."
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Only names that start with this.") var prefix: String = ""
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        try reportingFailures { () throws(CommandFailure) in
            let entries = try connection.connect().list(prefix: prefix)
            if json {
                print(JSONValue.array(entries.map { entry in
                    .object([
                        ("resource", .string(entry.resource)), ("mode", .string(entry.shared ? "shared" : "exclusive")),
                        ("holderCount", .number(UInt64(entry.holderCount))), ("waiterCount", .number(UInt64(entry.waiterCount))),
                    ])
                }).text)
            } else if entries.isEmpty {
                print("no locks")
            } else {
                let rows = entries.map {
                    [$0.resource, $0.shared ? "shared" : "exclusive", String($0.holderCount), String($0.waiterCount)]
                }
                print(formatTable(header: ["RESOURCE", "MODE", "HOLDERS", "WAITERS"], rows: rows), terminator: "")
            }
        }
    }
}
