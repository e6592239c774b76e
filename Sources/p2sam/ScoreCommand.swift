import ArgumentParser

// Placeholder while this session builds the command; replaced by the real implementation.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "score", abstract: "(in progress)")
    func run() throws { throw ValidationError("p2sam score is not built yet") }
}
