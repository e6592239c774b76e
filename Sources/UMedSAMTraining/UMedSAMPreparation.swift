import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import P2SAMTraining
import SAMTensor
import Training

/// Turns a dataset's cases into `UMedSAMCase`s: the ground truth (the raters' majority vote, rater 0 for
/// single-rater data) in the model frame, the embedding through the cache (the keys `p2sam train` and
/// `p2sam embed --dataset` use), or, for encoder-LoRA training, the frozen encoder's `layers.0` output
/// (computed, never cached: it is kept in memory, 4 MB per case as Float16). Cases whose ground truth is
/// empty cannot give a box prompt: they are skipped and counted.
public struct UMedSAMPreparation {
    /// Computes an embedding `[64, 64, 256]` from a `(3, 256, 256)` model input.
    public typealias Embedder = (_ modelInput: Tensor) throws -> Tensor

    /// The prepared cases and the ids of those skipped for an empty ground truth.
    public struct Prepared: Sendable {
        public var cases: [UMedSAMCase]
        public var skippedEmpty: [String]
    }

    public var window: IntensityWindow?
    public var windowName: String?
    public var checkpointSHA256: String
    public var cache: EmbeddingCache
    /// The last embedding computed or read, by image content: one slice's classes in a label-map dataset
    /// (adjacent in sorted order) share it.
    private var last: (content: UInt64, embedding: Tensor)?

    /// Preparation with CT `window` (named `windowName` in cache keys), embeddings cached in `cache` under the
    /// encoder checkpoint's sha256.
    public init(window: IntensityWindow?, windowName: String?, checkpointSHA256: String, cache: EmbeddingCache) {
        self.window = window
        self.windowName = windowName
        self.checkpointSHA256 = checkpointSHA256
        self.cache = cache
    }

    /// Prepares `indices` of `dataset` in order; `progress(done, total)` after each case.
    ///
    /// - Parameters:
    ///   - dataset: the dataset (its `source` names it in cache keys, its `name` in reports).
    ///   - indices: which cases.
    ///   - embedder: the frozen image encoder.
    ///   - layerZero: for encoder-LoRA training, computes the encoder's `layers.0` output `[128, 128, 128]`
    ///     from the model input (`TinyViTEncoder.layerZeroOutput`); the cases then hold it instead of an
    ///     embedding and `embedder` is not called.
    ///   - perClass: name each case's group `<dataset>/<class>` from the id's last `_` part (label-map
    ///     datasets, whose case ids are `<slice>_<class>`), so reports give each class.
    ///   - progress: called after each case with (done, total).
    /// - Throws: `UMedSAMError.invalidData` for a case without image or with image and mask sizes that differ.
    public mutating func prepare(
        _ dataset: MultiRaterDataset, indices: [Int], embedder: Embedder, layerZero: Embedder? = nil,
        perClass: Bool = false,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> Prepared {
        var out = Prepared(cases: [], skippedEmpty: [])
        for (n, i) in indices.enumerated() {
            defer { progress?(n + 1, indices.count) }
            let c = dataset.cases[i]
            let id = c.metadata.caseID
            guard let image = c.image else {
                throw UMedSAMError.invalidData("\(dataset.name) case \(id) has no image (masks-only data)")
            }
            guard image.width == c.width && image.height == c.height else {
                throw UMedSAMError.invalidData(
                    "\(dataset.name) case \(id): the image is \(image.width)x\(image.height) but the mask is \(c.width)x\(c.height)"
                )
            }
            let truth = c.raters.count == 1 ? c.raters[0] : try BinaryMask.majorityVote(of: c.raters)
            let mask = ModelFrame.mask(truth)
            guard mask.contains(1) else {
                out.skippedEmpty.append(id)
                continue
            }
            let pre = try ModelFrame.preprocess(image, window: window)
            let group =
                perClass
                ? dataset.name + "/" + (id.split(separator: "_").last.map(String.init) ?? "") : dataset.name
            if let layerZero {
                out.cases.append(
                    UMedSAMCase(
                        dataset: group, caseID: id,
                        layerZeroOutput: try layerZero(Tensor(shape: [3, 256, 256], storage: pre.tensor)), mask: mask,
                        resizedHeight: pre.resizedHeight, resizedWidth: pre.resizedWidth))
                continue
            }
            let key = EmbeddingCache.key(
                dataset: dataset.source, window: windowName, caseID: id, checkpointSHA256: checkpointSHA256)
            let content = Self.contentHash(pre.tensor)
            let embedding = try cache.embedding(forKey: key) {
                if let last, last.content == content { return last.embedding }
                return try embedder(Tensor(shape: [3, 256, 256], storage: pre.tensor))
            }
            last = (content, embedding)
            out.cases.append(
                UMedSAMCase(
                    dataset: group, caseID: id, embedding: embedding, mask: mask,
                    resizedHeight: pre.resizedHeight, resizedWidth: pre.resizedWidth))
        }
        return out
    }

    static func contentHash(_ values: [Float]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in values { hash = (hash ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
