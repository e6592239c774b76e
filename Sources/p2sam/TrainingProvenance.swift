import SAMTensor

/// Provenance a training run writes into its model file beside the recipe.
///
/// A training replays bit for bit only with the same build and the same OpenBLAS kernel set: the kernels round
/// differently (on one AMD EPYC Zen 5, OpenBLAS's own `Cooperlake` choice and a forced `SkylakeX` trained different
/// weights from the same seed), and the difference grows over the epochs. The kernel set depends on the CPU flags the
/// machine exposes, so two machines "of the same kind" can differ; the stored value lets a user tell why.
enum TrainingProvenance {
    /// Metadata key of OpenBLAS's description of its build and kernel set.
    static let blasKey = "blas"

    /// `["blas": "OpenBLAS 0.3.21 … Cooperlake …"]`, the kernel set this process runs.
    static var metadata: [String: String] { [blasKey: BLASKernelSelection.configuration()] }

    /// One line for the run's log, e.g. `BLAS: OpenBLAS 0.3.21 … Cooperlake …`.
    static var message: String { "BLAS: \(BLASKernelSelection.configuration())" }
}
