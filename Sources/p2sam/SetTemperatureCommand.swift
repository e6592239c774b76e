import ArgumentParser
import Foundation
import P2SAM

/// `p2sam set-temperature`: a copy of a stage-2 P²SAM model with other sampling defaults, the latent temperature
/// (metadata `latent_temperature`) and/or the per-sample box jitter (metadata `box_jitter`), the tensors unchanged.
struct SetTemperatureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-temperature",
        abstract:
            "Copy a stage-2 P²SAM model with other sampling defaults: latent_temperature τ (z = μ + τ·σ·ε), box_jitter F, box_proposal_largest_component.",
        discussion: """
            Nothing is trained and the tensors are copied unchanged; only the metadata latent_temperature (and \
            a note) changes. τ scales the PGN's σ at sampling time, after its bound: τ > 1 spreads the samples \
            of a collapsed model, τ < 1 pulls them towards the model's mean mask. Choose τ on validation data \
            (e.g. p2sam evaluate --split validation --p2sam-latent-temperature τ for a few τ, keeping the one \
            whose sample diversity is nearest the raters'), never on the test split. The value is absolute: \
            it replaces the file's τ (scripts/scale-latent-deviation.py multiplies it instead). --box-jitter F \
            stores the per-sample jitter of a user's box that p2sam sample --box and evaluate --p2sam-box apply \
            unless given --box-jitter / --p2sam-box-jitter (0 removes it); choose it on validation data with τ. \
            --proposal-largest-component on (a model with a box proposal) makes each sample keep only its largest \
            connected region when the proposal prompts the samples (no box given), unless p2sam sample \
            --largest-component / evaluate --p2sam-largest-component say otherwise; off removes it.
            """)

    @Option(help: "The stage-2 model file (.safetensors).")
    var model: String

    @Option(name: .customLong("latent-temperature"), help: "τ to store (> 0, finite). Default: the file's τ.")
    var latentTemperature: Float?

    @Option(
        name: .customLong("box-jitter"),
        help: "Per-sample box jitter F to store (0 <= F < 0.5; 0 removes it). Default: the file's.")
    var boxJitter: Double?

    @Option(
        name: .customLong("proposal-largest-component"),
        help:
            "on: store box_proposal_largest_component (needs a box proposal): samples prompted by the proposal keep only their largest connected region; off removes it. Default: the file's."
    )
    var proposalLargestComponent: OnOff?

    @Option(help: "Output model file (.safetensors; written atomically, may be --model itself).")
    var output: String

    func validate() throws {
        guard latentTemperature != nil || boxJitter != nil || proposalLargestComponent != nil else {
            throw ValidationError(
                "give --latent-temperature τ, --box-jitter F and/or --proposal-largest-component on|off (nothing to change)"
            )
        }
        try SamplingOptionChecks.latentTemperature(latentTemperature, option: "--latent-temperature")
        try SamplingOptionChecks.boxJitter(boxJitter, option: "--box-jitter")
    }

    func run() throws {
        try runWithExit {
            try InputChecks.outputFile(output, option: "--output")
            let file = try P2SAMModelFile(contentsOf: URL(fileURLWithPath: model))
            guard file.stage == 2 || PromptGenerationNetwork.isPresent(in: file.weightStore) else {
                throw CommandError(
                    "\(model) is a stage-1 model: it has no prompt generation network, so there is no σ to scale")
            }
            let configuration = file.configuration
            var metadata = file.metadata
            var changes: [String] = []
            if let latentTemperature {
                metadata[P2SAMConfiguration.latentTemperatureKey] = String(latentTemperature)
                changes.append("latent temperature \(latentTemperature) (was \(configuration.latentTemperature))")
            }
            if let boxJitter {
                // 0 removes the key: files without it have no jitter.
                metadata[P2SAMConfiguration.boxJitterKey] = boxJitter == 0 ? nil : String(boxJitter)
                changes.append("box jitter \(boxJitter) (was \(configuration.boxJitter.fraction))")
            }
            if let proposalLargestComponent {
                guard configuration.boxProposal || !proposalLargestComponent.isOn else {
                    throw CommandError(
                        "\(model) has no box proposal (metadata \(P2SAMConfiguration.boxProposalKey)), so --proposal-largest-component on has nothing to apply to; fit one with p2sam train --box-proposal-only"
                    )
                }
                metadata[P2SAMConfiguration.proposalLargestComponentKey] = proposalLargestComponent.isOn ? "true" : nil
                changes.append(
                    "proposal largest component \(proposalLargestComponent.rawValue) (was \(configuration.proposalKeepsLargestComponent ? "on" : "off"))"
                )
            }
            let notes = changes.map {
                $0.replacingOccurrences(of: " (was ", with: " (p2sam set-temperature; was ")
            }
            metadata["notes"] = ([metadata["notes"]] + notes).compactMap { $0 }.filter { !$0.isEmpty }
                .joined(separator: "; ")
            let tensors = file.tensors.keys.sorted().map { (name: $0, tensor: file.tensors[$0]!) }
            try P2SAMModelFile.write(tensors, metadata: metadata, to: URL(fileURLWithPath: output))
            print(changes.joined(separator: ", ") + ": \(output)")
        }
    }
}
