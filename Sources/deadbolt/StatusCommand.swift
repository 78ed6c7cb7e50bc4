import ArgumentParser

/// `deadbolt status`: who holds and who waits.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the holders and waiters of a lock, or of every lock.",
        discussion: "Times are in milliseconds in --json output; a lease or wait of null has no deadline."
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "A lock's name; without one, every lock held or awaited.") var name: String?
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        try reportingFailures { () throws(CommandFailure) in
            let broker = try connection.connect()
            var states: [ResourceState] = []
            if let name {
                states = [try broker.query(name)]
            } else {
                for entry in try broker.list(prefix: "") { states.append(try broker.query(entry.resource)) }
            }
            if json {
                let value: JSONValue = name != nil ? states[0].json : .array(states.map(\.json))
                print(value.text)
            } else {
                print(Self.table(states), terminator: "")
            }
        }
    }

    /// One row per holder and waiter, under a header; "no locks" when empty.
    static func table(_ states: [ResourceState]) -> String {
        var rows: [[String]] = []
        for state in states {
            for holder in state.holders {
                let lease = holder.leaseRemainingMilliseconds.map { formatDuration(milliseconds: UInt64($0)) } ?? "-"
                rows.append([
                    state.resource, "holds", holder.party.modeName, String(holder.party.pid),
                    String(holder.party.uid), holder.party.owner.isEmpty ? "-" : holder.party.owner, String(holder.token),
                    formatDuration(milliseconds: holder.heldMilliseconds), lease + (holder.detached ? " detached" : ""),
                ])
            }
            for waiter in state.waiters {
                let left = waiter.waitRemainingMilliseconds.map { formatDuration(milliseconds: UInt64($0)) } ?? "-"
                rows.append([
                    state.resource, "waits", waiter.party.modeName, String(waiter.party.pid), String(waiter.party.uid),
                    waiter.party.owner.isEmpty ? "-" : waiter.party.owner, "-",
                    formatDuration(milliseconds: waiter.waitedMilliseconds), left,
                ])
            }
        }
        guard !rows.isEmpty else { return states.count == 1 ? "\(states[0].resource): free\n" : "no locks\n" }
        return formatTable(header: ["RESOURCE", "STATE", "MODE", "PID", "UID", "OWNER", "TOKEN", "FOR", "LEFT"], rows: rows)
    }
}

extension ResourceState {
    var json: JSONValue {
        .object([
            ("resource", .string(resource)),
            ("holders", .array(holders.map { holder in
                .object(holder.party.jsonMembers + [
                    ("detached", .bool(holder.detached)),
                    ("fencingToken", .number(holder.token)),
                    ("holdCount", .number(UInt64(holder.holdCount))),
                    ("heldMilliseconds", .number(holder.heldMilliseconds)),
                    ("leaseRemainingMilliseconds", holder.leaseRemainingMilliseconds.map { .signedNumber($0) } ?? .null),
                ])
            })),
            ("waiters", .array(waiters.map { waiter in
                .object(waiter.party.jsonMembers + [
                    ("waitedMilliseconds", .number(waiter.waitedMilliseconds)),
                    ("waitRemainingMilliseconds", waiter.waitRemainingMilliseconds.map { .signedNumber($0) } ?? .null),
                ])
            })),
        ])
    }
}

extension Party {
    var jsonMembers: [(String, JSONValue)] {
        [
            ("owner", .string(owner)), ("sessionID", .number(sessionID)), ("pid", .signedNumber(Int64(pid))),
            ("uid", .number(UInt64(uid))), ("gid", .number(UInt64(gid))), ("mode", .string(modeName)),
        ]
    }
}

/// Left-aligned columns, two spaces apart.
func formatTable(header: [String], rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
        row.indices.map { column in
            column == row.count - 1 ? row[column] : row[column] + String(repeating: " ", count: widths[column] - row[column].count)
        }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}
