import CDeadbolt
import Glibc

/// "deadbolt: waiting for NAME (held by …)" on stderr once a wait has lasted
/// a second, for a person at a terminal. A thread of its own asks the daemon
/// who holds the lock, on a second connection, while the first waits in the
/// queue (re-queueing would lose the place).
final class WaitingNotice: @unchecked Sendable {
    private let resource: String
    private let socketPath: String?
    private let delayMilliseconds: Int
    /// Guards `waiting`; the notice is printed under it, so none appears
    /// after ``stop()`` returns.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var waiting = true
    private var thread = pthread_t()

    init(resource: String, socketPath: String?, delayMilliseconds: Int = 1000) {
        self.resource = resource
        self.socketPath = socketPath
        self.delayMilliseconds = delayMilliseconds
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { context in
            let notice = Unmanaged<WaitingNotice>.fromOpaque(context!).takeRetainedValue()
            notice.main()
            return nil
        }, context)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// The wait is over: no notice from now on.
    func stop() {
        pthread_mutex_lock(mutex)
        waiting = false
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
        pthread_join(thread, nil)
    }

    private func main() {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        deadline.tv_sec += delayMilliseconds / 1000
        deadline.tv_nsec += (delayMilliseconds % 1000) * 1_000_000
        if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }

        pthread_mutex_lock(mutex)
        while waiting && pthread_cond_timedwait(condition, mutex, &deadline) != ETIMEDOUT {}
        guard waiting else {
            pthread_mutex_unlock(mutex)
            return
        }
        pthread_mutex_unlock(mutex)

        let holder = (try? Broker(socketPath: socketPath).query(resource).holderSummary) ?? "holder unknown"
        pthread_mutex_lock(mutex)
        if waiting { printError("waiting for \(resource) (\(holder))") }
        pthread_mutex_unlock(mutex)
    }
}
