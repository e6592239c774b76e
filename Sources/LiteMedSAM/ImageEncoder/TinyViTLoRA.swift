import SAMLayers
import SAMTensor

/// Low-rank (LoRA) updates of the q and v projections of every TinyViT attention block, and their
/// merge into the frozen `qkv` weights (so an adapted encoder runs at the plain encoder's speed).
///
/// A *site* is one `image_encoder.layers.{s}.blocks.{b}.attn.qkv` (s = 1…3; LiteMedSAM has 2 + 6 + 2 = 10).
/// Its factors, PyTorch-style keys, for rank r and a block of width `dim = heads · keyDim`:
///
/// | key | shape |
/// |---|---|
/// | `<site>.lora_q.a` | `[r, dim]` |
/// | `<site>.lora_q.b` | `[dim, r]` |
/// | `<site>.lora_v.a` | `[r, dim]` |
/// | `<site>.lora_v.b` | `[dim, r]` |
///
/// TinyViT's `qkv.weight` is `[3·dim, dim]` with output rows interleaved per head,
/// `[q_h0 (keyDim rows), k_h0, v_h0, q_h1, …]` (attn_ratio 1, so v has keyDim rows per head too).
/// The q channels, head-major (channel `h·keyDim + i` = row i of head h's q), are the rows of `B_q A_q`;
/// likewise for v. The merged weight is (scale 1, the SAMed convention)
///
///     qkv.weight[h·3·keyDim + i]            += (B_q A_q)[h·keyDim + i]
///     qkv.weight[h·3·keyDim + 2·keyDim + i] += (B_v A_v)[h·keyDim + i]
///
/// for every head h and i < keyDim; k rows and the bias are unchanged.
public struct TinyViTLoRA: Sendable, Equatable {
    /// One adapted attention block.
    public struct Site: Sendable, Equatable {
        /// `image_encoder.layers.{s}.blocks.{b}.attn.qkv`.
        public let prefix: String
        /// Block width (input features of `qkv`; q and v channels).
        public let dim: Int
        public let heads: Int
        /// Channels per head of q, k and v.
        public var keyDim: Int { dim / heads }
    }

    /// The update scale (α / r with α = r): 1.
    public static let scale: Float = 1

    /// The attention blocks of an encoder, stage by stage (layers.1 …).
    public static func sites(prefix: String = "image_encoder", configuration: TinyViTConfiguration = .liteMedSAM)
        -> [Site]
    {
        var out: [Site] = []
        for stage in 1..<configuration.embedDims.count {
            for block in 0..<configuration.depths[stage] {
                out.append(
                    Site(
                        prefix: "\(prefix).layers.\(stage).blocks.\(block).attn.qkv",
                        dim: configuration.embedDims[stage], heads: configuration.heads[stage]))
            }
        }
        return out
    }

    /// Every factor key with its shape, in site order (q.a, q.b, v.a, v.b).
    public static func keyShapes(
        rank: Int, prefix: String = "image_encoder",
        configuration: TinyViTConfiguration = .liteMedSAM
    ) -> [(key: String, shape: [Int])] {
        sites(prefix: prefix, configuration: configuration).flatMap { site in
            [
                ("\(site.prefix).lora_q.a", [rank, site.dim]), ("\(site.prefix).lora_q.b", [site.dim, rank]),
                ("\(site.prefix).lora_v.a", [rank, site.dim]), ("\(site.prefix).lora_v.b", [site.dim, rank]),
            ]
        }
    }

    /// Whether `key` names a LoRA factor.
    public static func isFactorKey(_ key: String) -> Bool {
        key.contains(".lora_q.") || key.contains(".lora_v.")
    }

    public let rank: Int
    public let configuration: TinyViTConfiguration
    public let prefix: String
    /// The factors by key (exactly `keyShapes(rank:)`).
    public let factors: [String: Tensor]

    /// Checks that `factors` holds exactly the keys and shapes of `keyShapes(rank:)`.
    public init(
        rank: Int, factors: [String: Tensor], prefix: String = "image_encoder",
        configuration: TinyViTConfiguration = .liteMedSAM
    ) throws {
        precondition(rank >= 1, "LoRA rank must be at least 1, got \(rank)")
        let expected = Self.keyShapes(rank: rank, prefix: prefix, configuration: configuration)
        for (key, shape) in expected {
            guard let tensor = factors[key] else { throw WeightLoadingError.missingKey(key) }
            guard tensor.shape == shape else {
                throw WeightLoadingError.shapeMismatch(key: key, expected: shape, found: tensor.shape)
            }
        }
        let known = Set(expected.map(\.key))
        let extra = factors.keys.filter { !known.contains($0) }.sorted()
        if !extra.isEmpty { throw WeightLoadingError.unexpectedKeys(extra) }
        self.rank = rank
        self.factors = factors
        self.prefix = prefix
        self.configuration = configuration
    }

    /// Takes the factors of rank `rank` out of `store` (strict keys and shapes).
    public init(
        rank: Int, taking store: inout WeightStore, prefix: String = "image_encoder",
        configuration: TinyViTConfiguration = .liteMedSAM
    ) throws {
        var factors: [String: Tensor] = [:]
        for (key, shape) in Self.keyShapes(rank: rank, prefix: prefix, configuration: configuration) {
            factors[key] = Tensor(shape: shape, storage: try store.take(key, shape: shape))
        }
        try self.init(rank: rank, factors: factors, prefix: prefix, configuration: configuration)
    }

    /// `scale · B A` for `lora_q` or `lora_v` of `site`: `[dim, dim]`, row = q (or v) channel.
    func product(_ site: Site, _ which: String) -> [Float] {
        let a = factors["\(site.prefix).\(which).a"]!.storage
        let b = factors["\(site.prefix).\(which).b"]!.storage
        let (dim, r) = (site.dim, rank)
        var out = [Float](repeating: 0, count: dim * dim)
        for row in 0..<dim {
            for k in 0..<r {
                let coefficient = b[row * r + k] * Self.scale
                if coefficient == 0 { continue }
                for col in 0..<dim { out[row * dim + col] += coefficient * a[k * dim + col] }
            }
        }
        return out
    }

    /// The update of `site`'s `qkv.weight`, `[3·dim, dim]` (zero on the k rows).
    public func weightDelta(for site: Site) -> [Float] {
        let (dim, keyDim) = (site.dim, site.keyDim)
        let q = product(site, "lora_q")
        let v = product(site, "lora_v")
        var delta = [Float](repeating: 0, count: 3 * dim * dim)
        for h in 0..<site.heads {
            for i in 0..<keyDim {
                let channel = h * keyDim + i
                let qRow = h * 3 * keyDim + i
                let vRow = qRow + 2 * keyDim
                for col in 0..<dim {
                    delta[qRow * dim + col] = q[channel * dim + col]
                    delta[vRow * dim + col] = v[channel * dim + col]
                }
            }
        }
        return delta
    }

    /// `store` (a LiteMedSAM state dict) with every site's `qkv.weight` replaced by `W + ΔW`.
    public func merged(into store: WeightStore) throws -> WeightStore {
        var out = store
        for site in Self.sites(prefix: prefix, configuration: configuration) {
            let key = "\(site.prefix).weight"
            var probe = store
            var weight = try probe.take(key, shape: [3 * site.dim, site.dim])
            let delta = weightDelta(for: site)
            for i in weight.indices { weight[i] += delta[i] }
            try out.replaceValues(of: key, with: weight)
        }
        return out
    }
}
