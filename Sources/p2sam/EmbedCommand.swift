import ArgumentParser

// Placeholder while this session builds the command; replaced by the real implementation.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "embed", abstract: "(in progress)")
    func run() throws { throw ValidationError("p2sam embed is not built yet") }
}
