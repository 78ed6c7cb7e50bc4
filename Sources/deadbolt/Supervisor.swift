import CDeadbolt
import Glibc

/// Watches the command, the signals to forward, the lock's events and the
/// renewal timer until the command exits.
struct Supervisor {
    let broker: Broker
    let child: ChildProcess
    let resource: String
    let owner: String?
    let onLost: OnLost
    /// True once the lock was lost while the command ran.
    private(set) var lost = false

    init(broker: Broker, child: ChildProcess, resource: String, owner: String?, onLost: OnLost) {
        self.broker = broker
        self.child = child
        self.resource = resource
        self.owner = owner
        self.onLost = onLost
    }

    /// Runs until the command exits; returns its exit status.
    mutating func run(signalFD: Int32, lockFD: Int32, renewEveryMilliseconds: Int32, ttlMilliseconds: UInt32) -> Int32 {
        var watchingLock = true
        let renewing = renewEveryMilliseconds > 0
        var nextRenewal = monotonicMilliseconds() + Int64(renewEveryMilliseconds)
        while true {
            if let status = child.exitStatusIfEnded() { return status }
            if watchingLock && !lost { watchingLock = takeEvents() }
            var fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: watchingLock ? lockFD : -1, events: Int16(POLLIN), revents: 0)]
            let timeout = renewing && !lost ? Int32(clamping: max(0, nextRenewal - monotonicMilliseconds())) : -1
            if poll(&fds, 2, timeout) < 0 && errno != EINTR { return ExitStatus.unavailable }
            for delivery in SignalRelay.drain(signalFD) where delivery.signal != SIGCHLD && !delivery.fromKernel {
                child.send(delivery.signal) // a terminal's Ctrl-C reached the command already
            }
            if renewing && !lost && monotonicMilliseconds() >= nextRenewal {
                nextRenewal += Int64(renewEveryMilliseconds)
                do throws(CommandFailure) {
                    try broker.renew(resource, owner: owner, ttlMilliseconds: ttlMilliseconds)
                } catch {
                    loseLock("renewing it failed: \(error.message)")
                }
            }
        }
    }

    /// Takes the lock's pending events; false once the connection is gone.
    private mutating func takeEvents() -> Bool {
        var event = deadbolt_event()
        while true {
            let got = deadbolt_next_event(broker.handle, &event)
            if got == 0 { return true }
            if got < 0 {
                loseLock("the connection to deadboltd broke: \(String(cString: deadbolt_strerror(got)))")
                return false
            }
            let lostResource = withUnsafeBytes(of: &event.resource) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if lostResource == resource { loseLock(Self.describe(reason: event.reason)) }
        }
    }

    private static func describe(reason: Int32) -> String {
        switch reason {
        case Int32(DEADBOLT_LOST_LEASE_EXPIRED): "its lease expired"
        case Int32(DEADBOLT_LOST_FORCE_RELEASED): "an admin force-unlocked it"
        case Int32(DEADBOLT_LOST_UPSTREAM_LOST): "the upstream lost it"
        default: "reason \(reason)"
        }
    }

    private mutating func loseLock(_ why: String) {
        guard !lost else { return }
        lost = true
        if onLost == .terminate {
            printError("lost the lock on \(resource) (\(why)); sending SIGTERM to the command")
            child.send(SIGTERM)
        } else {
            printError("lost the lock on \(resource) (\(why)); the command goes on (--on-lost=ignore)")
        }
    }
}

private func monotonicMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

func setCloseOnExec(_ fd: Int32, _ on: Bool) {
    let flags = fcntl(fd, F_GETFD)
    guard flags >= 0 else { return }
    _ = fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC)
}

/// Calls `body` with `string` as a C string, or NULL.
func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) throws(CommandFailure) -> R) throws(CommandFailure) -> R {
    guard let string else { return try body(nil) }
    var bytes = Array(string.utf8CString)
    return try bytes.withUnsafeMutableBufferPointer { buffer throws(CommandFailure) in try body(buffer.baseAddress) }
}
