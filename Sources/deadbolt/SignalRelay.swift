import Glibc

/// Turns SIGCHLD, SIGINT, SIGTERM, SIGHUP and SIGQUIT into bytes on a pipe
/// that the run loop polls (the self-pipe trick: the handler only write(2)s,
/// which is async-signal-safe). Installed once the lock is held; before
/// that, the signals keep their default actions, so Ctrl-C ends a wait.
enum SignalRelay {
    /// The signals `run` handles: its child's exit, and those it forwards.
    static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    /// One record per signal: the signal number, and 1 if the kernel sent it
    /// (a terminal's Ctrl-C, which reached the child's process group too).
    struct Delivery {
        var signal: Int32
        var fromKernel: Bool
    }

    /// Installs the handlers; returns the pipe's read end (non-blocking).
    static func install() -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return -1 }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        signalPipeWriteFD = fds[1]
        for signal in forwarded + [SIGCHLD] {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = relaySignal
            action.sa_flags = SA_SIGINFO | SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
        return fds[0]
    }

    /// Reads what the handlers wrote so far.
    static func drain(_ fd: Int32) -> [Delivery] {
        var deliveries: [Delivery] = []
        var record: (UInt8, UInt8) = (0, 0)
        while withUnsafeMutableBytes(of: &record, { read(fd, $0.baseAddress, 2) }) == 2 {
            deliveries.append(Delivery(signal: Int32(record.0), fromKernel: record.1 != 0))
        }
        return deliveries
    }
}

/// The pipe's write end, set once before the handlers are installed.
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

private let relaySignal: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = {
    signal, info, _ in
    let savedErrno = errno
    let fromKernel = info.map { $0.pointee.si_code == Int32(SI_KERNEL) } ?? false
    var record: (UInt8, UInt8) = (UInt8(truncatingIfNeeded: signal), fromKernel ? 1 : 0)
    _ = withUnsafeBytes(of: &record) { write(signalPipeWriteFD, $0.baseAddress, 2) }
    errno = savedErrno
}
