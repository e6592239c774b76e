import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import P2SAM
import P2SAMTraining
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling
import XCTest

/// The training network and `P2SAMSampler` must be the same model: a P²SAM model with random non-zero
/// weights in every part (mask tokens, hypernetworks, assembling, PGN, Fcomb, encoder LoRA) is written by the
/// trainer's model-file writer, loaded for inference, and both forwards are compared on one image.
final class TrainInferenceParityTests: XCTestCase {
    /// Tolerance on logits (values reach tens): the 1e-4.
    static let logitTolerance: Float = 1e-4

    func testSparseInjectionTrainingForwardMatchesSampling() throws {
        try checkParity(injection: .sparse, prompt: .fullBox)
    }

    func testDenseInjectionTrainingForwardMatchesSampling() throws {
        try checkParity(injection: .dense, prompt: .none)
    }

    /// The isolated mask token context (readers of LiteMedSAM's decoder), sparse injection (z in the core).
    func testIsolatedContextSparseTrainingForwardMatchesSampling() throws {
        try checkParity(injection: .sparse, prompt: .fullBox, context: .isolated)
    }

    /// The isolated mask token context, dense injection.
    func testIsolatedContextDenseTrainingForwardMatchesSampling() throws {
        try checkParity(injection: .dense, prompt: .none, context: .isolated)
    }

    /// The isolated context with reader injection (z added to the readers only).
    func testReaderInjectionTrainingForwardMatchesSampling() throws {
        try checkParity(injection: .reader, prompt: .fullBox, context: .isolated)
    }

    /// The isolated context with reader-output injection (z added to the readers' output tokens only).
    func testReaderOutputInjectionTrainingForwardMatchesSampling() throws {
        try checkParity(injection: .readerOutput, prompt: .fullBox, context: .isolated)
    }

    /// Overwrites every P²SAM-specific parameter with seeded Gaussian values of a size that changes the
    /// output visibly without saturating it.
    private func randomise(_ set: ParameterSet, seed: UInt64) {
        let random = SeededRandom(seed: seed)
        for parameter in set.all {
            let name = parameter.name
            let sigma: Double
            if name.hasPrefix("pgn.") || name.hasPrefix("fcomb.") {
                sigma = 0.05
            } else if LoRAParameters.isFactor(name) {
                sigma = 0.05
            } else if name == "p2sam.assembling_weights" {
                sigma = 0.3
            } else if name.hasPrefix("mask_decoder.mask_tokens") || name.contains("output_hypernetworks_mlps") {
                sigma = 0.02
            } else {
                continue
            }
            let values = parameter.value.storage.map { $0 + Float(random.gaussian(sigma: sigma)) }
            parameter.value = Tensor(shape: parameter.value.shape, storage: values)
        }
    }

    private func checkParity(injection: LatentInjection, prompt: DefaultPrompt, context: MaskTokenContext = .shared)
        throws
    {
        let store = try TestCheckpoint.weights()
        var configuration = P2SAMConfiguration(
            maskTokenCount: P2SAMConfiguration.maskTokenCount(context: context), injection: injection,
            defaultPrompt: prompt)
        configuration.maskTokenContext = context
        configuration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let set = try ModelInitialisation.stageOne(from: store, configuration: configuration, seed: 3)
        LoRAParameters.add(to: set, rank: 4, seed: 3)
        ModelInitialisation.addStageTwoModules(to: set, configuration: configuration, seed: 3)
        randomise(set, seed: injection == .sparse ? 11 : 12)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2sam-parity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("model.safetensors")
        let metadata = P2SAMModelFile.metadata(
            configuration: configuration, stage: 2,
            baseCheckpointSHA256: LiteMedSAMCheckpoint.officialSHA256, dataset: "random",
            split: "none", epochs: 0, seed: 3, notes: "train/inference parity")
        try P2SAMModelFile.write(set, stage: 2, metadata: metadata, to: file)
        let model = try P2SAMModel(modelFile: file, backbone: TestCheckpoint.url)
        XCTAssertEqual(model.loraRank, 4)
        XCTAssertEqual(model.configuration.maskTokenContext, context)

        // A 96x80 grey image with structure at several scales.
        let (width, height) = (96, 80)
        let pixels = (0..<(width * height)).map { i -> Float in
            let (x, y) = (Float(i % width), Float(i / width))
            let disk: Float = hypot(x - 50, y - 38) < 17 ? 120 : 0
            return min(255, 60 + 40 * sin(x / 7) * cos(y / 11) + disk)
        }
        let image = try MedicalImage(width: width, height: height, channels: 1, pixels: pixels)

        // Inference: merged-LoRA encoder, PGN, sampler decoder.
        let sampler = P2SAMSampler(model: model)
        let prepared = try sampler.prepare(image)
        let latents = sampler.latents(for: prepared, count: 3, seed: 5)
        let sampled = sampler.fusedLogits(for: prepared, latents: latents)
        // A batch decodes as its samples one at a time (reader-output injection shares one transformer run).
        let oneByOne = latents.flatMap { sampler.fusedLogits(for: prepared, latents: [$0]).storage }
        let batchError = zip(oneByOne, sampled.storage).map { abs($0 - $1) }.max()!

        // Training: recorded LoRA encoder from the layers.0 output, graph PGN, graph decoder.
        let network = P2SAMNetwork(
            configuration: configuration, parameters: set, encoder: try RecordedImageEncoder(backbone: store, lora: set)
        )
        let input = Tensor(shape: [3, 256, 256], storage: try LiteMedSAMPreprocessor.preprocess(image).tensor)
        let plainEncoder = try LiteMedSAMModel(weights: store).imageEncoder
        let embedding = network.adaptedEmbedding(layerZeroOutput: plainEncoder.layerZeroOutput(input))
        let embeddingError = embedding.maxAbsDifference(prepared.embedded.embedding)
        let gaussian = network.latentGaussian(pgnInput: P2SAMNetwork.pgnInput(fromModelInput: input.storage))
        let meanError = zip(gaussian.mean, prepared.mean).map { abs($0 - $1) }.max()!
        let deviationError = zip(gaussian.standardDeviation, prepared.standardDeviation).map { abs($0 - $1) }.max()!
        let trained = network.assembledLogits(embedding: embedding, latents: latents)
        XCTAssertEqual(trained.shape, sampled.shape)
        let logitError = trained.maxAbsDifference(sampled)
        let largest = sampled.storage.map(abs).max()!
        let spread = zip(sampled.storage[0..<65536], sampled.storage[65536..<131072]).map { abs($0 - $1) }.max()!
        print(
            "train vs inference (\(injection.rawValue)): embedding \(embeddingError), PGN μ \(meanError) σ \(deviationError), "
                + "logits \(logitError) (|logit| up to \(largest), samples differ by up to \(spread)); "
                + "batch vs one at a time \(batchError)")
        XCTAssertLessThan(embeddingError, 1e-4)
        XCTAssertLessThan(meanError, 1e-5)
        XCTAssertLessThan(deviationError, 1e-5)
        XCTAssertLessThan(logitError, Self.logitTolerance)
        XCTAssertLessThan(batchError, Self.logitTolerance)
        XCTAssertGreaterThan(
            spread, 0.1, "the latent has no visible effect: the check would not see an injection mismatch")
        try checkPerSamplePrompts(
            sampler: sampler, prepared: prepared, network: network, embedding: embedding,
            latents: latents)
    }

    /// Per-sample prompts (a jittered or proposed box per sample): the sampler's batch of `[B, Ns, dim]` prompt tokens
    /// decodes as its samples one at a time with their own prompt, and as the training forward with each box.
    private func checkPerSamplePrompts(
        sampler: P2SAMSampler, prepared: P2SAMPreparedImage, network: P2SAMNetwork, embedding: Tensor,
        latents: [[Float]]
    ) throws {
        // Boxes in the 256 frame (the 96x80 image resizes to 256x213).
        let boxes: [[Float]] = [[70, 40, 200, 170], [60, 52, 190, 160], [90, 30, 210, 180]]
        let tokens = boxes.map {
            sampler.model.promptEncoder.sparseEmbedding(
                for: Prompt(box: BoxPrompt(x0: $0[0], y0: $0[1], x1: $0[2], y1: $0[3])))
        }
        var batched = sampler
        batched.batchSize = 8
        let together = batched.fusedLogits(for: prepared, latents: latents, promptTokens: tokens)
        XCTAssertEqual(together.shape, [3, 256, 256])
        for k in 0..<3 {
            var one = prepared
            one.promptTokens = tokens[k]
            let alone = sampler.fusedLogits(for: one, latents: [latents[k]])
            let row = Array(together.storage[(k * 65536)..<((k + 1) * 65536)])
            let error = zip(row, alone.storage).map { abs($0 - $1) }.max()!
            let trained = network.assembledLogits(embedding: embedding, latents: [latents[k]], box: boxes[k])
            let trainError = zip(row, trained.storage).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(error, Self.logitTolerance, "sample \(k): per-sample batch vs one at a time")
            // Float32 sums over other orders: 1e-4, or 1e-5 of the largest |logit| where logits reach tens.
            let tolerance = max(Self.logitTolerance, 1e-5 * row.map(abs).max()!)
            XCTAssertLessThan(trainError, tolerance, "sample \(k): per-sample batch vs training forward")
        }
        let boxEffect = zip(
            together.storage[0..<65536], sampler.fusedLogits(for: prepared, latents: [latents[0]]).storage
        )
        .map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(boxEffect, 0.1, "the box has no visible effect: the check would not see a prompt mix-up")
    }
}
