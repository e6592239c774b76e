// swift-tools-version:6.0
import PackageDescription

/// A program that depends on p2sam-swift by path, as an application would: it names no model file and
/// is run from another working directory, so it finds the checkpoint and the bundled P²SAM model only
/// through the library's search order (`ModelSearch`). `scripts/test-consumer-package.sh` builds and runs it.
let package = Package(
    name: "consumer",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "p2sam-swift", path: "../..")],
    targets: [
        .executableTarget(
            name: "consumer", dependencies: [.product(name: "P2SAMKit", package: "p2sam-swift")],
            path: "Sources/consumer")
    ]
)
