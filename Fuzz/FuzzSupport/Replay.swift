#if canImport(Glibc)
import Glibc
#endif

/// The signature of a libFuzzer entry point.
public typealias FuzzTarget = (UnsafePointer<UInt8>, Int) -> CInt

/// In an ordinary build, runs each file named in `paths` through `target`,
/// so that a crash file, or the whole corpus, can be replayed without
/// libFuzzer (`make fuzz` builds the real fuzzers).
public func replay(_ paths: some Sequence<String>, through target: FuzzTarget) {
    var count = 0
    for path in paths {
        guard let file = fopen(path, "rb") else {
            writeError("cannot open \(path)")
            exit(66)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while case let read = fread(&chunk, 1, chunk.count, file), read > 0 { bytes += chunk[..<read] }
        fclose(file)
        _ = bytes.withUnsafeBufferPointer { target($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
        count += 1
    }
    print("replayed \(count) inputs")
}

/// Stops the fuzzer with a message: a broken invariant is a finding.
public func fuzzFailure(_ message: String) -> Never {
    writeError("fuzz invariant broken: \(message)")
    abort()
}

private func writeError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
