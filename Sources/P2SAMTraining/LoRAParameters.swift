import LiteMedSAM
import MultiRaterData
import SAMLayers
import SAMTensor
import SeededSampling

/// The LoRA factors of the image encoder inside a P²SAM `ParameterSet` (keys, shapes and merge
/// formula: `TinyViTLoRA`; contract: docs/p2sam-model.md).
public enum LoRAParameters {
    /// Adds rank-`rank` factors for every TinyViT attention block: A ~ U(−1/√dim, 1/√dim) (PyTorch's
    /// kaiming-uniform with a = √5, as LoRA initialises A), B = 0, so the adapted encoder starts equal
    /// to the frozen one. Draws: GSL mt19937 seeded from `seed`, sites in order, `lora_q.a` then
    /// `lora_v.a`, row-major.
    public static func add(
        to set: ParameterSet, rank: Int, seed: UInt64, configuration: TinyViTConfiguration = .liteMedSAM
    ) {
        precondition(rank >= 1, "LoRA rank must be >= 1")
        let random = SeededRandom(seed: seed &+ 0x4C6F_5241)
        for site in TinyViTLoRA.sites(configuration: configuration) {
            let bound = 1 / Double(site.dim).squareRoot()
            for which in ["lora_q", "lora_v"] {
                let a = (0..<(rank * site.dim)).map { _ in Float(random.uniform(-bound, bound)) }
                set.add("\(site.prefix).\(which).a", Tensor(shape: [rank, site.dim], storage: a))
                set.add("\(site.prefix).\(which).b", Tensor(shape: [site.dim, rank]))
            }
        }
    }

    /// The rank of the set's LoRA factors, or nil when it has none.
    public static func rank(of set: ParameterSet) -> Int? {
        guard let first = TinyViTLoRA.sites().first, set.contains("\(first.prefix).lora_q.a") else { return nil }
        return set["\(first.prefix).lora_q.a"].value.shape[0]
    }

    /// Whether `name` is a LoRA factor.
    public static func isFactor(_ name: String) -> Bool { TinyViTLoRA.isFactorKey(name) }

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

    /// The set's factors as a `TinyViTLoRA` (for merging into the inference encoder), or nil.
    public static func factors(of set: ParameterSet) throws -> TinyViTLoRA? {
        guard let rank = rank(of: set) else { return nil }
        var factors: [String: Tensor] = [:]
        for name in set.names where isFactor(name) { factors[name] = set[name].value }
        return try TinyViTLoRA(rank: rank, factors: factors)
    }
}
