// swift-tools-version:6.0
import PackageDescription

/// p2sam-swift: LiteMedSAM in Swift, P²SAM probabilistic segmentation, and multi-rater metrics.
///
/// System libraries come from Debian's `-dev` packages (`scripts/install-deps.sh` installs them):
/// OpenBLAS (CBLAS GEMM), GSL (random numbers), libpng (image I/O) and zlib (`.npz`, `.nii.gz`).
let package = Package(
    name: "p2sam-swift",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "P2SAMKit", targets: [
            "SAMTensor", "SAMAutograd", "TorchCheckpoint", "MedImageIO", "LiteMedSAM",
            "MultiRaterMetrics", "MultiRaterData", "PromptUncertainty", "P2SAM", "P2SAMTraining",
        ]),
        .executable(name: "p2sam", targets: ["p2sam"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Thin C shims: nothing else in the package includes a C header.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CGSL", path: "Sources/CGSL"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),

        // Float32 tensors, CBLAS GEMM, convolutions, norms, attention.
        .target(name: "SAMTensor", dependencies: ["CBLAS", "CMalloc"]),
        // Reverse-mode autograd, losses and optimisers for training on CPU.
        .target(name: "SAMAutograd", dependencies: ["SAMTensor"]),
        // PyTorch `.pth` zip + restricted pickle, NumPy `.npy`/`.npz`.
        .target(name: "TorchCheckpoint", dependencies: ["CZlib"]),
        // PNG read/write, resizing, LiteMedSAM pre/post-processing, overlays and heat maps.
        .target(name: "MedImageIO", dependencies: ["CPNG"]),
        // TinyViT image encoder, SAM prompt encoder and mask decoder, predictor.
        .target(name: "LiteMedSAM", dependencies: ["SAMTensor", "TorchCheckpoint", "MedImageIO"]),
        // IoU/Dice, GED, HM-IoU, D_max/D_mean, diversity, calibration.
        .target(name: "MultiRaterMetrics"),
        // Multi-rater datasets: readers, splits, synthetic generator.
        .target(name: "MultiRaterData", dependencies: ["TorchCheckpoint", "MedImageIO", "MultiRaterMetrics", "CGSL", "CZlib"]),

        // Prompt augmentation, multi-sample aggregation, UR-SAM and MedSAM-U (training-free uncertainty).
        .target(name: "PromptUncertainty", dependencies: ["LiteMedSAM", "MedImageIO", "MultiRaterMetrics", "MultiRaterData", "SAMTensor", "CGSL"]),

        // P²SAM inference: model file, prompt generation network, sampler.
        .target(name: "P2SAM", dependencies: ["LiteMedSAM", "SAMTensor", "SAMAutograd", "MedImageIO", "MultiRaterMetrics", "MultiRaterData", "CGSL"]),
        // P²SAM training: differentiable decoder, stages 1 and 2.
        .target(name: "P2SAMTraining", dependencies: ["P2SAM", "LiteMedSAM", "SAMAutograd", "SAMTensor", "MedImageIO", "MultiRaterData", "MultiRaterMetrics", "CGSL"]),

        .executableTarget(name: "p2sam", dependencies: [
            "SAMTensor", "TorchCheckpoint", "MedImageIO", "LiteMedSAM",
            "MultiRaterMetrics", "MultiRaterData", "PromptUncertainty", "P2SAM", "P2SAMTraining",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Examples/: a library user's program (built with the package so it stays correct).
        .executableTarget(name: "sample-and-score", dependencies: ["P2SAM", "MedImageIO", "MultiRaterMetrics"],
                          path: "Examples/SampleAndScore"),

        .testTarget(name: "SAMTensorTests", dependencies: ["SAMTensor"]),
        .testTarget(name: "SAMAutogradTests", dependencies: ["SAMAutograd", "SAMTensor"]),
        .testTarget(name: "TorchCheckpointTests", dependencies: ["TorchCheckpoint"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MedImageIOTests", dependencies: ["MedImageIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LiteMedSAMTests", dependencies: ["LiteMedSAM", "SAMTensor", "TorchCheckpoint", "MedImageIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MultiRaterMetricsTests", dependencies: ["MultiRaterMetrics"], resources: [.copy("Fixtures")]),
        .testTarget(name: "P2SAMTests", dependencies: ["P2SAM", "LiteMedSAM", "SAMTensor", "SAMAutograd", "MedImageIO"]),
        .testTarget(name: "P2SAMTrainingTests", dependencies: ["P2SAMTraining", "P2SAM", "LiteMedSAM", "SAMTensor", "SAMAutograd", "MultiRaterData"]),
        .testTarget(name: "P2SAMCLITests", dependencies: ["TorchCheckpoint", "MedImageIO"]),
        .testTarget(name: "PromptUncertaintyTests", dependencies: ["PromptUncertainty", "LiteMedSAM", "MedImageIO", "MultiRaterMetrics", "MultiRaterData"]),
        .testTarget(name: "MultiRaterDataTests", dependencies: ["MultiRaterData", "MultiRaterMetrics"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
