#if canImport(Glibc)
import Glibc
#endif
import DeadboltCore
import NIOCore

/// A Swift mirror of Linux's `struct ucred`, as SO_PEERCRED returns it.
struct UCred: Sendable {
    var pid: pid_t = 0
    var uid: uid_t = 0
    var gid: gid_t = 0
}

extension Channel {
    /// The credentials of the process at the other end of a Unix socket, as
    /// the kernel recorded them at connect time. Completes at once when
    /// called on the channel's event loop.
    func peerCredentials() -> EventLoopFuture<Peer> {
        guard let provider = self as? SocketOptionProvider else {
            return eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        let future: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
        )
        return future.map { Peer(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
    }
}
