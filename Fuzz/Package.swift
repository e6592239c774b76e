// swift-tools-version:6.0
import PackageDescription

/// libFuzzer harnesses for p2sam-swift's readers, one executable per loader. Kept out of the main
/// package so a normal `swift build` never needs the fuzzer runtime: build them with
/// `scripts/fuzz.sh` (which passes `-sanitize=fuzzer,address`).
let harnesses = [
    "fuzz-png", "fuzz-pth", "fuzz-pickle", "fuzz-npy", "fuzz-npz", "fuzz-nifti", "fuzz-safetensors", "fuzz-report",
]

let package = Package(
    name: "p2sam-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "p2sam-swift", path: "..")],
    targets: [
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport")
    ]
        + harnesses.map { name in
            .executableTarget(
                name: name,
                dependencies: [
                    "FuzzSupport", .product(name: "P2SAMKit", package: "p2sam-swift"),
                ], path: "Sources/\(name)")
        },
    swiftLanguageModes: [.v5]
)
