import Foundation
import SAMTensor
import TorchCheckpoint

/// Provenance a training run writes into its model file beside the recipe.
///
/// A training replays bit for bit only with the same build and the same OpenBLAS kernel set: the kernels round
/// differently (on one AMD EPYC Zen 5, OpenBLAS's own `Cooperlake` choice and a forced `SkylakeX` trained different
/// weights from the same seed), and the difference grows over the epochs. The kernel set depends on what the
/// machine's CPU reports, so two machines "of the same kind" can differ; the stored value lets a user tell why.
struct TrainingProvenance {
    /// Metadata key of OpenBLAS's description of its build and kernel set.
    static let blasKey = "blas"
    /// Joins the kernel sets of a training resumed under another one.
    static let resumedSeparator = "; resumed with "

    /// The `blas` value to store: this process's kernel set, or, when resuming a model trained under another
    /// set, that history with this set appended.
    let blas: String
    /// The kernel set of the run being resumed when it differs from this process's, else nil.
    let resumedFrom: String?
    /// OpenBLAS's description of this process's kernel set.
    let current: String

    /// Provenance of a run writing `output`; when `resuming`, the kernel set recorded in `output` (if any) is kept.
    /// - Parameter current: OpenBLAS's description of this process's kernel set.
    init(output: URL, resuming: Bool, current: String = BLASKernelSelection.configuration()) {
        self.current = current
        let stored =
            resuming ? (try? Safetensors.readMetadata(contentsOf: output))?[Self.blasKey] : nil
        let last = stored?.components(separatedBy: Self.resumedSeparator).last
        if let stored, let last, last != current {
            blas = stored + Self.resumedSeparator + current
            resumedFrom = last
        } else {
            blas = stored ?? current
            resumedFrom = nil
        }
    }

    /// `["blas": …]`, to merge into the model's metadata.
    var metadata: [String: String] { [Self.blasKey: blas] }

    /// Lines for the run's log: the kernel set, and a warning when a resumed run changes it.
    var messages: [String] {
        var lines = ["BLAS: \(current)"]
        if let resumedFrom {
            lines.append(
                "note: the run being resumed was trained with \(resumedFrom); the continuation is a valid training but not a bit-for-bit replay of an uninterrupted run (set OPENBLAS_CORETYPE to that kernel set to replay it)"
            )
        }
        return lines
    }
}
