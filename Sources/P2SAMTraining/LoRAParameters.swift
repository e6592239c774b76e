import LiteMedSAM
import MultiRaterData
import SAMLayers
import SAMTensor
import SeededSampling

/// The LoRA factors of the image encoder inside a P²SAM `ParameterSet` (keys and shapes:
/// `TinyViTEncoder.loraLayouts`, merge formula: `LoRALinearLayer`; contract: docs/p2sam-model.md).
public enum LoRAParameters {
    /// Adds rank-`rank` factors for every TinyViT attention block: A ~ U(−1/√dim, 1/√dim) (PyTorch's
    /// kaiming-uniform with a = √5, as LoRA initialises A), B = 0, so the adapted encoder starts equal
    /// to the frozen one. Draws: GSL mt19937 seeded from `seed`, blocks in order, `lora_q.a` then
    /// `lora_v.a`, row-major.
    public static func add(
        to set: ParameterSet, rank: Int, seed: UInt64, configuration: TinyViTConfiguration = .liteMedSAM
    ) {
        precondition(rank >= 1, "LoRA rank must be >= 1")
        let random = SeededRandom(seed: seed &+ 0x4C6F_5241)
        for layout in TinyViTEncoder.loraLayouts(configuration: configuration) {
            let bound = 1 / Double(layout.inFeatures).squareRoot()
            for target in layout.targets {
                let keys = layout.factorKeys(of: target)
                let a = (0..<(rank * layout.inFeatures)).map { _ in Float(random.uniform(-bound, bound)) }
                set.add(keys.a, Tensor(shape: [rank, layout.inFeatures], storage: a))
                set.add(keys.b, Tensor(shape: [layout.groups * target.width, rank]))
            }
        }
    }

    /// The rank of the set's LoRA factors, or nil when it has none.
    public static func rank(of set: ParameterSet) -> Int? {
        guard let layout = TinyViTEncoder.loraLayouts().first, let target = layout.targets.first else { return nil }
        let key = layout.factorKeys(of: target).a
        return set.contains(key) ? set[key].value.shape[0] : nil
    }

    /// Whether `name` is a LoRA factor.
    public static func isFactor(_ name: String) -> Bool { LoRALinearLayer.isFactorKey(name) }

    /// A digest of the factors' values (FNV-1a 64 over their bits, in key order), or nil without LoRA:
    /// keys cached embeddings of the merged encoder apart from the plain encoder's.
    public static func fingerprint(of set: ParameterSet) -> String? {
        guard rank(of: set) != nil else { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in set.names.filter(isFactor).sorted() {
            for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            for v in set[name].value.storage { hash = (hash ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01b3 }
        }
        return String(hash, radix: 16)
    }

    /// The tape-free encoder of `backbone` (a LiteMedSAM state dict) with the set's LoRA factors merged
    /// into its `qkv` weights, or the plain encoder when the set has none.
    public static func encoder(backbone: WeightStore, adaptedBy set: ParameterSet) throws -> TinyViTEncoder {
        var store = backbone
        let rank = rank(of: set)
        if let rank {
            for layout in TinyViTEncoder.loraLayouts() {
                for factor in layout.factorDeclarations(rank: rank) {
                    let value = set[factor.key].value
                    try store.insert(factor.key, NamedWeight(shape: value.shape, values: value.storage))
                }
            }
        }
        return try TinyViTEncoder(&store, loraRank: rank)
    }
}
