import ArgumentParser

// Placeholder while this session builds the command; replaced by the real implementation.
struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "segment", abstract: "(in progress)")
    func run() throws { throw ValidationError("p2sam segment is not built yet") }
}
