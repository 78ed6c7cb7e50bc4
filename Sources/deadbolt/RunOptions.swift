/// What `deadbolt run` was asked to do, however it was parsed.
struct RunOptions: Equatable {
    var socket: String?
    var nonblock = false
    var wait: Seconds?
    var shared = false
    var conflictExitCode: Int32 = ExitStatus.conflict
    var ttl: Seconds?
    var renew = false
    var owner: String?
    var onLost: OnLost = .terminate
    var close = false
    var name = ""
    var command: [String] = []

    /// What is wrong with these options, if anything (a usage error).
    var problem: String? {
        if command.isEmpty { return "no command given: deadbolt run NAME -- COMMAND [ARGS...]" }
        if nonblock && wait != nil { return "-n and -w are exclusive" }
        if renew && (ttl?.milliseconds ?? 0) == 0 { return "--renew needs --ttl" }
        if !(0...255).contains(conflictExitCode) { return "-E takes 0 to 255" }
        return nil
    }

    /// Parses the usual forms of `run`'s arguments (those after "run")
    /// directly, because argument-parser's reflection costs `deadbolt run`
    /// most of its start-up time. Returns nil for anything else (--help,
    /// bundled short flags, an unknown or malformed option), which then goes
    /// through argument-parser and its error messages. The grammar is
    /// RunCommand's; CommandLineTests checks that both agree.
    static func parseFast(_ arguments: ArraySlice<String>) -> RunOptions? {
        var options = RunOptions()
        var rest = arguments
        var name: String?
        while let argument = rest.popFirst() {
            if argument == "--" {
                options.command = Array(rest)
                break
            }
            guard argument.hasPrefix("-") && argument != "-" else {
                guard name == nil else { return nil } // a second positional before "--"
                name = argument
                continue
            }
            // "--option=value" or "--option value" / "-o value".
            var key = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                key = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            func value() -> String? { inlineValue ?? rest.popFirst() }
            func flag(_ set: (inout RunOptions) -> Void) -> Bool {
                guard inlineValue == nil else { return false }
                set(&options)
                return true
            }
            let understood: Bool
            switch key {
            case "-n", "--nonblock": understood = flag { $0.nonblock = true }
            case "-s", "--shared": understood = flag { $0.shared = true }
            case "--renew": understood = flag { $0.renew = true }
            case "-o", "--close": understood = flag { $0.close = true }
            case "-w", "--wait":
                options.wait = value().flatMap(Seconds.init(argument:))
                understood = options.wait != nil
            case "--ttl":
                options.ttl = value().flatMap(Seconds.init(argument:))
                understood = options.ttl != nil
            case "-E", "--conflict-exit-code":
                guard let code = value().flatMap({ Int32($0) }) else { return nil }
                options.conflictExitCode = code
                understood = true
            case "--owner":
                options.owner = value()
                understood = options.owner != nil
            case "--on-lost":
                guard let policy = value().flatMap(OnLost.init(rawValue:)) else { return nil }
                options.onLost = policy
                understood = true
            case "--socket":
                options.socket = value()
                understood = options.socket != nil
            default:
                understood = false
            }
            guard understood else { return nil }
        }
        guard let name, !options.command.isEmpty else { return nil }
        options.name = name
        return options
    }
}
