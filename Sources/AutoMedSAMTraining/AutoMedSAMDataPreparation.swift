import AutoMedSAM
import Foundation
import MedImageIO
import MultiRaterData
import P2SAMTraining
import SAMTensor
import Training

/// Turns label-map slices into AutoMedSAM examples: LiteMedSAM preprocessing, the embedding through
/// `EmbeddingCache`, and one example per (slice, class) with the class's mask in the model frame.
public struct AutoMedSAMDataPreparation {
    /// Computes an embedding `[64, 64, 256]` from a `(3, 256, 256)` model input (LiteMedSAM's encoder).
    public typealias Embedder = (_ modelInput: Tensor) -> Tensor

    /// The dataset's name in cache keys (e.g. `labels:/data/acdc/train`).
    public var datasetKey: String
    public var checkpointSHA256: String
    public var cache: EmbeddingCache
    public var configuration: AutoMedSAMConfiguration

    /// Preparation of `datasetKey`'s slices for a model of `configuration`, embeddings cached in `cache`
    /// under the checkpoint's sha256.
    public init(
        datasetKey: String, checkpointSHA256: String, cache: EmbeddingCache, configuration: AutoMedSAMConfiguration
    ) {
        self.datasetKey = datasetKey
        self.checkpointSHA256 = checkpointSHA256
        self.cache = cache
        self.configuration = configuration
    }

    /// The examples of `cases` (slice order, then class id order): every class of the model per slice, or
    /// only the classes present when `includeAbsent` is false. `progress(done, total)` after each slice.
    ///
    /// - Throws: `AutoMedSAMError.invalidInput` for a slice holding a class id the model does not have.
    public func prepare(
        _ cases: [LabelMapCase], includeAbsent: Bool, embedder: Embedder, progress: ((Int, Int) -> Void)? = nil
    ) throws -> [AutoMedSAMExample] {
        var out: [AutoMedSAMExample] = []
        let ids = configuration.classIDs
        for (i, item) in cases.enumerated() {
            if let unknown = item.presentClasses.first(where: { configuration.classes[$0] == nil }) {
                throw AutoMedSAMError.invalidInput(
                    "slice \(item.caseID) has class id \(unknown), which the model's classes \(ids) do not include")
            }
            let embedding = try self.embedding(of: item, embedder: embedder)
            for (row, id) in ids.enumerated() {
                let mask = ModelFrame.mask(item.mask(ofClass: id))
                guard includeAbsent || mask.contains(1) else { continue }
                out.append(
                    AutoMedSAMExample(caseID: item.caseID, classID: id, classRow: row, embedding: embedding, mask: mask)
                )
            }
            progress?(i + 1, cases.count)
        }
        return out
    }

    /// The slice's embedding `[64, 64, 256]` (cached; min–max scaled as `p2sam data export` writes it).
    public func embedding(of item: LabelMapCase, embedder: Embedder) throws -> Tensor {
        let key = EmbeddingCache.key(
            dataset: datasetKey, window: nil, caseID: item.caseID, checkpointSHA256: checkpointSHA256)
        return try cache.embedding(forKey: key) {
            let pre = try ModelFrame.preprocess(item.image)
            return embedder(Tensor(shape: [3, 256, 256], storage: pre.tensor))
        }
    }
}
