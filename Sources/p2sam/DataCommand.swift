import ArgumentParser

// Placeholder while this session builds the command; replaced by the real implementation.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "data", abstract: "(in progress)")
    func run() throws { throw ValidationError("p2sam data is not built yet") }
}
