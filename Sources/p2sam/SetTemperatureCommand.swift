import ArgumentParser
import Foundation
import P2SAM

/// `p2sam set-temperature`: a copy of a stage-2 P²SAM model with another latent temperature (metadata
/// `latent_temperature`), the tensors unchanged.
struct SetTemperatureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-temperature",
        abstract: "Copy a stage-2 P²SAM model with metadata latent_temperature = τ (samples z = μ + τ·σ·ε).",
        discussion: """
            Nothing is trained and the tensors are copied unchanged; only the metadata latent_temperature (and \
            a note) changes. τ scales the PGN's σ at sampling time, after its bound: τ > 1 spreads the samples \
            of a collapsed model, τ < 1 pulls them towards the model's mean mask. Choose τ on validation data \
            (e.g. p2sam evaluate --split validation --p2sam-latent-temperature τ for a few τ, keeping the one \
            whose sample diversity is nearest the raters'), never on the test split. The value is absolute: \
            it replaces the file's τ (scripts/scale-latent-deviation.py multiplies it instead).
            """)

    @Option(help: "The stage-2 model file (.safetensors).")
    var model: String

    @Option(name: .customLong("latent-temperature"), help: "τ to store (> 0, finite).")
    var latentTemperature: Float

    @Option(help: "Output model file (.safetensors; written atomically, may be --model itself).")
    var output: String

    func run() throws {
        try runWithExit {
            guard latentTemperature > 0 && latentTemperature.isFinite else {
                throw ValidationError("--latent-temperature must be a positive finite number, got \(latentTemperature)")
            }
            try InputChecks.outputFile(output, option: "--output")
            let file = try P2SAMModelFile(contentsOf: URL(fileURLWithPath: model))
            guard file.stage == 2 || PromptGenerationNetwork.isPresent(in: file.weightStore) else {
                throw CommandError(
                    "\(model) is a stage-1 model: it has no prompt generation network, so there is no σ to scale")
            }
            var metadata = file.metadata
            let previous = file.configuration.latentTemperature
            metadata[P2SAMConfiguration.latentTemperatureKey] = String(latentTemperature)
            let note = "latent temperature \(latentTemperature) (p2sam set-temperature; was \(previous))"
            metadata["notes"] = [metadata["notes"], note].compactMap { $0 }.filter { !$0.isEmpty }
                .joined(separator: "; ")
            let tensors = file.tensors.keys.sorted().map { (name: $0, tensor: file.tensors[$0]!) }
            try P2SAMModelFile.write(tensors, metadata: metadata, to: URL(fileURLWithPath: output))
            print("latent temperature \(latentTemperature) (was \(previous)): \(output)")
        }
    }
}
