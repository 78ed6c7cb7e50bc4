// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Deadbolt",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "DeadboltCore", targets: ["DeadboltCore"]),
        .library(name: "DeadboltProtocol", targets: ["DeadboltProtocol"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // The lock engine: pure, no I/O, no clock of its own.
        .target(name: "DeadboltCore"),
        // Wire messages and their codecs: pure value types over ByteBuffer.
        .target(
            name: "DeadboltProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .executableTarget(
            name: "DeadboltCoreBenchmark",
            dependencies: ["DeadboltCore"],
            path: "Benchmarks/DeadboltCoreBenchmark"
        ),
        .testTarget(name: "DeadboltCoreTests", dependencies: ["DeadboltCore"]),
        .testTarget(
            name: "DeadboltProtocolTests",
            dependencies: [
                "DeadboltProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
