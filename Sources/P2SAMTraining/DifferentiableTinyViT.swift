import LiteMedSAM
import SAMAutograd
import SAMLayers
import SAMTensor

/// LiteMedSAM's TinyViT from the output of `layers.0` on, built from SAMAutograd ops so gradients
/// reach LoRA factors on the attention `qkv` projections (`TinyViTLoRA` documents keys and layout).
///
/// Every encoder weight is frozen (`Parameter`s with `requiresGradient == false`, named after their
/// checkpoint keys; `Conv2d_BN` pairs are folded exactly as in the inference encoder and keep the
/// conv's prefix); only the LoRA factors of a `ParameterSet` can be trained. The computation mirrors
/// `TinyViTEncoder` step by step:
/// - block (`layers.{1,2,3}.blocks.*`, on `[H, W, dim]`): `x += proj(attention(x))` (zero padding to
///   whole windows *before* the in-module LayerNorm, so padded tokens are LayerNorm's bias and attend as
///   keys/values, as upstream; scores `q kᵀ / √keyDim + attention_biases[h][|Δr|·ws + |Δc|]`);
///   `x = local_conv(x)` (depthwise 3x3 + folded BN, no residual); `x += fc2(GELU(fc1(LN(x))))`;
/// - `layers.{1,2}.downsample`: 1x1 conv-BN, GELU, depthwise 3x3 conv-BN (stride 2, or 1 to 320 channels),
///   GELU, 1x1 conv-BN;
/// - neck: 1x1 conv (no bias) → LayerNorm2d (eps 1e-6) → 3x3 conv (no bias, padding 1) → LayerNorm2d.
public final class DifferentiableTinyViT {
    struct Block {
        let site: TinyViTLoRA.Site
        let windowSize: Int
        let norm: (weight: Parameter, bias: Parameter)
        /// `[3·dim, dim]`, `[3·dim]`.
        let qkv: (weight: Parameter, bias: Parameter)
        let proj: (weight: Parameter, bias: Parameter)
        /// `[heads, ws², ws²]`: `attention_biases` gathered by relative offset.
        let attentionBias: Parameter
        /// Depthwise `[3, 3, dim]` and bias `[dim]`.
        let localConv: (weight: Parameter, bias: Parameter)
        let mlpNorm: (weight: Parameter, bias: Parameter)
        let fc1: (weight: Parameter, bias: Parameter)
        let fc2: (weight: Parameter, bias: Parameter)
    }

    struct Merging {
        /// Pointwise `[out, in]` with bias.
        let conv1: (weight: Parameter, bias: Parameter)
        /// Depthwise `[3, 3, out]` with bias.
        let conv2: (weight: Parameter, bias: Parameter)
        let stride: Int
        let conv3: (weight: Parameter, bias: Parameter)
    }

    public let configuration: TinyViTConfiguration
    let stages: [[Block]]
    /// `layers.1.downsample`, `layers.2.downsample`.
    let downsamples: [Merging]
    /// `neck.0` `[256, 320]`, `neck.2` `[256, 3, 3, 256]` (OHWI).
    let neckConv0: Parameter
    let neckNorm1: (weight: Parameter, bias: Parameter)
    let neckConv2: Parameter
    let neckNorm3: (weight: Parameter, bias: Parameter)

    /// Reads the frozen encoder weights from a LiteMedSAM state dict (`store` is not consumed).
    public init(
        _ store: WeightStore, prefix: String = "image_encoder", configuration: TinyViTConfiguration = .liteMedSAM
    ) throws {
        var store = store
        self.configuration = configuration
        func frozen(_ name: String, _ shape: [Int], _ values: [Float]) -> Parameter {
            Parameter(name, value: Tensor(shape: shape, storage: values), requiresGradient: false)
        }
        func take(_ key: String, _ shape: [Int]) throws -> Parameter {
            frozen(key, shape, try store.take(key, shape: shape))
        }
        func pair(_ p: String, _ out: Int, _ inFeatures: Int) throws -> (weight: Parameter, bias: Parameter) {
            (try take("\(p).weight", [out, inFeatures]), try take("\(p).bias", [out]))
        }
        func norm(_ p: String, _ dim: Int) throws -> (weight: Parameter, bias: Parameter) {
            (try take("\(p).weight", [dim]), try take("\(p).bias", [dim]))
        }
        func pointwiseBN(_ p: String, _ inFeatures: Int, _ out: Int) throws -> (weight: Parameter, bias: Parameter) {
            let folded = try store.conv2dBN(p, out: out, inPerGroup: inFeatures, kernel: 1)
            return (frozen("\(p).weight", [out, inFeatures], folded.weight), frozen("\(p).bias", [out], folded.bias))
        }
        func depthwiseBN(_ p: String, _ channels: Int) throws -> (weight: Parameter, bias: Parameter) {
            let folded = try store.conv2dBN(p, out: channels, inPerGroup: 1, kernel: 3)
            return (
                frozen(
                    "\(p).weight", [3, 3, channels], Convolution.prepareDepthwise3x3(folded.weight, channels: channels)),
                frozen("\(p).bias", [channels], folded.bias)
            )
        }
        let dims = configuration.embedDims
        let sites = TinyViTLoRA.sites(prefix: prefix, configuration: configuration)
        var siteIndex = 0
        var stages: [[Block]] = []
        for stage in 1..<dims.count {
            let dim = dims[stage]
            let heads = configuration.heads[stage]
            let ws = configuration.windowSizes[stage]
            var blocks: [Block] = []
            for b in 0..<configuration.depths[stage] {
                let p = "\(prefix).layers.\(stage).blocks.\(b)"
                let tokens = ws * ws
                let biases = try store.take("\(p).attn.attention_biases", shape: [heads, tokens])
                blocks.append(
                    Block(
                        site: sites[siteIndex], windowSize: ws,
                        norm: try norm("\(p).attn.norm", dim),
                        qkv: try pair("\(p).attn.qkv", 3 * dim, dim),
                        proj: try pair("\(p).attn.proj", dim, dim),
                        attentionBias: frozen(
                            "\(p).attn.attention_biases", [heads, tokens, tokens],
                            Self.expandBiases(biases, heads: heads, windowSize: ws)),
                        localConv: try depthwiseBN("\(p).local_conv", dim),
                        mlpNorm: try norm("\(p).mlp.norm", dim),
                        fc1: try pair("\(p).mlp.fc1", dim * configuration.mlpRatio, dim),
                        fc2: try pair("\(p).mlp.fc2", dim, dim * configuration.mlpRatio)))
                siteIndex += 1
            }
            stages.append(blocks)
        }
        self.stages = stages
        downsamples = try (1..<(dims.count - 1)).map { stage in
            let p = "\(prefix).layers.\(stage).downsample"
            let (inDim, outDim) = (dims[stage], dims[stage + 1])
            // Upstream TinyViT keeps stride 1 for these output widths (as `PatchMerging`).
            let stride = [320, 448, 576].contains(outDim) ? 1 : 2
            return Merging(
                conv1: try pointwiseBN("\(p).conv1", inDim, outDim), conv2: try depthwiseBN("\(p).conv2", outDim),
                stride: stride, conv3: try pointwiseBN("\(p).conv3", outDim, outDim))
        }
        let last = dims[dims.count - 1]
        let neck = configuration.neckChannels
        neckConv0 = frozen(
            "\(prefix).neck.0.weight", [neck, last],
            try store.take("\(prefix).neck.0.weight", shape: [neck, last, 1, 1]))
        neckNorm1 = try norm("\(prefix).neck.1", neck)
        let conv2 = try store.take("\(prefix).neck.2.weight", shape: [neck, neck, 3, 3])
        neckConv2 = frozen(
            "\(prefix).neck.2.weight", [neck, 3, 3, neck],
            Convolution.prepareDense3x3(conv2, outChannels: neck, inChannels: neck))
        neckNorm3 = try norm("\(prefix).neck.3", neck)
    }

    /// Gathers `(heads, ws²)` biases into `(heads, ws², ws²)` by relative offset `|Δr| · ws + |Δc|`.
    static func expandBiases(_ biases: [Float], heads: Int, windowSize ws: Int) -> [Float] {
        let n = ws * ws
        var out = [Float](repeating: 0, count: heads * n * n)
        for h in 0..<heads {
            for i in 0..<n {
                for j in 0..<n {
                    out[(h * n + i) * n + j] = biases[h * n + abs(i / ws - j / ws) * ws + abs(i % ws - j % ws)]
                }
            }
        }
        return out
    }

    /// The LoRA sites, in block order.
    public var sites: [TinyViTLoRA.Site] { stages.flatMap { $0.map(\.site) } }

    /// Runs `layers.1…3` and the neck.
    ///
    /// - Parameters:
    ///   - layerZero: `[H, W, 128]` (NHWC), the output of `layers.0` (`TinyViTEncoder.layerZeroOutput`);
    ///     any size, windows pad.
    ///   - lora: a parameter set holding the LoRA factors (`LoRAParameters`), or nil for the plain encoder.
    /// - Returns: the embedding `[H/2, W/2, 256]` (`[64, 64, 256]` for a 256x256 image).
    public func callAsFunction(_ layerZero: Variable, lora: ParameterSet?) -> Variable {
        let graph = layerZero.graph
        var x = layerZero
        for (offset, blocks) in stages.enumerated() {
            for block in blocks { x = self.block(block, x, lora: lora) }
            if offset < downsamples.count { x = merging(downsamples[offset], x) }
        }
        func v(_ p: Parameter) -> Variable { graph.parameter(p) }
        x = x.linear(weight: v(neckConv0))
        x = x.layerNorm(weight: v(neckNorm1.weight), bias: v(neckNorm1.bias), eps: 1e-6)
        x = x.conv2d(weight: v(neckConv2), padding: 1)
        return x.layerNorm(weight: v(neckNorm3.weight), bias: v(neckNorm3.bias), eps: 1e-6)
    }

    /// The qkv weight of `site`, `W + ΔW` when `lora` has the site's factors (`TinyViTLoRA` layout).
    func qkvWeight(_ block: Block, graph: Graph, lora: ParameterSet?) -> Variable {
        let weight = graph.parameter(block.qkv.weight)
        let site = block.site
        guard let lora, lora.contains("\(site.prefix).lora_q.a") else { return weight }
        func product(_ which: String) -> Variable {
            let b = graph.parameter(lora["\(site.prefix).\(which).b"])
            let a = graph.parameter(lora["\(site.prefix).\(which).a"])
            let p = Variable.matmul(b, a)  // [dim, dim]
            return (TinyViTLoRA.scale == 1 ? p : p * TinyViTLoRA.scale).reshaped([site.heads, site.keyDim, site.dim])
        }
        let zeros = graph.constant(Tensor(shape: [site.heads, site.keyDim, site.dim]))
        let delta = Variable.concatenate([product("lora_q"), zeros, product("lora_v")], alongAxis: 1)
        return weight + delta.reshaped([3 * site.dim, site.dim])
    }

    func block(_ block: Block, _ x: Variable, lora: ParameterSet?) -> Variable {
        let graph = x.graph
        func v(_ p: Parameter) -> Variable { graph.parameter(p) }
        let attended = attention(block, x, lora: lora)
        var y = x + attended.linear(weight: v(block.proj.weight), bias: v(block.proj.bias))
        y = y.depthwiseConv3x3(weight: v(block.localConv.weight), bias: v(block.localConv.bias), stride: 1)
        let hidden = y.layerNorm(weight: v(block.mlpNorm.weight), bias: v(block.mlpNorm.bias), eps: 1e-5)
            .linear(weight: v(block.fc1.weight), bias: v(block.fc1.bias)).gelu()
        return y + hidden.linear(weight: v(block.fc2.weight), bias: v(block.fc2.bias))
    }

    /// Windowed multi-head attention before `proj`: `[H, W, dim]` → `[H, W, dim]` (heads concatenated).
    func attention(_ block: Block, _ x: Variable, lora: ParameterSet?) -> Variable {
        let graph = x.graph
        let (height, width, dim) = (x.shape[0], x.shape[1], x.shape[2])
        let ws = block.windowSize
        let heads = block.site.heads
        let keyDim = block.site.keyDim
        let (down, across) = ((height + ws - 1) / ws, (width + ws - 1) / ws)
        let (paddedH, paddedW) = (down * ws, across * ws)
        let windows = down * across
        let n = ws * ws
        var padded = x
        if paddedW > width {
            padded = Variable.concatenate(
                [padded, graph.constant(Tensor(shape: [height, paddedW - width, dim]))], alongAxis: 1)
        }
        if paddedH > height {
            padded = Variable.concatenate(
                [padded, graph.constant(Tensor(shape: [paddedH - height, paddedW, dim]))], alongAxis: 0)
        }
        let tokens = padded.reshaped([down, ws, across, ws, dim]).permuted([0, 2, 1, 3, 4]).reshaped([windows, n, dim])
        let normed = tokens.layerNorm(
            weight: graph.parameter(block.norm.weight), bias: graph.parameter(block.norm.bias), eps: 1e-5)
        let qkv = normed.linear(
            weight: qkvWeight(block, graph: graph, lora: lora), bias: graph.parameter(block.qkv.bias))
        let perHead = qkv.reshaped([windows, n, heads, 3 * keyDim]).permuted([0, 2, 1, 3]).reshaped([
            windows * heads, n, 3 * keyDim,
        ])
        let q = perHead.slice(alongAxis: 2, 0..<keyDim)
        let k = perHead.slice(alongAxis: 2, keyDim..<(2 * keyDim))
        let values = perHead.slice(alongAxis: 2, (2 * keyDim)..<(3 * keyDim))
        let scores = Variable.matmul(q, k, transposeB: true) * (1 / Float(keyDim).squareRoot())
        let biased = scores.reshaped([windows, heads, n, n]) + graph.parameter(block.attentionBias)
        let weights = biased.softmax().reshaped([windows * heads, n, n])
        let mixed = Variable.matmul(weights, values)  // [windows·heads, n, keyDim]
            .reshaped([windows, heads, n, keyDim]).permuted([0, 2, 1, 3]).reshaped([windows, n, dim])
        var merged = mixed.reshaped([down, across, ws, ws, dim]).permuted([0, 2, 1, 3, 4]).reshaped([
            paddedH, paddedW, dim,
        ])
        if paddedH > height { merged = merged.slice(alongAxis: 0, 0..<height) }
        if paddedW > width { merged = merged.slice(alongAxis: 1, 0..<width) }
        return merged
    }

    func merging(_ m: Merging, _ x: Variable) -> Variable {
        let graph = x.graph
        func v(_ p: Parameter) -> Variable { graph.parameter(p) }
        let y = x.linear(weight: v(m.conv1.weight), bias: v(m.conv1.bias)).gelu()
            .depthwiseConv3x3(weight: v(m.conv2.weight), bias: v(m.conv2.bias), stride: m.stride).gelu()
        return y.linear(weight: v(m.conv3.weight), bias: v(m.conv3.bias))
    }
}
