import Glibc

/// The command `run` supervises.
struct ChildProcess {
    let pid: pid_t

    /// Starts `arguments` (searched in PATH) with `environment`. Throws a
    /// failure with exit status 127 when it is not found, 126 when it cannot
    /// be executed.
    static func spawn(_ arguments: [String], environment: [String]) throws(CommandFailure) -> ChildProcess {
        var pid: pid_t = 0
        let err = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in
                posix_spawnp(&pid, argv[0]!, nil, nil, argv, envp)
            }
        }
        guard err == 0 else {
            let reason = String(cString: strerror(err))
            let status = err == ENOENT ? ExitStatus.commandNotFound : ExitStatus.cannotExecute
            throw CommandFailure(message: "cannot run \(arguments[0]): \(reason)", status: status)
        }
        return ChildProcess(pid: pid)
    }

    /// Its exit status as a shell reports it (128+N for signal N), if it has
    /// ended; nil while it runs.
    func exitStatusIfEnded() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// The current environment, without `name`, plus `name=value`.
    static func environment(setting values: [(String, String)]) -> [String] {
        var entries: [String] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            if !values.contains(where: { text.hasPrefix($0.0 + "=") }) { entries.append(text) }
            index += 1
        }
        return entries + values.map { "\($0.0)=\($0.1)" }
    }
}

/// Calls `body` with a NULL-terminated array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
