import Foundation
import LiteMedSAM
import MultiRaterData
import P2SAMTraining
import SAMLayers
import SAMTensor
import ShardedRuns
import Training

/// The record `embed --dataset` keeps of one case: the embedding-cache key it filled and the seconds
/// it took (0 when the entry was already in the cache).
struct EmbeddingCaseRecord: Codable {
    var key: String
    var cached: Bool
    var seconds: Double
}

/// `embed --dataset`: fills the training embedding cache (`p2sam train --cache-dir`) for every case or
/// one shard's cases, with the same keys `p2sam train` looks up.
enum DatasetEmbedding {
    static func run(
        dataset: MultiRaterDataset, caseIDs: [String], store: WeightStore, checkpointSHA256: String,
        window: IntensityWindow?, windowName: String?, cache: EmbeddingCache, directory: ShardDirectory
    ) throws {
        let index = Dictionary(
            dataset.cases.enumerated().map { ($0.element.metadata.caseID, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let preparation = TrainingDataPreparation(
            datasetKey: dataset.source, window: window, windowName: windowName,
            checkpointSHA256: checkpointSHA256, cache: cache)
        var encoder: LiteMedSAMModel?
        var failure: Error?
        let started = Date()
        for (i, id) in caseIDs.enumerated() {
            let start = Date()
            let misses = cache.misses
            _ = try preparation.prepare(
                [dataset.cases[index[id]!]],
                embedder: { input in
                    do {
                        if encoder == nil { encoder = try LiteMedSAMModel(weights: store) }
                        return encoder!.embed(input)
                    } catch {
                        failure = error
                        return Tensor(shape: [64, 64, 256], storage: [Float](repeating: .nan, count: 64 * 64 * 256))
                    }
                })
            if let failure { throw failure }
            let key = EmbeddingCache.key(
                dataset: dataset.source, window: windowName, caseID: id, checkpointSHA256: checkpointSHA256)
            try directory.append(
                ShardRecord(
                    caseID: id,
                    value: EmbeddingCaseRecord(
                        key: key, cached: cache.misses == misses,
                        seconds: Date().timeIntervalSince(start))))
            let rate = Double(i + 1) / max(Date().timeIntervalSince(started), 1e-9)
            FileHandle.standardError.write(
                Data(String(format: "case %d/%d %@  %.2f cases/s\n", i + 1, caseIDs.count, id, rate).utf8))
        }
    }

    /// Prints the summary of a complete embedding run and writes it as JSON.
    static func report(manifest: ShardManifest, records: [ShardRecord<EmbeddingCaseRecord>], json: String?) throws {
        let computed = records.filter { !$0.value.cached }.count
        print(
            "\(records.count) case embeddings of \(manifest.dataset) in \(manifest.settings["cache_dir"] ?? "?") (\(computed) computed, \(records.count - computed) already cached); every case present"
        )
        if let json {
            let summary: [String: String] = [
                "dataset": manifest.dataset, "cache_dir": manifest.settings["cache_dir"] ?? "",
                "cases": String(records.count), "model_sha256": manifest.modelSHA256,
            ]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(summary).write(to: URL(fileURLWithPath: json))
        }
    }
}
