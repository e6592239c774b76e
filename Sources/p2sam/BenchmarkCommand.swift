import ArgumentParser

// Placeholder while this session builds the command; replaced by the real implementation.
struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "benchmark", abstract: "(in progress)")
    func run() throws { throw ValidationError("p2sam benchmark is not built yet") }
}
