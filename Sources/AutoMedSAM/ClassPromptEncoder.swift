import SAMLayers
import SAMTensor

/// AutoMedSAM's class prompt encoder `E_P(F_I, c)`: from LiteMedSAM's image embedding and a class, SAM's
/// sparse and dense prompt embeddings, so no box is needed (`docs/automedsam.md`).
///
/// Everything runs at the embedding's 64x64 (no down-sampling), NHWC:
/// 1. Class projection (`ClassProjection`): the class's 64x64 map `c`, by default a learned map per class
///    (`class_projection.weight` `(K, 4096)`, the one-hot class times a `K → 4096` matrix), or the paper's
///    `W_c · i + b_c` of a scalar class index (`ClassCoding.index`). `F_t = F_I + ε_t + c` (the map
///    broadcast over the 256 channels; `ε_t` the optional `DiffusionNoise`), then `[F_t ‖ c]`: 257 channels.
/// 2. Encoder: level 0 `257 → 64` (1x1) + ReLU, `64 → 64` (3x3) + ReLU; level 1 `64 → 128` (1x1) +
///    ReLU, `128 → 128` (3x3) + ReLU; middle `128 → 256 → 128` (1x1, ReLU after each).
/// 3. Branches (`ClassPromptBranch`): dense, element-wise attention on `[F_l ‖ c]` → `[64, 64, 256]`;
///    sparse, channel attention → `[64, 64, 256]`, average-pooled over the left and right halves to
///    2 tokens `[2, 256]` (adaptive pooling to 1x2).
///
/// The structure is written once against `ForwardContext`: `TapeFree` for inference, `Recording` for
/// training. Kernel sizes are not in the released facts (only widths); this model uses one 3x3 per level
/// and 1x1 elsewhere to stay within a CPU budget (about 1.6 GMAC for both branches).
public struct ClassPromptEncoder: Sendable, DeclaresParameters {
    /// The key prefix in AutoMedSAM model files.
    public static let defaultKey = "class_prompt_net"
    /// The embedding side (64) and width (256).
    public static let side = 64
    public static let embedDim = 256
    /// Encoder level widths and the middle width.
    public static let levelWidths = [64, 128]
    public static let middleWidth = 256
    /// Sparse tokens produced (two, as the box corners it is distilled from).
    public static let sparseTokenCount = 2

    /// One encoder level: a 1x1 width change and a 3x3 convolution, each followed by ReLU.
    public struct Level: Sendable, DeclaresParameters {
        /// `encoder.l.reduce` (1x1).
        public let reduce: LinearLayer
        /// `encoder.l.conv` (3x3).
        public let convolution: Convolution3x3Layer

        public var parameterDeclarations: [ParameterDeclaration] {
            reduce.parameterDeclarations + convolution.parameterDeclarations
        }
    }

    public let key: String
    /// K, the number of classes.
    public let classCount: Int
    public let branches: PromptBranches
    /// `class_projection`: the class maps (`(K, 4096)` for `.map`, `(4096, 1)` and `(4096)` for `.index`).
    public let classProjection: ClassProjection
    public let levels: [Level]
    /// `middle.0` (`128 → 256`) and `middle.1` (`256 → 128`).
    public let middle: [LinearLayer]
    /// `dense` (nil when the branch is off).
    public let dense: ClassPromptBranch?
    /// `sparse` (nil when the branch is off).
    public let sparse: ClassPromptBranch?
    /// `sparse.class_tokens` `(K, 512)`: a learned pair of tokens per class added to the pooled sparse
    /// tokens, or with `.denseWithClassTokens` the whole sparse prompt (nil unless configured; our addition).
    public let classTokens: EmbeddingTable?
    /// Whether the dense positional encoding is added to the embedding at the input (our addition).
    public let positionalInput: Bool

    /// Reads the encoder at `prefix` for `classCount` classes and `branches`, strictly; `denseAttentionSigmoid`
    /// puts a sigmoid on the dense branch's element-wise attention (the paper) or not; `positionalInput` adds
    /// the dense positional encoding to the input embedding, `classTokens` reads `sparse.class_tokens`
    /// (with the sparse branch; `.denseWithClassTokens` always reads them), `classCoding` chooses the class
    /// projection's form (`ClassCoding`; `.map` by default).
    public init(
        _ store: inout WeightStore, prefix: String = ClassPromptEncoder.defaultKey, classCount: Int,
        branches: PromptBranches, denseAttentionSigmoid: Bool = true, positionalInput: Bool = false,
        classTokens: Bool = false, classCoding: ClassCoding = .map
    ) throws {
        precondition(classCount >= 1, "class prompt encoder needs at least one class")
        key = prefix
        self.classCount = classCount
        self.branches = branches
        let side = Self.side
        classProjection = try ClassProjection(
            &store, "\(prefix).class_projection", coding: classCoding, classCount: classCount, mapSize: side * side)
        var built: [Level] = []
        var incoming = Self.embedDim + 1
        for (l, width) in Self.levelWidths.enumerated() {
            built.append(
                Level(
                    reduce: try LinearLayer(&store, "\(prefix).encoder.\(l).reduce", in: incoming, out: width),
                    convolution: try Convolution3x3Layer(&store, "\(prefix).encoder.\(l).conv", in: width, out: width)))
            incoming = width
        }
        levels = built
        middle = [
            try LinearLayer(&store, "\(prefix).middle.0", in: incoming, out: Self.middleWidth),
            try LinearLayer(&store, "\(prefix).middle.1", in: Self.middleWidth, out: incoming),
        ]
        dense =
            branches.hasDense
            ? try ClassPromptBranch(
                &store, "\(prefix).dense", attention: .elementWise, attentionSigmoid: denseAttentionSigmoid,
                levelWidths: Self.levelWidths, middleWidth: incoming, outputWidth: Self.embedDim) : nil
        sparse =
            branches.hasSparse
            ? try ClassPromptBranch(
                &store, "\(prefix).sparse", attention: .channel, levelWidths: Self.levelWidths,
                middleWidth: incoming, outputWidth: Self.embedDim) : nil
        self.classTokens =
            (classTokens && branches.hasSparse) || branches.classTokensAlone
            ? try EmbeddingTable(
                &store, Self.classTokensKey(prefix: prefix), rows: classCount,
                dim: Self.sparseTokenCount * Self.embedDim) : nil
        self.positionalInput = positionalInput
    }

    /// The key of the per-class tokens.
    public static func classTokensKey(prefix: String = defaultKey) -> String { "\(prefix).sparse.class_tokens" }

    public var parameterDeclarations: [ParameterDeclaration] {
        classProjection.parameterDeclarations + levels.parameterDeclarations + middle.parameterDeclarations
            + (dense?.parameterDeclarations ?? []) + (sparse?.parameterDeclarations ?? [])
            + (classTokens?.parameterDeclarations ?? [])
    }

    /// The prompt embeddings of one class.
    public struct Output<Value> {
        /// Sparse tokens `[1, 2, 256]` (nil without the sparse branch and class tokens).
        public var sparse: Value?
        /// Dense embedding `[64, 64, 256]` (nil without the dense branch).
        public var dense: Value?

        /// Prompt embeddings from their parts (e.g. a teacher's box tokens and dense map).
        ///
        /// - Parameters:
        ///   - sparse: tokens `[1, 2, 256]`, or nil for none.
        ///   - dense: the dense embedding `[64, 64, 256]`, or nil for LiteMedSAM's `no_mask_embed`.
        public init(sparse: Value?, dense: Value?) {
            self.sparse = sparse
            self.dense = dense
        }
    }

    /// The prompt embeddings of class row `classIndex` (0..<K) for an image embedding `[64, 64, 256]`,
    /// with `noise` (`[64, 64, 256]`, the diffusion's `ε_t`) added when given, and `positionalEncoding`
    /// (LiteMedSAM's dense positional encoding `[64, 64, 256]`) added when the encoder has `positionalInput`.
    public func forward<C: ForwardContext>(
        _ c: C, embedding: C.Value, classIndex: Int, noise: Tensor? = nil, positionalEncoding: Tensor? = nil
    ) -> Output<C.Value> {
        precondition(
            !positionalInput || positionalEncoding != nil, "this class prompt encoder needs the positional encoding")
        precondition((0..<classCount).contains(classIndex), "class row \(classIndex) of \(classCount)")
        let (side, dim) = (Self.side, Self.embedDim)
        let row = classProjection.forward(c, row: classIndex)
        let classChannel = c.reshape(row, [side, side, 1])
        // The class map broadcast over the channels: the outer product with a row of ones.
        let ones = c.constant(Tensor(shape: [1, dim, 1], storage: [Float](repeating: 1, count: dim)))
        let broadcastClass = c.reshape(
            c.multiplyTransposed(c.reshape(row, [1, side * side, 1]), ones), [side, side, dim])
        var diffused = c.sum(embedding, broadcastClass)
        if let noise { c.add(&diffused, c.constant(noise)) }
        if positionalInput, let positionalEncoding {
            c.add(&diffused, c.constant(positionalEncoding.reshaped([side, side, dim])))
        }
        var h = c.concatenate([diffused, classChannel], alongAxis: 2)
        var skips: [C.Value] = []
        for level in levels {
            h = c.linear(h, level.reduce)
            c.applyReLU(&h)
            h = c.convolution3x3(h, level.convolution)
            c.applyReLU(&h)
            skips.append(h)
        }
        for layer in middle {
            h = c.linear(h, layer)
            c.applyReLU(&h)
        }
        let denseMap = dense?.forward(c, levels: skips, classChannel: classChannel, middle: h)
        // This class's learned tokens `[1, 2, 256]`, added to the sparse branch's or (without it) the whole prompt.
        let ownTokens = classTokens.map { table in
            c.reshape(
                c.slice(c.rows(of: table), alongAxis: 0, classIndex..<(classIndex + 1)),
                [1, Self.sparseTokenCount, dim])
        }
        let tokens =
            sparse.map { branch -> C.Value in
                let map = branch.forward(c, levels: skips, classChannel: classChannel, middle: h)
                let halves = [0..<(side / 2), (side / 2)..<side].map {
                    c.spatialMean(c.slice(map, alongAxis: 1, $0))
                }
                var pooled = c.reshape(c.concatenate(halves, alongAxis: 0), [1, Self.sparseTokenCount, dim])
                if let ownTokens { c.add(&pooled, ownTokens) }
                return pooled
            } ?? ownTokens
        return Output(sparse: tokens, dense: denseMap)
    }
}

extension ClassPromptEncoder.Output: Sendable where Value: Sendable {}
