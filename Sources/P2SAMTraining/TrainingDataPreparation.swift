import Foundation
import MedImageIO
import MultiRaterData
import SAMTensor
import Training

/// Turns multi-rater cases into `TrainingCase`s: preprocessing, embedding (through the cache), PGN input,
/// rater masks in the model frame.
public struct TrainingDataPreparation {
    /// Computes an embedding `[64, 64, 256]` from a `(3, 256, 256)` model input (LiteMedSAM's encoder).
    public typealias Embedder = (_ modelInput: Tensor) -> Tensor

    public var datasetKey: String
    public var window: IntensityWindow?
    public var windowName: String?
    public var checkpointSHA256: String
    public var cache: EmbeddingCache

    /// Preparation of the cases of `datasetKey` (CT `window` named `windowName`) with embeddings cached in `cache`
    /// under the checkpoint's sha256.
    public init(
        datasetKey: String, window: IntensityWindow?, windowName: String?, checkpointSHA256: String,
        cache: EmbeddingCache
    ) {
        self.datasetKey = datasetKey
        self.window = window
        self.windowName = windowName
        self.checkpointSHA256 = checkpointSHA256
        self.cache = cache
    }

    /// Prepares `cases` in order; `progress(done, total)` is called after each case.
    ///
    /// - Parameters:
    ///   - cases: the dataset's cases, with their rater masks.
    ///   - embedder: embeds a preprocessed `[3, 256, 256]` input to `[64, 64, 256]` (cached by sha256).
    ///   - layerZero: for LoRA training, computes the encoder's `layers.0` output from the model
    ///     input; the cases then hold it instead of an embedding (in memory only; `embedder` is not used).
    ///   - progress: called with (cases done, cases in all) after each case.
    public func prepare(
        _ cases: [MultiRaterCase], embedder: Embedder, layerZero: Embedder? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> [TrainingCase] {
        var out: [TrainingCase] = []
        for (i, c) in cases.enumerated() {
            guard let image = c.image else {
                throw P2SAMTrainingError.invalidData(
                    "case \(c.metadata.caseID) has no image (masks-only data cannot be trained on)")
            }
            let pre = try ModelFrame.preprocess(image, window: window)
            if let layerZero {
                out.append(
                    TrainingCase(
                        caseID: c.metadata.caseID,
                        layerZeroOutput: layerZero(Tensor(shape: [3, 256, 256], storage: pre.tensor)),
                        pgnInput: P2SAMNetwork.pgnInput(fromModelInput: pre.tensor),
                        raters: c.raters.map(ModelFrame.mask),
                        resizedHeight: pre.resizedHeight, resizedWidth: pre.resizedWidth))
                progress?(i + 1, cases.count)
                continue
            }
            let key = EmbeddingCache.key(
                dataset: datasetKey, window: windowName, caseID: c.metadata.caseID,
                checkpointSHA256: checkpointSHA256)
            let embedding = cache.embedding(forKey: key) {
                embedder(Tensor(shape: [3, 256, 256], storage: pre.tensor))
            }
            out.append(
                TrainingCase(
                    caseID: c.metadata.caseID, embedding: embedding,
                    pgnInput: P2SAMNetwork.pgnInput(fromModelInput: pre.tensor),
                    raters: c.raters.map(ModelFrame.mask),
                    resizedHeight: pre.resizedHeight, resizedWidth: pre.resizedWidth))
            progress?(i + 1, cases.count)
        }
        return out
    }
}
