import Foundation
import SAMTensor

/// Image embeddings computed once per case and kept in memory and, optionally, on disk.
///
/// A disk entry is one file `<directory>/<hash>.emb`: the UTF-8 key, a newline, then the
/// `[64, 64, 256]` embedding as little-endian Float16. The key names the dataset, the intensity
/// window, the case id and the LiteMedSAM checkpoint's sha256, so a changed input never reuses a stale
/// entry; the stored key is compared on read (a hash collision is a miss).
public final class EmbeddingCache {
    /// Where entries are written, or nil for memory only.
    public let directory: URL?
    private var memory: [String: Tensor] = [:]
    private let lock = NSLock()
    /// Whether entries are also kept in memory (true); false reads them from disk each time, for callers that
    /// keep their own (e.g. Float16) copy of every embedding.
    public var keepsInMemory = true
    /// Counts of entries found in memory or on disk, and computed.
    public private(set) var hits = 0
    public private(set) var misses = 0

    /// A cache in `directory` (created when the first embedding is written).
    public init(directory: URL?) throws {
        self.directory = directory
        if let directory { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    }

    /// The cache key of one case.
    public static func key(dataset: String, window: String?, caseID: String, checkpointSHA256: String) -> String {
        "p2sam-embedding-v1|dataset=\(dataset)|window=\(window ?? "minmax")|case=\(caseID)|checkpoint=\(checkpointSHA256)"
    }

    /// The embedding stored under `key`, computing (and storing) it with `compute` when absent.
    public func embedding(forKey key: String, compute: () throws -> Tensor) rethrows -> Tensor {
        lock.lock()
        if let t = memory[key] {
            hits += 1
            lock.unlock()
            return t
        }
        lock.unlock()
        if let t = readDisk(key) {
            lock.lock()
            if keepsInMemory { memory[key] = t }
            hits += 1
            lock.unlock()
            return t
        }
        let t = try compute()
        precondition(t.shape == [64, 64, 256], "embedding shape \(t.shape)")
        writeDisk(key, t)
        lock.lock()
        if keepsInMemory { memory[key] = t }
        misses += 1
        lock.unlock()
        return t
    }

    private func fileURL(_ key: String) -> URL? {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return directory?.appendingPathComponent(String(format: "%016llx.emb", hash))
    }

    private func readDisk(_ key: String) -> Tensor? {
        guard let url = fileURL(key), let data = try? Data(contentsOf: url) else { return nil }
        let header = Array(key.utf8) + [10]
        let count = 64 * 64 * 256
        guard data.count == header.count + 2 * count, Array(data.prefix(header.count)) == header else { return nil }
        var values = [Float](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + header.count
            for i in 0..<count {
                let bits =
                    UInt16(base.load(fromByteOffset: 2 * i, as: UInt8.self))
                    | UInt16(base.load(fromByteOffset: 2 * i + 1, as: UInt8.self)) << 8
                values[i] = Float(Float16(bitPattern: bits))
            }
        }
        guard values.allSatisfy(\.isFinite) else { return nil }
        return Tensor(shape: [64, 64, 256], storage: values)
    }

    private func writeDisk(_ key: String, _ t: Tensor) {
        guard let url = fileURL(key) else { return }
        var bytes = Array(key.utf8) + [10]
        bytes.reserveCapacity(bytes.count + 2 * t.count)
        for v in t.storage {
            let bits = Float16(v).bitPattern
            bytes.append(UInt8(bits & 0xff))
            bytes.append(UInt8(bits >> 8))
        }
        try? Data(bytes).write(to: url, options: .atomic)
    }
}
