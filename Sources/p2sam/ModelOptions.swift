import ArgumentParser
import Foundation
import LiteMedSAM

/// Options shared by every command that runs LiteMedSAM.
struct ModelOptions: ParsableArguments {
    @Option(
        help:
            "LiteMedSAM checkpoint (.pth). Default: $P2SAM_CHECKPOINT, else ~/.cache/p2sam/lite_medsam.pth, else Models/lite_medsam.pth."
    )
    var checkpoint: String?

    @Flag(
        help: "Do not require the published checkpoint's sha256 (for fine-tuned checkpoints of the same architecture).")
    var skipChecksum = false

    /// `--checkpoint`, else the library's search (`ModelSearch.liteMedSAMCheckpoint`).
    var checkpointURL: URL {
        get throws { try checkpoint.map { URL(fileURLWithPath: $0) } ?? LiteMedSAMCheckpoint.locate() }
    }

    func loadPredictor() throws -> LiteMedSAMPredictor {
        try LiteMedSAMPredictor(checkpoint: checkpointURL, verifyChecksum: !skipChecksum)
    }
}
