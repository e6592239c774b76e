import LiteMedSAM
import MultiRaterMetrics
import SAMTensor
import SeededSampling

/// Mean DSC and NSD over some cases.
public struct UMedSAMScore: Sendable, Codable, Equatable {
    /// Mean Dice of the thresholded mask against the ground truth.
    public var dice: Double
    /// Mean normalised surface Dice (tolerance `SurfaceDice.defaultTolerance`, model pixels).
    public var nsd: Double
    /// The number of cases averaged.
    public var cases: Int

    /// Means `dice` and `nsd` over `cases` cases.
    public init(dice: Double, nsd: Double, cases: Int) {
        self.dice = dice
        self.nsd = nsd
        self.cases = cases
    }
}

/// The figures of one validation pass: overall and per dataset.
public struct UMedSAMFigures: Sendable, Codable, Equatable {
    public var overall: UMedSAMScore
    public var perDataset: [String: UMedSAMScore]
    /// The learned σ when the pass ran (nil with fixed weights).
    public var sigmas: [Float]?

    /// Figures `overall` and `perDataset`, with the σ at that moment.
    public init(overall: UMedSAMScore, perDataset: [String: UMedSAMScore], sigmas: [Float]? = nil) {
        self.overall = overall
        self.perDataset = perDataset
        self.sigmas = sigmas
    }
}

/// Scores a network on cases in the 256 model frame, cropped to the image (the padding left out): the
/// mask `logits > 0` against the ground truth, DSC and NSD (τ = 2 model pixels). Each case's prompt is
/// drawn from its own random stream (seed, case id), so every model sees the same boxes.
public enum UMedSAMScoring {
    /// The prompt a case is scored with.
    public enum PromptKind: Sendable, Equatable {
        /// The tight box moved outward by U{0…PX} per side (0: tight).
        case box(jitter: Int)
        /// `count` positive points drawn from the ground truth, no box.
        case points(count: Int)
    }

    /// The random stream of case `caseID` under `seed`.
    static func random(seed: UInt64, caseID: String) -> SeededRandom {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in caseID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return SeededRandom(seed: hash ^ (seed &* 0x9e37_79b9_7f4a_7c15))
    }

    /// DSC and NSD of `snapshot`'s masks on `cases`, overall and per dataset.
    ///
    /// - Parameters:
    ///   - snapshot: the prompt encoder and decoder to score.
    ///   - cases: the cases (non-empty masks).
    ///   - prompt: the prompt kind.
    ///   - seed: seeds every case's prompt stream.
    /// - Throws: metric errors (none for consistent cases).
    public static func score(
        _ snapshot: UMedSAMDecoderSnapshot, cases: [UMedSAMCase], prompt: PromptKind, seed: UInt64
    ) throws -> UMedSAMFigures {
        try score(snapshot, cases: cases, prompts: [prompt], seed: seed)[0]
    }

    /// As `score(_:cases:prompt:seed:)` for several prompt kinds, each case embedded once
    /// (`UMedSAMDecoderSnapshot.embedding(of:)`); one result per prompt kind, in order.
    ///
    /// - Parameters:
    ///   - snapshot: the prompt encoder and decoder (and adapted encoder) to score.
    ///   - cases: the cases (non-empty masks).
    ///   - prompts: the prompt kinds.
    ///   - seed: seeds every case's prompt stream.
    ///   - progress: called with (cases scored, cases) after each case.
    /// - Throws: metric errors (none for consistent cases).
    public static func score(
        _ snapshot: UMedSAMDecoderSnapshot, cases: [UMedSAMCase], prompts: [PromptKind], seed: UInt64,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> [UMedSAMFigures] {
        var perCase = [[(dataset: String, dice: Double, nsd: Double)]](repeating: [], count: prompts.count)
        for (n, item) in cases.enumerated() {
            defer { progress?(n + 1, cases.count) }
            let embedding = snapshot.embedding(of: item)
            for (k, prompt) in prompts.enumerated() {
                let random = random(seed: seed, caseID: item.dataset + "/" + item.caseID)
                let request: Prompt
                switch prompt {
                case .box(let jitter):
                    request = Prompt(box: UMedSAMPrompts.box(for: item, jitter: jitter, random: random))
                case .points(let count):
                    request = Prompt(points: UMedSAMPrompts.points(for: item, count: count, random: random))
                }
                let logits = snapshot.logits(embedding: embedding, prompts: [request])[0]
                let (h, w) = (item.resizedHeight, item.resizedWidth)
                var predicted = [Bool](repeating: false, count: h * w)
                var actual = [Bool](repeating: false, count: h * w)
                for y in 0..<h {
                    for x in 0..<w {
                        predicted[y * w + x] = logits.storage[y * UMedSAMCase.side + x] > 0
                        actual[y * w + x] = item.mask[y * UMedSAMCase.side + x] != 0
                    }
                }
                let a = try BinaryMask(width: w, height: h, bools: predicted)
                let b = try BinaryMask(width: w, height: h, bools: actual)
                perCase[k].append(
                    (item.dataset, try diceCoefficient(a, b), try SurfaceDice.normalizedSurfaceDice(a, b)))
            }
        }
        func mean(_ rows: [(dataset: String, dice: Double, nsd: Double)]) -> UMedSAMScore {
            let n = Double(max(rows.count, 1))
            return UMedSAMScore(
                dice: rows.map(\.dice).reduce(0, +) / n, nsd: rows.map(\.nsd).reduce(0, +) / n, cases: rows.count)
        }
        return perCase.map { rows in
            var perDataset: [String: UMedSAMScore] = [:]
            for name in Set(rows.map(\.dataset)) { perDataset[name] = mean(rows.filter { $0.dataset == name }) }
            return UMedSAMFigures(overall: mean(rows), perDataset: perDataset)
        }
    }
}
