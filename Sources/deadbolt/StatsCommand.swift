import ArgumentParser

/// `deadbolt stats`: the daemon's counters.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print the daemon's counters.",
        discussion: """
            --prometheus prints the Prometheus text exposition format, e.g. for \
            node_exporter's textfile collector: \
            `deadbolt stats --prometheus > /var/lib/node_exporter/deadbolt.prom.$$ && mv …`.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print a JSON object.") var json = false
    @Flag(help: "Print the Prometheus text exposition format.") var prometheus = false

    func validate() throws {
        if json && prometheus { throw ValidationError("--json and --prometheus are exclusive") }
    }

    func run() throws {
        try reportingFailures { () throws(CommandFailure) in
            let counters = try connection.connect().stats()
            if json {
                print(JSONValue.object(counters.map { ($0.name, .number($0.value)) }).text)
            } else if prometheus {
                print(Self.prometheusExposition(counters), terminator: "")
            } else {
                print(formatTable(header: ["COUNTER", "VALUE"], rows: counters.map { [$0.name, String($0.value)] }), terminator: "")
            }
        }
    }

    /// Each counter as `deadbolt_<name>`, with HELP and TYPE lines: names
    /// ending in `_total` only grow (counter), the rest are current values
    /// (gauge), as docs/PROTOCOL.md says of STATS.
    static func prometheusExposition(_ counters: [(name: String, value: UInt64)]) -> String {
        var text = ""
        for (name, value) in counters {
            let metric = "deadbolt_" + String(String.UnicodeScalarView(name.unicodeScalars.map {
                ($0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "_") ? $0 : "_"
            }))
            let type = name.hasSuffix("_total") ? "counter" : "gauge"
            text += "# HELP \(metric) deadboltd's \(name) (see docs/PROTOCOL.md, STATS).\n"
            text += "# TYPE \(metric) \(type)\n"
            text += "\(metric) \(value)\n"
        }
        return text
    }
}
