import AutoMedSAM
import Foundation
import LiteMedSAM
import Optimisers
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling

/// AutoMedSAM's trainable network: one `ParameterSet` holding the class prompt encoder
/// (`class_prompt_net.*`, newly initialised), LiteMedSAM's mask decoder (`mask_decoder.*`, from the
/// checkpoint) and the loss weights `automedsam.loss_sigmas` `[4]` (λ of MSE, Dice, BCE, shape distance);
/// LiteMedSAM's prompt encoder is the frozen distillation teacher and supplies the dense positional encoding.
public final class AutoMedSAMNetwork {
    /// The key of the learned loss weights λ.
    public static let lossSigmasKey = "automedsam.loss_sigmas"

    public let configuration: AutoMedSAMConfiguration
    public let parameters: ParameterSet
    /// The layer structures (their own values are not read when recording).
    public let classPromptEncoder: ClassPromptEncoder
    public let maskDecoder: MaskDecoder
    /// The frozen teacher (LiteMedSAM's prompt encoder).
    public let promptEncoder: PromptEncoder
    /// The noise of training passes.
    public let noise: DiffusionNoise

    /// A new network for `configuration` on the LiteMedSAM state dict `store`: the class prompt encoder
    /// initialised from `seed` (PyTorch's default uniform `±1/√fan_in` for weights and biases, the class
    /// maps too; the dense output's bias set to `no_mask_embed`, the distillation target), the decoder copied.
    /// The class maps start at the same scale in both `ClassCoding`s: uniform `±1/64` (the `.map` table's
    /// `1/√4096`; for `.index` the weight and bias maps alike, not `nn.Linear(1, 4096)`'s `±1`), so the
    /// codings differ only in how the class enters.
    public init(configuration: AutoMedSAMConfiguration, checkpoint store: WeightStore, seed: UInt64) throws {
        self.configuration = configuration
        var teacherStore = store
        promptEncoder = try PromptEncoder(&teacherStore)
        var decoderStore = store
        maskDecoder = try MaskDecoder(&decoderStore)
        var placeholder = WeightStore.placeholder()
        classPromptEncoder = try ClassPromptEncoder(
            &placeholder, classCount: configuration.classes.count, branches: configuration.branches,
            denseAttentionSigmoid: configuration.denseAttentionSigmoid,
            positionalInput: configuration.positionalInput, classTokens: configuration.classTokens,
            classCoding: configuration.classCoding)
        noise = configuration.noise
        let set = ParameterSet()
        let random = SeededRandom(seed: seed)
        let denseBias = classPromptEncoder.dense?.output.biasKey
        let classTokensKey = classPromptEncoder.classTokens?.parameterDeclarations.first?.key
        let projectionKeys = Set(classPromptEncoder.classProjection.parameterDeclarations.map(\.key))
        for declaration in classPromptEncoder.parameterDeclarations {
            let count = declaration.shape.reduce(1, *)
            let fanIn =
                declaration.shape.count == 1
                ? Self.fanIn(ofBias: declaration.key, in: classPromptEncoder)
                : declaration.shape.dropFirst().reduce(1, *)
            var bound = 1 / Double(max(fanIn, 1)).squareRoot()
            if case .index = classPromptEncoder.classProjection.weights, projectionKeys.contains(declaration.key) {
                bound = 1 / Double(ClassPromptEncoder.side)
            }
            var values = (0..<count).map { _ in Float(random.uniform(-bound, bound)) }
            if declaration.key == denseBias { values = promptEncoder.noMaskEmbed }
            if declaration.key == classTokensKey { values = [Float](repeating: 0, count: count) }
            set.add(declaration.key, Tensor(shape: declaration.shape, storage: values))
        }
        for declaration in maskDecoder.parameterDeclarations {
            var probe = store
            let values = try probe.take(declaration.key, shape: declaration.shape)
            set.add(declaration.key, Tensor(shape: declaration.shape, storage: values))
        }
        set.add(Self.lossSigmasKey, Tensor(shape: [4], storage: [1, 1, 1, 1]))
        parameters = set
    }

    /// Sets each class's tokens (`sparse.class_tokens`, when the model has them) to the mean of the
    /// distillation targets (LiteMedSAM's box tokens of the tight ground-truth box) over `examples` where
    /// the class is present; a class with no such example keeps its values. With them the untrained model
    /// prompts the decoder with each class's average box, so its first masks are not empty (a decoder
    /// prompted with nothing answers logits around −20, where Dice and shape-distance gradients vanish).
    public func initialiseClassTokens(from examples: [AutoMedSAMExample]) {
        guard let table = classPromptEncoder.classTokens else { return }
        let width = ClassPromptEncoder.sparseTokenCount * ClassPromptEncoder.embedDim
        var sums = [[Double]](repeating: [Double](repeating: 0, count: width), count: configuration.classes.count)
        var counts = [Int](repeating: 0, count: configuration.classes.count)
        for example in examples {
            guard let box = example.box else { continue }
            let tokens = promptEncoder.sparseEmbedding(for: Prompt(box: box))
            for i in 0..<width { sums[example.classRow][i] += Double(tokens[i]) }
            counts[example.classRow] += 1
        }
        guard let key = table.parameterDeclarations.first?.key else { return }
        let parameter = parameters[key]
        var values = parameter.value.storage
        for row in counts.indices where counts[row] > 0 {
            for i in 0..<width { values[row * width + i] = Float(sums[row][i] / Double(counts[row])) }
        }
        parameter.value = Tensor(shape: parameter.value.shape, storage: values)
    }

    /// The fan-in of the layer owning bias `key` (its weight's elements per output).
    static func fanIn(ofBias key: String, in encoder: ClassPromptEncoder) -> Int {
        let weightKey = String(key.dropLast("bias".count)) + "weight"
        let weight = encoder.parameterDeclarations.first { $0.key == weightKey }
        return weight.map { $0.shape.dropFirst().reduce(1, *) } ?? 1
    }

    /// Keys of the parameters written to a model file (class prompt encoder and decoder).
    public var modelKeys: [String] {
        parameters.names.filter {
            $0.hasPrefix(ClassPromptEncoder.defaultKey + ".") || $0.hasPrefix(MaskDecoder.defaultKey + ".")
        }
    }

    /// The four loss terms of one example, recorded in `w`: distillation MSE (sparse + dense, 0 for an
    /// absent class), squared Dice, BCE, shape distance; and the logits `[1, 256, 256]`.
    ///
    /// The shape distance is `Σ|D − p| / (Σp + ΣM)`: the paper's denominator `Σp` plus the ground truth's
    /// area (at least 1). With the paper's `Σp` alone the term explodes while the prediction is still empty
    /// (the first ACDC run started at a loss of ~2·10⁵) and pushes foreground everywhere.
    public func terms(_ example: AutoMedSAMExample, _ w: Recording, random: SeededRandom) -> (
        terms: [Variable], logits: Variable
    ) {
        let embedding = example.embedding
        let out = classPromptEncoder.forward(
            w, embedding: w.constant(embedding), classIndex: example.classRow,
            noise: noise.draw(shape: [64, 64, 256], random: random),
            positionalEncoding: promptEncoder.densePositionalEncoding)
        let logits = self.logits(w, embedding: embedding, prompts: out, decoder: maskDecoder)
        let target = example.target
        var distillation = w.constant(Tensor(shape: [], storage: [0]))
        if let box = example.box {
            if let sparse = out.sparse {
                let teacher = promptEncoder.sparseEmbedding(for: Prompt(box: box))
                distillation =
                    distillation
                    + Loss.meanSquaredError(sparse, target: Tensor(shape: [1, 2, 256], storage: teacher))
            }
            if let dense = out.dense {
                distillation =
                    distillation
                    + Loss.meanSquaredError(dense, target: promptEncoder.noMaskDenseMap())
            }
        }
        return (
            [
                distillation, Loss.squaredDice(logits: logits, targets: target),
                Loss.binaryCrossEntropy(logits: logits, targets: target),
                Loss.shapeDistance(
                    logits: logits, distanceMap: example.distanceMap, epsilon: Float(max(example.foregroundCount, 1))),
            ], logits
        )
    }

    /// The weighted loss of one example (`weighting` of the four terms).
    public func loss(_ example: AutoMedSAMExample, _ w: Recording, random: SeededRandom, weighting: LossWeighting)
        -> Variable
    {
        let terms = terms(example, w, random: random).terms
        switch weighting {
        case .learned: return UncertaintyWeighting.code.combine(terms, sigmas: w(Self.lossSigmasKey))
        case .fixed: return (terms[0] + terms[1] + terms[2] + terms[3]) * 0.5
        }
    }

    /// Decoder logits `[1, 256, 256]` from an embedding and the class prompt encoder's outputs, in any
    /// context (a branch that is off uses LiteMedSAM's default: no sparse tokens, or `no_mask_embed`).
    /// `decoder` is `maskDecoder` when recording, or one built from the current values (`currentLayers()`)
    /// for tape-free use.
    public func logits<C: ForwardContext>(
        _ c: C, embedding: Tensor, prompts: ClassPromptEncoder.Output<C.Value>, decoder maskDecoder: MaskDecoder
    ) -> C.Value {
        let pixels = 64 * 64
        let image: C.Value
        if let dense = prompts.dense {
            image = c.reshape(c.sum(c.constant(embedding), dense), [1, pixels, 256])
        } else {
            image = c.sum(
                c.constant(embedding.reshaped([1, pixels, 256])),
                c.constant(Tensor(shape: [1, 1, 256], storage: promptEncoder.noMaskEmbed)))
        }
        let features = maskDecoder.features(
            c, image: image,
            positionalEncoding: c.constant(promptEncoder.densePositionalEncoding.reshaped([1, pixels, 256])),
            sparseTokens: prompts.sparse, batch: 1)
        let masks = maskDecoder.maskLogits(
            c, hypernetworkOutputs: maskDecoder.hypernetworkOutputs(c, features, maskTokenIndices: [0]), features)
        return c.reshape(masks, [1, 256, 256])
    }

    /// The current model-file tensors (class prompt encoder and decoder), in set order.
    public var modelTensors: [(name: String, tensor: Tensor)] { modelKeys.map { ($0, parameters[$0].value) } }

    /// The class prompt encoder and decoder with the current values (for tape-free inference).
    public func currentLayers() throws -> (classPromptEncoder: ClassPromptEncoder, maskDecoder: MaskDecoder) {
        try AutoMedSAMModelFile(
            tensors: Dictionary(uniqueKeysWithValues: modelTensors.map { ($0.name, $0.tensor) }),
            metadata: configuration.metadata
        ).layers()
    }

    /// Tape-free logits `[1, 256, 256]` of each example with the current values and no noise.
    public func currentLogits(_ examples: [AutoMedSAMExample]) throws -> [Tensor] {
        let layers = try currentLayers()
        return examples.map { example in
            let embedding = example.embedding
            let prompts = layers.classPromptEncoder.forward(
                TapeFree(), embedding: embedding, classIndex: example.classRow,
                positionalEncoding: promptEncoder.densePositionalEncoding)
            return logits(TapeFree(), embedding: embedding, prompts: prompts, decoder: layers.maskDecoder)
        }
    }
}
