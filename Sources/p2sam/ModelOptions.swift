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

    @Option(
        help: ArgumentHelp(
            "A fine-tuned LiteMedSAM model (.safetensors from `p2sam finetune`) used instead of the checkpoint; a model of another architecture is refused.",
            valueName: "MODEL"))
    var backbone: String?

    @Flag(
        name: .customLong("skip-checksum"),
        help: "Do not require the published checkpoint's sha256 (for fine-tuned checkpoints of the same architecture).")
    var skipChecksumFlag = false

    func validate() throws {
        if checkpoint != nil && backbone != nil {
            throw ValidationError("give --checkpoint or --backbone, not both (--backbone replaces the checkpoint)")
        }
        if let backbone, !LiteMedSAMModelFile.looksLikeSafetensors(URL(fileURLWithPath: backbone)),
            FileManager.default.fileExists(atPath: backbone)
        {
            throw ValidationError(
                "--backbone \(backbone) is not a LiteMedSAM model file (.safetensors from `p2sam finetune`); give a .pth checkpoint with --checkpoint"
            )
        }
    }

    /// Whether the published sha256 is not required (`--skip-checksum`, or a `--backbone` model).
    var skipChecksum: Bool { skipChecksumFlag || backbone != nil }

    /// `--backbone`, else `--checkpoint`, else the library's search (`ModelSearch.liteMedSAMCheckpoint`).
    var checkpointURL: URL {
        get throws {
            if let backbone { return URL(fileURLWithPath: backbone) }
            return try checkpoint.map { URL(fileURLWithPath: $0) } ?? LiteMedSAMCheckpoint.locate()
        }
    }

    func loadPredictor() throws -> LiteMedSAMPredictor {
        try LiteMedSAMPredictor(checkpoint: checkpointURL, verifyChecksum: !skipChecksum)
    }
}
