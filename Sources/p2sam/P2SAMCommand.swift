import ArgumentParser

/// The `p2sam` command-line tool: one subcommand per file in this folder.
@main
struct P2SAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "p2sam",
        abstract: "Probabilistic medical segmentation with LiteMedSAM (P²SAM) and multi-rater scoring.",
        subcommands: [
            EmbedCommand.self,
            SegmentCommand.self,
            BenchmarkCommand.self,
            ScoreCommand.self,
            DataCommand.self,
        ]
    )
}
