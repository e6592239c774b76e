import LiteMedSAM
import SAMLayers
import SAMTensor

/// `pgn`: P²SAM's prompt generation network, an axis-aligned conv Gaussian over the 256-d latent.
///
/// Input: the grey mean of the preprocessed `[3, 256, 256]` model input, 2x2-average-pooled to
/// `[128, 128, 1]` (NHWC). Four blocks (`widths`), each: 2x2 average pool (blocks 1–3), then three
/// 3x3 convolutions (padding 1, bias) with ReLU. Global mean → `head` (Linear → 512) →
/// `μ = out[0..<256]`, `σ = exp(bound(out[256..<512], −10, C))`, `bound` a hard clamp or, for models trained
/// with `LogDeviationBound.smooth`, the smooth bound `SmoothClamp`; the ceiling C is 5 unless the model was
/// trained with a lower one (metadata `log_sigma_ceiling`).
///
/// The layers are declared once at their model-file keys; `forward` runs them in any `ForwardContext`
/// (the sampler tape-free, training recorded).
public struct PromptGenerationNetwork: Sendable, DeclaresParameters {
    /// The key prefix of the PGN in a P²SAM model file.
    public static let defaultKey = "pgn"
    /// The range log σ is bounded to by default (the files written before the ceiling could be chosen).
    public static let defaultLogDeviationRange: ClosedRange<Float> = -10...5
    /// The ceilings a model may choose for log σ: above the floor −10, at most the default 5.
    public static let allowedLogDeviationCeilings: ClosedRange<Float> = Float(-10).nextUp...5

    /// Whether `ceiling` is a finite log σ ceiling in `allowedLogDeviationCeilings`.
    public static func isAllowedLogDeviationCeiling(_ ceiling: Float) -> Bool {
        ceiling.isFinite && allowedLogDeviationCeilings.contains(ceiling)
    }

    /// What a log σ ceiling must be, and what was `found` instead (for error messages).
    public static func ceilingRequirement(found: String) -> String {
        "the log σ ceiling must be a finite number above \(defaultLogDeviationRange.lowerBound) and at most \(defaultLogDeviationRange.upperBound), found '\(found)'"
    }

    /// The key prefix (`pgn`).
    public let key: String
    public let widths: [Int]
    public let latentDim: Int
    /// How log σ is bounded to `logDeviationRange` (`clamp` for files without metadata `log_sigma_bound`).
    public let logDeviationBound: LogDeviationBound
    /// The range log σ is bounded to: `[−10, ceiling]` (the default `[−10, 5]` for files without metadata
    /// `log_sigma_ceiling`).
    public let logDeviationRange: ClosedRange<Float>
    /// `blocks.b.convs.c`: three 3x3 convolutions per block, `widths[b]` output channels each.
    public let blocks: [[Convolution3x3Layer]]
    /// `head`: Linear `widths[3]` → `2 · latentDim`.
    public let head: LinearLayer

    /// Reads every `prefix.*` weight from `store`, strictly.
    ///
    /// - Parameters:
    ///   - store: the model's weights.
    ///   - prefix: the key prefix (`pgn`).
    ///   - widths: output channels of the 4 blocks.
    ///   - latentDim: dimension of z (256).
    ///   - logDeviationBound: how log σ is bounded (default `clamp`, the files written before the choice existed).
    ///   - logDeviationCeiling: the largest log σ (default 5); must satisfy `isAllowedLogDeviationCeiling`.
    public init(
        _ store: inout WeightStore, prefix: String = defaultKey, widths: [Int], latentDim: Int = 256,
        logDeviationBound: LogDeviationBound = .clamp,
        logDeviationCeiling: Float = defaultLogDeviationRange.upperBound
    ) throws {
        guard Self.isAllowedLogDeviationCeiling(logDeviationCeiling) else {
            throw P2SAMModelError.notAP2SAMModel(Self.ceilingRequirement(found: String(logDeviationCeiling)))
        }
        key = prefix
        self.widths = widths
        self.latentDim = latentDim
        self.logDeviationBound = logDeviationBound
        logDeviationRange = Self.defaultLogDeviationRange.lowerBound...logDeviationCeiling
        var blocks: [[Convolution3x3Layer]] = []
        var inChannels = 1
        for (b, width) in widths.enumerated() {
            var convolutions: [Convolution3x3Layer] = []
            for c in 0..<3 {
                convolutions.append(
                    try Convolution3x3Layer(&store, "\(prefix).blocks.\(b).convs.\(c)", in: inChannels, out: width))
                inChannels = width
            }
            blocks.append(convolutions)
        }
        self.blocks = blocks
        head = try LinearLayer(&store, "\(prefix).head", in: inChannels, out: 2 * latentDim)
    }

    /// The rows of `head` (its outputs) that give log σ: `latentDim..<2 · latentDim` (the first `latentDim` give μ).
    public var logDeviationRows: Range<Int> { latentDim..<(2 * latentDim) }

    /// Whether `store` holds any tensor under `prefix` (a stage-2 model).
    public static func isPresent(in store: WeightStore, prefix: String = defaultKey) -> Bool {
        store.keys.contains { $0.hasPrefix(prefix + ".") }
    }

    /// Every parameter of the PGN, blocks in order (weight then bias), then the head.
    public var parameterDeclarations: [ParameterDeclaration] {
        blocks.flatMap { $0 }.parameterDeclarations + head.parameterDeclarations
    }

    /// The PGN input for a preprocessed model input `[3, 256, 256]`: `[128, 128, 1]`.
    public static func input(fromModelInput input: Tensor) -> Tensor {
        precondition(input.shape == [3, 256, 256], "PGN input must come from a [3, 256, 256] model input")
        let plane = 256 * 256
        return Tensor(shape: [128, 128, 1]) { out in
            for y in 0..<128 {
                for x in 0..<128 {
                    var sum: Float = 0
                    for c in 0..<3 {
                        for dy in 0..<2 {
                            for dx in 0..<2 { sum += input.storage[c * plane + (2 * y + dy) * 256 + 2 * x + dx] }
                        }
                    }
                    out[y * 128 + x] = sum / 12
                }
            }
        }
    }

    /// Mean and standard deviation of the latent Gaussian, `[latentDim]` each, for a PGN input
    /// `[128, 128, 1]`, in context `c`.
    public func forward<C: ForwardContext>(_ c: C, _ input: C.Value) -> (mean: C.Value, standardDeviation: C.Value) {
        var x = input
        for (b, convolutions) in blocks.enumerated() {
            if b > 0 { x = c.averagePool2x2(x) }
            for convolution in convolutions {
                x = c.convolution3x3(x, convolution)
                c.applyReLU(&x)
            }
        }
        let out = c.linear(c.spatialMean(x), head)
        var deviation = c.slice(out, alongAxis: 0, logDeviationRows)
        switch logDeviationBound {
        case .clamp: c.clamp(&deviation, to: logDeviationRange)
        case .smooth: c.softClamp(&deviation, to: logDeviationRange)
        }
        c.applyExponential(&deviation)
        return (c.slice(out, alongAxis: 0, 0..<latentDim), deviation)
    }

    /// Mean and standard deviation of the latent Gaussian (tape-free) for a PGN input `[128, 128, 1]`.
    public func callAsFunction(_ input: Tensor) -> (mean: [Float], standardDeviation: [Float]) {
        let (mean, deviation) = forward(TapeFree(), input)
        return (mean.storage, deviation.storage)
    }
}
