import MultiRaterData
import P2SAM
import P2SAMTraining
import SAMTensor
import SeededSampling

/// Tiny synthetic inputs for the training tests.
enum SyntheticInputs {
    /// Small synthetic multi-rater cases (64x64, 3 raters).
    static func cases(count: Int, seed: UInt64 = 7) throws -> [MultiRaterCase] {
        var configuration = SyntheticConfiguration()
        configuration.width = 64
        configuration.height = 64
        configuration.raterCount = 3
        return try SyntheticCaseGenerator(seed: seed, configuration: configuration).generate(count: count)
    }

    /// The LiteMedSAM model input `(3, 256, 256)` of a synthetic case.
    static func modelInput(seed: UInt64) throws -> [Float] {
        try ModelFrame.preprocess(cases(count: 1, seed: seed)[0].image!).tensor
    }
}

extension SyntheticInputs {
    /// A fresh network from the real checkpoint (seed 3): stage 1, or stage 1 + the stage-2 modules.
    static func network(_ configuration: P2SAMConfiguration, stage: Int) throws -> P2SAMNetwork {
        let set = try ModelInitialisation.stageOne(
            from: try TestCheckpoint.weights(), configuration: configuration, seed: 3)
        if stage == 2 { ModelInitialisation.addStageTwoModules(to: set, configuration: configuration, seed: 3) }
        return P2SAMNetwork(configuration: configuration, parameters: set)
    }

    /// Training cases from synthetic data with cheap pseudo-embeddings (no encoder run): mechanics tests only.
    static func trainingCases(count: Int, seed: UInt64 = 7) throws -> [TrainingCase] {
        let random = SeededRandom(seed: seed)
        return try cases(count: count, seed: seed).map { c in
            let pre = try ModelFrame.preprocess(c.image!)
            let embedding = Tensor(
                shape: [64, 64, 256], storage: (0..<(64 * 64 * 256)).map { _ in Float(random.gaussian(sigma: 0.3)) })
            return TrainingCase(
                caseID: c.metadata.caseID, embedding: embedding,
                pgnInput: P2SAMNetwork.pgnInput(fromModelInput: pre.tensor),
                raters: c.raters.map(ModelFrame.mask), resizedHeight: pre.resizedHeight, resizedWidth: pre.resizedWidth)
        }
    }
}
