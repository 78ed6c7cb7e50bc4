import Glibc

// `deadbolt run` is called from cron and scripts thousands of times: its
// usual forms skip argument-parser (see RunOptions.parseFast); everything
// else, including every usage error, goes through it.
let arguments = CommandLine.arguments.dropFirst()
if arguments.first == "run", let options = RunOptions.parseFast(arguments.dropFirst()), options.problem == nil {
    exit(LockedRun(options).run())
}
Deadbolt.main()
