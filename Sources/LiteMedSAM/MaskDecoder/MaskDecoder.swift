import SAMLayers
import SAMTensor

/// Which mask tokens the decoder returns.
public enum MaskSelection: Sendable, Equatable {
    /// Token 0 only (`multimask_output=False`): LiteMedSAM's trained output.
    case single
    /// Tokens 1…K−1 (`multimask_output=True`); untrained in this checkpoint.
    case multimask
    /// Every mask token, 0…K−1.
    case all

    /// The tokens whose hypernetworks run.
    func tokenIndices(maskTokens: Int) -> [Int] {
        switch self {
        case .single: return [0]
        case .multimask: return Array(1..<maskTokens)
        case .all: return Array(0..<maskTokens)
        }
    }

    /// Number of output channels.
    func outputCount(maskTokens: Int) -> Int { tokenIndices(maskTokens: maskTokens).count }
}

/// Mask-decoder output for a batch of B prompts.
public struct MaskPrediction: Sendable {
    /// Mask logits `[B, K, 256, 256]` in the padded model frame (threshold at 0).
    public var logits: Tensor
    /// Predicted IoU `[B, K]` (raw head output, no sigmoid).
    public var iouPredictions: Tensor
}

/// `mask_decoder`: SAM's two-way-transformer decoder with LiteMedSAM's 256x256 mask output.
///
/// Tokens are `[iou_token, mask_tokens (K), sparse prompt tokens]`. The image side is the image
/// embedding plus the dense prompt embedding, attended with the dense positional encoding.
/// Masks are `hyper_in (K x 32) @ upscaled (32 x 256²)` where `upscaled` comes from two stride-2
/// transposed convolutions (256 → 64 → 32 channels) of the transformer's image output.
///
/// The layers are written once against `ForwardContext`: this type's `callAsFunction` is the inference
/// entry point (tape-free, chunked by `maximumBatch`, dense-embedding variants); `features`,
/// `hypernetworkOutputs` and `maskLogits` run the same layers in any context (training records them on a
/// gradient tape; P²SAM composes its assembled output from them).
public struct MaskDecoder: Sendable, DeclaresParameters {
    /// The key prefix of LiteMedSAM's decoder in its checkpoint.
    public static let defaultKey = "mask_decoder"
    /// The key prefix (`mask_decoder`).
    public let key: String
    public let transformerDim: Int
    /// Number of mask tokens K (4 in LiteMedSAM: 1 single-mask + 3 multimask).
    public let maskTokenCount: Int
    let transformer: TwoWayTransformer
    /// `iou_token` `(1, dim)`.
    public let iouToken: EmbeddingTable
    /// `mask_tokens` `(K, dim)`.
    public let maskTokens: EmbeddingTable
    let upscaling: OutputUpscaling
    /// `output_hypernetworks_mlps.i`, one per mask token (dim → dim → dim → dim/8).
    public let hypernetworks: [DecoderMLP]
    /// `iou_prediction_head` (dim → 256 → 256 → K).
    public let iouHead: DecoderMLP

    /// Prompts decoded together; bounds memory (keys are `B x 4096 x 256` floats per layer).
    public var maximumBatch = 8

    /// Reads every `prefix.*` weight from `store`, strictly (missing or mis-shaped keys throw; the caller's
    /// `store.finish()` reports unused ones).
    public init(
        _ store: inout WeightStore, prefix: String = MaskDecoder.defaultKey, transformerDim: Int = 256,
        maskTokenCount: Int = 4
    ) throws {
        key = prefix
        self.transformerDim = transformerDim
        self.maskTokenCount = maskTokenCount
        transformer = try TwoWayTransformer(&store, "\(prefix).transformer", dim: transformerDim)
        iouToken = try EmbeddingTable(&store, "\(prefix).iou_token", rows: 1, dim: transformerDim)
        maskTokens = try EmbeddingTable(
            &store, "\(prefix).\(Self.maskTokensName)", rows: maskTokenCount, dim: transformerDim)
        upscaling = try OutputUpscaling(&store, "\(prefix).output_upscaling", dim: transformerDim)
        hypernetworks = try (0..<maskTokenCount).map {
            try DecoderMLP(
                &store, Self.hypernetworkKey(token: $0, prefix: prefix), input: transformerDim, hidden: transformerDim,
                output: transformerDim / 8, depth: 3)
        }
        iouHead = try DecoderMLP(
            &store, Self.iouHeadKey(prefix: prefix), input: transformerDim, hidden: 256,
            output: maskTokenCount, depth: 3)
    }

    /// The key prefix of mask token `token`'s hypernetwork MLP (`prefix.output_hypernetworks_mlps.token`).
    public static func hypernetworkKey(token: Int, prefix: String = defaultKey) -> String {
        "\(prefix).output_hypernetworks_mlps.\(token)"
    }

    /// The key prefix of the IoU prediction head (`prefix.iou_prediction_head`).
    public static func iouHeadKey(prefix: String = defaultKey) -> String { "\(prefix).iou_prediction_head" }

    /// The number of mask tokens of the decoder stored under `prefix` in `store` (rows of its mask-token
    /// table), or nil when the store has none.
    public static func maskTokenCount(in store: WeightStore, prefix: String = defaultKey) -> Int? {
        store.shape(of: "\(prefix).\(maskTokensName).weight")?.first
    }

    /// The mask-token table's name under the prefix.
    static let maskTokensName = "mask_tokens"

    /// Every parameter the decoder reads (`prefix.*` keys and shapes), in a fixed order.
    public var parameterDeclarations: [ParameterDeclaration] {
        transformer.parameterDeclarations + iouToken.parameterDeclarations + maskTokens.parameterDeclarations
            + upscaling.parameterDeclarations + hypernetworks.parameterDeclarations + iouHead.parameterDeclarations
    }

    /// Intermediate tensors for parity tests, per batch element 0.
    public struct Trace: Sendable {
        public var tokens: Tensor?
        public var hs: Tensor?
        public var keys: Tensor?
        public var upscaled: Tensor?
        public var hyperIn: Tensor?
    }

    /// Decodes B prompts against one image embedding.
    ///
    /// - Parameters:
    ///   - imageEmbedding: `[64, 64, dim]` (NHWC).
    ///   - positionalEncoding: `[64, 64, dim]`, the prompt encoder's dense PE.
    ///   - sparseTokens: B arrays of `Ns x dim` values; every prompt must have the same `Ns`.
    ///   - dense: the dense prompt embedding (constant, shared, or per prompt).
    ///   - selection: which mask tokens to return.
    ///   - trace: receives intermediates of batch element 0 when given.
    public func callAsFunction(
        imageEmbedding: Tensor, positionalEncoding: Tensor, sparseTokens: [[Float]],
        dense: DenseEmbedding, selection: MaskSelection = .single, trace: ((Trace) -> Void)? = nil
    ) -> MaskPrediction {
        let count = sparseTokens.count
        let channels = selection.outputCount(maskTokens: maskTokenCount)
        let side = imageEmbedding.shape[0]
        let maskSide = 4 * side
        var logits = Tensor(shape: [count, channels, maskSide, maskSide])
        var iou = Tensor(shape: [count, channels])
        var start = 0
        while start < count {
            let end = min(count, start + max(1, maximumBatch))
            let chunkDense: DenseEmbedding
            if case .perPrompt(let maps) = dense {
                chunkDense = .perPrompt(Array(maps[start..<end]))
            } else {
                chunkDense = dense
            }
            let part = decodeChunk(
                imageEmbedding: imageEmbedding, positionalEncoding: positionalEncoding,
                sparseTokens: Array(sparseTokens[start..<end]), dense: chunkDense,
                selection: selection, trace: start == 0 ? trace : nil)
            let perPrompt = channels * maskSide * maskSide
            logits.storage.replaceSubrange((start * perPrompt)..<(end * perPrompt), with: part.logits.storage)
            iou.storage.replaceSubrange((start * channels)..<(end * channels), with: part.iouPredictions.storage)
            start = end
        }
        return MaskPrediction(logits: logits, iouPredictions: iou)
    }

    private func decodeChunk(
        imageEmbedding: Tensor, positionalEncoding: Tensor, sparseTokens: [[Float]],
        dense: DenseEmbedding, selection: MaskSelection, trace: ((Trace) -> Void)?
    ) -> MaskPrediction {
        let outputs = selection.tokenIndices(maskTokens: maskTokenCount)
        let dim = transformerDim
        let batch = sparseTokens.count
        let sparseCount = (sparseTokens.first?.count ?? 0) / dim
        precondition(
            sparseTokens.allSatisfy { $0.count == sparseCount * dim },
            "all prompts of a batch need the same number of sparse tokens")
        let tokenCount = 1 + maskTokenCount + sparseCount
        let side = imageEmbedding.shape[0]
        let pixels = side * side

        // Tokens: [iou_token, mask_tokens, sparse].
        var tokenValues: [Float] = []
        tokenValues.reserveCapacity(batch * tokenCount * dim)
        for sparse in sparseTokens {
            tokenValues.append(contentsOf: iouToken.values)
            tokenValues.append(contentsOf: maskTokens.values)
            tokenValues.append(contentsOf: sparse)
        }
        let tokens = Tensor(shape: [batch, tokenCount, dim], storage: tokenValues)

        // Image side: embedding + dense prompt; batch 1 when it is the same for every prompt.
        let image: Tensor
        switch dense {
        case .constant(let vector):
            image = broadcastSum(
                imageEmbedding.reshaped([1, pixels, dim]), Tensor(shape: [1, 1, dim], storage: vector))
        case .shared(let map):
            image = broadcastSum(imageEmbedding.reshaped([1, pixels, dim]), map.reshaped([1, pixels, dim]))
        case .perPrompt(let maps):
            precondition(maps.count == batch, "need one dense map per prompt")
            var values: [Float] = []
            values.reserveCapacity(batch * pixels * dim)
            for map in maps { values.append(contentsOf: broadcastSum(imageEmbedding, map).storage) }
            image = Tensor(shape: [batch, pixels, dim], storage: values)
        }
        let context = TapeFree()
        let (hs, keys) = transformer.forward(
            context, image: image, imagePE: positionalEncoding.reshaped([1, pixels, dim]), tokens: tokens)

        // Hypernetwork inputs: the selected mask tokens' outputs; IoU from the IoU token's output.
        var hyperIn = Tensor(shape: [batch, outputs.count, dim / 8])
        var iouTokenOut = Tensor(shape: [batch, dim])
        for b in 0..<batch {
            let base = b * tokenCount * dim
            iouTokenOut.storage.replaceSubrange((b * dim)..<((b + 1) * dim), with: hs.storage[base..<(base + dim)])
        }
        for (slot, token) in outputs.enumerated() {
            var rows = Tensor(shape: [batch, dim])
            for b in 0..<batch {
                let base = (b * tokenCount + 1 + token) * dim
                rows.storage.replaceSubrange((b * dim)..<((b + 1) * dim), with: hs.storage[base..<(base + dim)])
            }
            let mapped = hypernetworks[token].forward(context, rows)
            for b in 0..<batch {
                let width = dim / 8
                hyperIn.storage.replaceSubrange(
                    ((b * outputs.count + slot) * width)..<((b * outputs.count + slot + 1) * width),
                    with: mapped.storage[(b * width)..<((b + 1) * width)])
            }
        }
        let iouAll = iouHead.forward(context, iouTokenOut)
        var iou = Tensor(shape: [batch, outputs.count])
        for b in 0..<batch {
            for (slot, token) in outputs.enumerated() {
                iou.storage[b * outputs.count + slot] = iouAll.storage[b * maskTokenCount + token]
            }
        }
        let channels = hyperIn.shape[1]

        // Masks per prompt: hyper_in (K x 32) @ upscaled (256² x 32)ᵀ.
        let maskSide = 4 * side
        let maskPixels = maskSide * maskSide
        let width = dim / 8
        var logits = Tensor(shape: [batch, channels, maskSide, maskSide])
        for b in 0..<batch {
            let promptKeys = Tensor(
                shape: [side, side, dim], storage: Array(keys.storage[(b * pixels * dim)..<((b + 1) * pixels * dim)]))
            let upscaled = upscaling.forward(context, promptKeys)  // [256, 256, 32]
            if b == 0, let trace {
                trace(Trace(tokens: tokens, hs: hs, keys: keys, upscaled: upscaled, hyperIn: hyperIn))
            }
            upscaled.storage.withUnsafeBufferPointer { up in
                hyperIn.storage.withUnsafeBufferPointer { hyper in
                    logits.storage.withUnsafeMutableBufferPointer { out in
                        GEMM.multiply(
                            transposeB: true, m: channels, n: maskPixels, k: width,
                            a: hyper.baseAddress! + b * channels * width, lda: width,
                            b: up.baseAddress!, ldb: width,
                            c: out.baseAddress! + b * channels * maskPixels, ldc: maskPixels)
                    }
                }
            }
        }
        return MaskPrediction(logits: logits, iouPredictions: iou)
    }
}
