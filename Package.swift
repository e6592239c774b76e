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
        .library(name: "P2SAMKit", targets: ["P2SAMKit"]),
        .executable(name: "p2sam", targets: ["p2sam"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` (scripts/docs.sh); build-time only, nothing is linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // Thin C shims: nothing else in the package includes a C header.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CGSL", path: "Sources/CGSL"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),

        // Float32 tensors, CBLAS GEMM, convolutions, norms, attention.
        // Vectorised non-GEMM kernels, compiled per instruction set and dispatched at run time.
        .target(name: "CKernels"),
        .target(name: "SAMTensor", dependencies: ["CBLAS", "CMalloc", "CKernels"]),
        // Plain-words text for Foundation file errors, shared by every reader and writer.
        .target(name: "FileErrors"),
        // Weight and array formats: PyTorch `.pth` zip + restricted pickle, NumPy `.npy`/`.npz`, safetensors.
        .target(name: "TorchCheckpoint", dependencies: ["SAMTensor", "FileErrors", "CZlib"]),
        // Reverse-mode autograd: the tape, differentiable primitives and losses, saving parameters.
        .target(name: "SAMAutograd", dependencies: ["SAMTensor", "TorchCheckpoint"]),
        // Optimisers and their helpers: Adam/AdamW, ReduceLROnPlateau, sharpness-aware minimisation,
        // uncertainty weighting of losses, gradient clipping, the NaN guard. Only training imports them.
        .target(name: "Optimisers", dependencies: ["SAMAutograd", "SAMTensor"]),
        // The layers tier: layers that declare their PyTorch keys once, strict weight loading, and the two
        // forward contexts (tape-free inference on tensors, gradient recording on autograd variables).
        .target(name: "SAMLayers", dependencies: ["SAMTensor", "SAMAutograd", "TorchCheckpoint"]),
        // The seeded GSL random source shared by samplers, prompt augmentation, splits and training.
        .target(name: "SeededSampling", dependencies: ["CGSL"]),
        // PNG read/write, resizing kernels, prompt geometry, overlays and heat maps.
        .target(name: "MedImageIO", dependencies: ["FileErrors", "CPNG"]),
        // TinyViT image encoder, SAM prompt encoder and mask decoder, pre/post-processing, predictor.
        .target(name: "LiteMedSAM", dependencies: ["SAMLayers", "SAMTensor", "TorchCheckpoint", "MedImageIO"]),
        // IoU/Dice, GED, HM-IoU, D_max/D_mean, diversity, calibration.
        .target(name: "MultiRaterMetrics"),
        // Multi-rater datasets: readers, splits, synthetic generator.
        .target(
            name: "MultiRaterData",
            dependencies: [
                "FileErrors", "TorchCheckpoint", "MedImageIO", "MultiRaterMetrics", "SeededSampling", "CZlib",
            ]),

        // Prompt augmentation, multi-sample aggregation, UR-SAM and MedSAM-U (training-free uncertainty).
        .target(
            name: "PromptUncertainty",
            dependencies: ["LiteMedSAM", "MedImageIO", "MultiRaterMetrics", "SeededSampling", "SAMTensor"]),

        // Dataset runs split into shards (--shard i/n): per-case seeds, JSON Lines records, resume, merge.
        .target(name: "ShardedRuns", dependencies: ["TorchCheckpoint"]),

        // P²SAM inference: model file, prompt generation network, sampler.
        .target(
            name: "P2SAM",
            dependencies: [
                "SAMLayers", "LiteMedSAM", "SAMTensor", "TorchCheckpoint", "MedImageIO", "SeededSampling",
                "PromptUncertainty",
            ]),
        // P²SAM training: differentiable decoder, stages 1 and 2.
        .target(
            name: "P2SAMTraining",
            dependencies: [
                "SAMLayers", "Optimisers", "Training",
                "P2SAM", "LiteMedSAM", "SAMAutograd", "SAMTensor", "TorchCheckpoint", "MedImageIO", "MultiRaterData",
                "MultiRaterMetrics", "SeededSampling",
            ]),

        // AutoMedSAM inference: class prompt encoder, model file, class segmentation (issue 12).
        .target(
            name: "AutoMedSAM",
            dependencies: ["SAMLayers", "LiteMedSAM", "SAMTensor", "TorchCheckpoint", "SeededSampling"]),
        // AutoMedSAM training: the recipe on `Trainer` (distillation, Dice, BCE, shape distance).
        .target(
            name: "AutoMedSAMTraining",
            dependencies: [
                "AutoMedSAM", "SAMLayers", "Optimisers", "Training", "LiteMedSAM", "SAMAutograd", "SAMTensor",
                "MedImageIO", "MultiRaterData", "MultiRaterMetrics", "SeededSampling", "P2SAMTraining",
            ]),

        // The generic trainer: trainable selection, Adam/AdamW steps, LR schedules, epoch loop with
        // validation, keep-best, resume, NaN guard and progress events; the embedding cache.
        .target(
            name: "Training",
            dependencies: ["Optimisers", "SAMLayers", "SAMAutograd", "SAMTensor", "TorchCheckpoint", "SeededSampling"]),
        // The evaluation runner: the method protocol, per-case records and the report of a multi-rater run;
        // paired comparisons of two runs' reports.
        .target(
            name: "Evaluation",
            dependencies: [
                "CGSL", "FileErrors", "LiteMedSAM", "MedImageIO", "MultiRaterData", "MultiRaterMetrics",
                "PromptUncertainty", "P2SAM",
                "SeededSampling", "ShardedRuns",
            ]),

        // The umbrella module: `import P2SAMKit` re-exports every library module.
        .target(
            name: "P2SAMKit",
            dependencies: [
                "SAMTensor", "TorchCheckpoint", "SAMAutograd", "SAMLayers", "Optimisers", "Training", "SeededSampling",
                "MedImageIO", "LiteMedSAM", "MultiRaterMetrics", "MultiRaterData", "PromptUncertainty", "Evaluation",
                "P2SAM", "P2SAMTraining", "ShardedRuns", "AutoMedSAM", "AutoMedSAMTraining",
            ]),

        // U-MedSAM fine-tuning (uncertainty-weighted losses, sharpness-aware AdamW) on `Trainer`.
        .target(
            name: "UMedSAMTraining",
            dependencies: [
                "SAMLayers", "Optimisers", "Training", "LiteMedSAM", "SAMAutograd", "SAMTensor", "MedImageIO",
                "MultiRaterData", "MultiRaterMetrics", "SeededSampling", "P2SAMTraining",
            ]),

        .executableTarget(
            name: "p2sam",
            dependencies: [
                "FileErrors", "SAMTensor", "TorchCheckpoint", "SAMAutograd", "SAMLayers", "SeededSampling",
                "MedImageIO",
                "LiteMedSAM", "Training", "Evaluation",
                "MultiRaterMetrics", "MultiRaterData", "PromptUncertainty", "P2SAM", "P2SAMTraining", "ShardedRuns",
                "UMedSAMTraining", "AutoMedSAM", "AutoMedSAMTraining",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Examples/: a library user's program (built with the package so it stays correct).
        .executableTarget(
            name: "sample-and-score", dependencies: ["P2SAMKit"],
            path: "Examples/SampleAndScore"),

        .testTarget(name: "SAMTensorTests", dependencies: ["SAMTensor", "CKernels"]),
        // Test support: seeded random tensors and the finite-difference gradient checker.
        .target(
            name: "GradientChecking", dependencies: ["SAMAutograd", "SAMTensor"], path: "Tests/Support/GradientChecking"
        ),
        // Test support: synthetic NIfTI-1 volumes built in memory.
        .target(name: "NIfTIFixtures", path: "Tests/Support/NIfTIFixtures"),
        .testTarget(
            name: "SAMAutogradTests",
            dependencies: ["SAMAutograd", "Optimisers", "SAMTensor", "TorchCheckpoint", "GradientChecking"]),
        .testTarget(
            name: "TrainingTests",
            dependencies: [
                "Training", "Optimisers", "SAMLayers", "SAMAutograd", "SAMTensor", "SeededSampling", "TorchCheckpoint",
            ]),
        .testTarget(name: "TorchCheckpointTests", dependencies: ["TorchCheckpoint"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "MedImageIOTests", dependencies: ["MedImageIO", "LiteMedSAM"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "LiteMedSAMTests",
            dependencies: ["SAMLayers", "LiteMedSAM", "SAMTensor", "TorchCheckpoint", "MedImageIO", "CZlib"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "MultiRaterMetricsTests", dependencies: ["MultiRaterMetrics"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "P2SAMTests",
            dependencies: [
                "SAMLayers", "P2SAM", "LiteMedSAM", "SAMTensor", "SAMAutograd", "TorchCheckpoint", "MedImageIO",
                "MultiRaterData",
            ]),
        .testTarget(
            name: "P2SAMTrainingTests",
            dependencies: [
                "SAMLayers", "Training", "Optimisers",
                "P2SAMTraining", "P2SAM", "LiteMedSAM", "SAMTensor", "SAMAutograd", "TorchCheckpoint", "MedImageIO",
                "MultiRaterData", "SeededSampling", "GradientChecking",
            ]),
        .testTarget(
            name: "UMedSAMTrainingTests",
            dependencies: [
                "UMedSAMTraining", "Training", "Optimisers", "LiteMedSAM", "SAMLayers", "SAMAutograd", "SAMTensor",
                "SeededSampling", "MultiRaterData", "MultiRaterMetrics", "TorchCheckpoint", "P2SAMTraining",
            ]),
        .testTarget(name: "P2SAMCLITests", dependencies: ["TorchCheckpoint", "MedImageIO", "SAMTensor"]),
        .testTarget(
            name: "PromptUncertaintyTests",
            dependencies: [
                "PromptUncertainty", "LiteMedSAM", "MedImageIO", "MultiRaterMetrics", "MultiRaterData",
                "SeededSampling",
            ]),
        .testTarget(name: "ShardedRunsTests", dependencies: ["ShardedRuns"]),
        .testTarget(
            name: "AutoMedSAMTests",
            dependencies: [
                "AutoMedSAM", "AutoMedSAMTraining", "Evaluation", "SAMLayers", "SAMAutograd", "LiteMedSAM", "SAMTensor",
                "MultiRaterData", "MultiRaterMetrics", "MedImageIO", "SeededSampling", "Training", "NIfTIFixtures",
            ]),
        .testTarget(
            name: "EvaluationTests",
            dependencies: [
                "Evaluation", "LiteMedSAM", "MedImageIO", "MultiRaterData", "MultiRaterMetrics", "PromptUncertainty",
                "ShardedRuns",
            ]),
        .testTarget(
            name: "MultiRaterDataTests",
            dependencies: ["MultiRaterData", "MultiRaterMetrics", "SeededSampling", "NIfTIFixtures"],
            resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
