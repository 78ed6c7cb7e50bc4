@testable import DeadboltServer
import DeadboltProtocol
import FuzzSupport
import Logging
import NIOCore
import NIOEmbedded

#if canImport(Glibc)
import Glibc
#endif

/// A daemon session fed arbitrary bytes, as a client could send them, in
/// chunks whose size the first byte picks; then the client goes away. The
/// session may answer, refuse or close, but never crash, and everything it
/// writes must be whole, well-formed frames.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSession(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let chunkBytes = Int(data[0]) + 1
    let input = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let session = FuzzedSession.shared
    let channel = session.makeChannel()
    var offset = 0
    while offset < input.count, channel.isActive {
        let end = min(offset + chunkBytes, input.count)
        let chunk = ByteBuffer(bytes: UnsafeBufferPointer(rebasing: input[offset..<end]))
        do {
            try channel.writeInbound(chunk)
        } catch {
            break // a decoding error closes the connection, as in the daemon
        }
        offset = end
    }
    // Runs what is due now; timers are left alone. (The service reads the
    // real clock while the embedded loop's time is virtual: advancing the
    // loop's time input after input would one day pass the real uptime and
    // fire every timer ever armed at once.)
    session.loop.run()
    _ = try? channel.finish(acceptAlreadyClosed: true)
    session.checkOutput(channel)
    return 0
}

/// One service for all inputs (as one daemon serves many connections), on an
/// EmbeddedEventLoop.
final class FuzzedSession: @unchecked Sendable {
    static let shared = FuzzedSession()
    let loop = EmbeddedEventLoop()
    let service: LockService

    private init() {
        let directory = "/tmp/deadbolt-fuzz-\(getpid())"
        let store = StateStore(directory: directory)
        try! store.prepare()
        var configuration = ServerConfiguration(listener: .path("/unused"), stateDirectory: directory)
        configuration.serverName = "fuzz"
        configuration.maxFrameBytes = 4096
        // Every input's peer is the same uid (an EmbeddedChannel has no
        // credentials), and detached holds outlive their inputs: per-uid
        // limits keep the shared table small, so an input does not get
        // slower as the run goes on, and the quota paths get fuzzed too.
        configuration.lockTable.maxLocksPerUID = 1_024
        configuration.lockTable.maxWaitersPerUID = 1_024
        configuration.lockTable.maxResources = 1_024
        service = LockService(
            configuration: configuration, fencingFloor: 0, graceUntil: nil, stateStore: store, eventLoop: loop,
            logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    func makeChannel() -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        try! channel.pipeline.syncOperations.addHandler(SessionHandler(service: service))
        try! channel.connect(to: SocketAddress(unixDomainSocketPath: "/unused")).wait()
        return channel
    }

    /// Every byte the session wrote is a whole frame that a client decodes.
    func checkOutput(_ channel: EmbeddedChannel) {
        var stream = ByteBuffer()
        while var chunk = try? channel.readOutbound(as: ByteBuffer.self) { stream.writeBuffer(&chunk) }
        while let length = stream.readInteger(as: UInt32.self) {
            guard var body = stream.readSlice(length: Int(length)) else { fuzzFailure("a partial frame was written") }
            do {
                _ = try ServerMessage.decode(from: &body)
            } catch {
                fuzzFailure("the session wrote a frame no client can decode: \(error)")
            }
        }
        if stream.readableBytes != 0 { fuzzFailure("a partial length prefix was written") }
    }
}

#if !FUZZING
/// Without libFuzzer: replays the files named on the command line.
@main
struct Replayer {
    static func main() {
        replay(CommandLine.arguments.dropFirst(), through: fuzzSession)
    }
}
#endif
