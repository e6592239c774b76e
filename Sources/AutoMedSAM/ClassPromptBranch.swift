import SAMLayers
import SAMTensor

/// One decoder branch of the class prompt encoder (the paper's "reverse diffusion"): attention on each
/// encoder level's features (conditioned on the class channel), then decoding from the middle features
/// with skip concatenations of the attended levels, to a `[64, 64, 256]` map.
///
/// - Dense branch (`.elementWise`): `A = σ(W · [F ‖ c])` per position and channel (a 1x1 convolution
///   `C + 1 → C`; the sigmoid can be switched off), `F' = F ⊙ A`.
/// - Sparse branch (`.channel`): `A = sigmoid(W · GAP([F ‖ c]))` per channel (a 1x1 convolution on the
///   pooled `C + 1` vector), `F' = F ⊗ A`.
///
/// Decoding: `x ← ReLU(W · [x ‖ F'_l])` from the deepest level to the first (1x1 convolutions
/// `128 + 128 → 128`, `128 + 64 → 64`), then a 1x1 convolution `64 → 256` without activation (SAM's
/// embeddings are signed). 1x1 convolutions on NHWC maps are `LinearLayer`s (`weight` `(out, in)`).
public struct ClassPromptBranch: Sendable, DeclaresParameters {
    /// How the branch attends.
    public enum Attention: String, Sendable {
        /// Per position and channel (the dense branch).
        case elementWise
        /// Per channel from the globally pooled features (the sparse branch).
        case channel
    }

    /// The key prefix, e.g. `class_prompt_net.dense`.
    public let key: String
    public let attention: Attention
    /// Whether the element-wise attention goes through a sigmoid (the channel attention always does).
    public let attentionSigmoid: Bool
    /// Level l's attention `attention.l`: `(C_l + 1) → C_l`.
    public let attentionLayers: [LinearLayer]
    /// `decoder.0` (`middle + C_1 → C_1`), `decoder.1` (`C_1 + C_0 → C_0`), deepest level first.
    public let decoderLayers: [LinearLayer]
    /// `output`: `C_0 → 256`.
    public let output: LinearLayer

    /// Reads the branch at `key` for encoder level widths `levelWidths` (e.g. `[64, 128]`), middle width
    /// `middleWidth` and output width `outputWidth`, strictly.
    public init(
        _ store: inout WeightStore, _ key: String, attention: Attention, attentionSigmoid: Bool = true,
        levelWidths: [Int], middleWidth: Int, outputWidth: Int
    ) throws {
        self.key = key
        self.attention = attention
        self.attentionSigmoid = attention == .channel || attentionSigmoid
        attentionLayers = try levelWidths.enumerated().map { l, width in
            try LinearLayer(&store, "\(key).attention.\(l)", in: width + 1, out: width)
        }
        var layers: [LinearLayer] = []
        var incoming = middleWidth
        for (step, width) in levelWidths.reversed().enumerated() {
            layers.append(try LinearLayer(&store, "\(key).decoder.\(step)", in: incoming + width, out: width))
            incoming = width
        }
        decoderLayers = layers
        output = try LinearLayer(&store, "\(key).output", in: incoming, out: outputWidth)
    }

    public var parameterDeclarations: [ParameterDeclaration] {
        attentionLayers.parameterDeclarations + decoderLayers.parameterDeclarations + output.parameterDeclarations
    }

    /// The branch's map `[64, 64, 256]` from the encoder levels (`[64, 64, C_l]`, first level first), the
    /// class channel `[64, 64, 1]` and the middle features `[64, 64, middle]`.
    public func forward<C: ForwardContext>(
        _ c: C, levels: [C.Value], classChannel: C.Value, middle: C.Value
    ) -> C.Value {
        precondition(levels.count == attentionLayers.count, "branch \(key): \(levels.count) levels")
        var attended: [C.Value] = []
        for (features, layer) in zip(levels, attentionLayers) {
            let conditioned = c.concatenate([features, classChannel], alongAxis: 2)
            switch attention {
            case .elementWise:
                var weights = c.linear(conditioned, layer)
                if attentionSigmoid { c.applySigmoid(&weights) }
                attended.append(c.product(features, weights))
            case .channel:
                var weights = c.linear(c.spatialMean(conditioned), layer)
                c.applySigmoid(&weights)
                attended.append(c.product(features, weights))
            }
        }
        var x = middle
        for (layer, skip) in zip(decoderLayers, attended.reversed()) {
            x = c.linear(c.concatenate([x, skip], alongAxis: 2), layer)
            c.applyReLU(&x)
        }
        return c.linear(x, output)
    }
}
