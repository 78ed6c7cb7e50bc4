import DeadboltRedis
import FuzzSupport
import NIOCore

/// Arbitrary bytes as replies from Redis, parsed whole and then in chunks
/// whose size the first byte picks: no crash, and the same values either way
/// (the parser keeps its place across partial input).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let chunkBytes = Int(data[0] % 16) + 1
    let input = UnsafeBufferPointer(start: data + 1, count: size - 1)

    var whole = ByteBuffer(bytes: input)
    var parser = RESPParser()
    var wholeValues: [RESPValue] = []
    var wholeFailed = false
    do {
        while let value = try parser.parse(&whole) { wholeValues.append(value) }
    } catch {
        wholeFailed = true
    }

    var pieces = ByteBuffer()
    var chunked = RESPParser()
    var chunkedValues: [RESPValue] = []
    var chunkedFailed = false
    var offset = 0
    outer: while offset < input.count {
        let end = min(offset + chunkBytes, input.count)
        pieces.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(input)[offset..<end]))
        offset = end
        do {
            while let value = try chunked.parse(&pieces) { chunkedValues.append(value) }
        } catch {
            chunkedFailed = true
            break outer
        }
    }
    // Compared as text: a RESP3 double may be NaN, which is not equal to itself.
    if !wholeFailed && !chunkedFailed && "\(wholeValues)" != "\(chunkedValues)" {
        fuzzFailure("parsing in chunks of \(chunkBytes) gave other values than parsing whole")
    }
    return 0
}

#if !FUZZING
/// Without libFuzzer: replays the files named on the command line.
@main
struct Replayer {
    static func main() {
        replay(CommandLine.arguments.dropFirst(), through: fuzzRESP)
    }
}
#endif
