import ArgumentParser
import Foundation
import LiteMedSAM

/// Options shared by every command that runs LiteMedSAM.
struct ModelOptions: ParsableArguments {
    @Option(help: "LiteMedSAM checkpoint (.pth). Default: $P2SAM_CHECKPOINT, else Models/lite_medsam.pth.")
    var checkpoint: String?

    @Flag(
        help: "Do not require the published checkpoint's sha256 (for fine-tuned checkpoints of the same architecture).")
    var skipChecksum = false

    var checkpointURL: URL {
        checkpoint.map { URL(fileURLWithPath: $0) } ?? LiteMedSAMCheckpoint.defaultURL()
    }

    func loadPredictor() throws -> LiteMedSAMPredictor {
        try LiteMedSAMPredictor(checkpoint: checkpointURL, verifyChecksum: !skipChecksum)
    }
}
