import ArgumentParser

/// `p2sam finetune --recipe NAME …`: fine-tunes LiteMedSAM with a method's recipe; the remaining
/// arguments go to the recipe (`FinetuneAutoMedSAM`).
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune LiteMedSAM with a recipe: automedsam (prompt-free multi-class segmentation).",
        discussion: """
            The recipe's own options follow --recipe. automedsam: \(FinetuneAutoMedSAM.usage)
            """)

    @Option(help: "The recipe: automedsam.")
    var recipe: String

    @Argument(parsing: .allUnrecognized, help: "The recipe's options.")
    var arguments: [String] = []

    func run() throws {
        switch recipe {
        case "automedsam":
            var command = try FinetuneAutoMedSAM.parse(arguments)
            try command.run()
        default:
            throw ValidationError("--recipe must be automedsam, not '\(recipe)'")
        }
    }
}
