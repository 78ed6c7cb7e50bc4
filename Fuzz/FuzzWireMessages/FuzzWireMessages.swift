import DeadboltProtocol
import FuzzSupport
import NIOCore

/// Arbitrary bytes as a stream of frames, each body decoded both as a client
/// request (what the daemon reads) and as a daemon message (what a client
/// reads). Neither decoder may crash; whatever decodes must encode back to
/// a value that decodes the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireMessages(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var stream = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    while let length = stream.readInteger(as: UInt32.self) {
        guard length <= 65_536, var body = stream.readSlice(length: Int(length)) else { break }
        var asRequest = body
        if let frame = try? RequestFrame.decode(from: &asRequest) {
            var encoded = ByteBuffer()
            frame.encode(into: &encoded)
            guard let again = try? RequestFrame.decode(from: &encoded), again == frame else {
                fuzzFailure("request \(frame) does not survive encode and decode")
            }
        }
        if let message = try? ServerMessage.decode(from: &body) {
            var encoded = ByteBuffer()
            message.encode(into: &encoded)
            guard let again = try? ServerMessage.decode(from: &encoded), again == message else {
                fuzzFailure("message \(message) does not survive encode and decode")
            }
        }
    }
    return 0
}

#if !FUZZING
/// Without libFuzzer: replays the files named on the command line.
@main
struct Replayer {
    static func main() {
        replay(CommandLine.arguments.dropFirst(), through: fuzzWireMessages)
    }
}
#endif
