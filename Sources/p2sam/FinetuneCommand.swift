import ArgumentParser

/// The fine-tuning recipes `p2sam finetune` knows; each parses its own options
/// (`FinetuneUMedSAMCommand`, `FinetuneAutoMedSAM`).
enum FinetuneRecipe: String, CaseIterable, ExpressibleByArgument {
    /// U-MedSAM: uncertainty-weighted Dice/BCE/IoU/shape-distance losses, sharpness-aware AdamW; writes a
    /// LiteMedSAM model (`--backbone MODEL`).
    case umedsam
    /// AutoMedSAM: a class prompt encoder for prompt-free multi-class segmentation; writes an AutoMedSAM model.
    case automedsam
}

/// `p2sam finetune --recipe NAME …`: fine-tunes LiteMedSAM with a method's recipe; every other argument
/// goes to the recipe, which parses and checks it.
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract:
            "Fine-tune LiteMedSAM with a recipe: umedsam (box-prompted, several datasets) or automedsam (prompt-free multi-class).",
        discussion: """
            Every argument after --recipe goes to the recipe; both recipes' options follow.

            ── umedsam ──
            \(FinetuneUMedSAMCommand.helpMessage(columns: 80))

            ── automedsam ──
            \(FinetuneAutoMedSAM.helpMessage(columns: 80))
            """)

    @Option(help: "The recipe: umedsam or automedsam.")
    var recipe: FinetuneRecipe = .umedsam

    @Argument(parsing: .allUnrecognized, help: "The recipe's options.")
    var arguments: [String] = []

    func run() throws {
        switch recipe {
        case .umedsam:
            let command = FinetuneUMedSAMCommand.parseOrExit(arguments)
            try command.run()
        case .automedsam:
            var command = FinetuneAutoMedSAM.parseOrExit(arguments)
            try command.run()
        }
    }
}
