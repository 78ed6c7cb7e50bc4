// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Deadbolt",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "DeadboltCore", targets: ["DeadboltCore"]),
        .library(name: "DeadboltProtocol", targets: ["DeadboltProtocol"]),
        .library(name: "DeadboltServer", targets: ["DeadboltServer"]),
        .library(name: "DeadboltClient", targets: ["DeadboltClient"]),
        .executable(name: "deadboltd", targets: ["deadboltd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // The lock engine: pure, no I/O, no clock of its own.
        .target(name: "DeadboltCore"),
        // Wire messages and their codecs: pure value types over ByteBuffer.
        .target(
            name: "DeadboltProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        // libsystemd's sd-daemon API: socket activation, sd_notify, the watchdog.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // glibc's <malloc.h> (mallopt): deadboltd's allocation policy.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        // The daemon: NIO handlers, sessions, peer credentials, limits, state.
        .target(
            name: "DeadboltServer",
            dependencies: [
                "CSystemd",
                "DeadboltCore",
                "DeadboltProtocol",
                "DeadboltRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "deadboltd",
            dependencies: [
                "CMalloc",
                "DeadboltServer",
                "DeadboltRedis",
                "DeadboltCore",
                "DeadboltProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The async Swift client: classic NIO handlers, requests pipelined and matched by id,
        // LOST events as an AsyncStream, scoped locks with optional automatic renewal.
        .target(
            name: "DeadboltClient",
            dependencies: [
                "DeadboltProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // The README's Swift example; DeadboltClientTests runs the built binary against a daemon.
        .executableTarget(
            name: "DeadboltClientExample",
            dependencies: ["DeadboltClient"],
            path: "examples/swift/LockExample"
        ),
        // The Redis client layer of the lock backend, on SwiftNIO: the RESP2/RESP3 codec,
        // pipelined connections, reconnection with backoff, scripts, pub/sub.
        .target(
            name: "DeadboltRedis",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Starts a real deadboltd on a temp socket for end-to-end tests, and a
        // small blocking client that speaks the wire protocol.
        .target(
            name: "DeadboltTestKit",
            dependencies: ["DeadboltProtocol", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/DeadboltTestKit"
        ),
        .executableTarget(
            name: "DeadboltCoreBenchmark",
            dependencies: ["DeadboltCore"],
            path: "Benchmarks/DeadboltCoreBenchmark"
        ),
        // libdeadbolt, the C client. The Makefile builds the installed
        // libdeadbolt.so and .a from these sources with the system C compiler
        // (a SwiftPM library would link the Swift runtime); this target lets
        // Swift tests call it.
        .target(name: "CDeadbolt", exclude: ["libdeadbolt.map"]),
        // `deadbolt`, the command-line tool. It speaks to the daemon through
        // libdeadbolt (blocking calls, no event loop to start), which keeps
        // `deadbolt run` close to flock(1)'s start-up time.
        .executableTarget(
            name: "deadbolt",
            dependencies: ["CDeadbolt", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // libFuzzer targets (`make fuzz` builds them with -sanitize=fuzzer,address and
        // -DFUZZING); in other builds each replays the files named on its command line.
        .target(name: "FuzzSupport", path: "Fuzz/FuzzSupport"),
        .executableTarget(
            name: "FuzzWireMessages",
            dependencies: ["DeadboltProtocol", "FuzzSupport", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/FuzzWireMessages"
        ),
        .executableTarget(
            name: "FuzzSession",
            dependencies: [
                "DeadboltServer", "DeadboltProtocol", "FuzzSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Fuzz/FuzzSession"
        ),
        .executableTarget(
            name: "FuzzRESP",
            dependencies: ["DeadboltRedis", "FuzzSupport", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/FuzzRESP"
        ),
        .testTarget(name: "DeadboltCoreTests", dependencies: ["DeadboltCore"]),
        .testTarget(name: "DeadboltCLITests", dependencies: ["deadbolt", "DeadboltTestKit"]),
        .testTarget(
            name: "CDeadboltTests",
            dependencies: ["CDeadbolt", "DeadboltTestKit", "DeadboltProtocol"]
        ),
        .testTarget(
            name: "DeadboltProtocolTests",
            dependencies: [
                "DeadboltProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "DeadboltClientTests",
            dependencies: [
                "DeadboltClient",
                "DeadboltTestKit",
                "DeadboltProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "DeadboltRedisTests",
            dependencies: [
                "DeadboltRedis",
                "DeadboltTestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "DeadboltServerTests",
            dependencies: [
                "DeadboltServer",
                "DeadboltTestKit",
                "DeadboltProtocol",
                "DeadboltCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
