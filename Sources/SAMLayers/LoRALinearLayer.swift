import SAMTensor

/// A `LinearLayer` wrapped with low-rank (LoRA) updates of some of its output rows:
/// `W' = W + scale · ΔW`, where each *target* owns a factor pair `key.<name>.a` `[r, in]` and
/// `key.<name>.b` `[groups · width, r]` and `B A` fills the target's rows.
///
/// The output rows form `groups` consecutive groups of `outFeatures / groups` rows; a target updates rows
/// `offset ..< offset + width` of every group, row `i` of group `g` taking row `g · width + i` of `B A`.
/// TinyViT's `qkv` (rows `[q_h0, k_h0, v_h0, q_h1, …]`, `keyDim` each) has one group per head and the
/// targets `lora_q` (offset 0) and `lora_v` (offset `2 · keyDim`), both `keyDim` wide
/// (`WindowAttentionLayer.qkvLayout`).
///
/// Tape-free forwards run the plain `linear` with the update merged into its weight at load (so an adapted
/// layer costs what the plain one does); `Recording` adds `B A` to the frozen weight on the tape, so
/// gradients reach the factors.
public struct LoRALinearLayer: Sendable, DeclaresParameters {
    /// The rows one factor pair updates in every group.
    public struct Target: Sendable, Equatable {
        /// The factor pair's name under the layer's key (`lora_q`: keys `key.lora_q.a`, `key.lora_q.b`).
        public let name: String
        /// First updated row within a group.
        public let offset: Int
        /// Updated rows per group.
        public let width: Int

        /// A target named `name` (`lora_q`) updating rows `offset ..< offset + width` of each group.
        public init(name: String, offset: Int, width: Int) {
            self.name = name
            self.offset = offset
            self.width = width
        }
    }

    /// Where the factors of a layer go, independent of their rank.
    public struct Layout: Sendable, Equatable {
        /// The wrapped linear layer's key prefix, e.g. `image_encoder.layers.1.blocks.0.attn.qkv`.
        public let key: String
        public let inFeatures: Int
        public let outFeatures: Int
        public let groups: Int
        /// Ordered by offset, not overlapping.
        public let targets: [Target]

        /// The layout of LoRA factors on the linear layer at `key` (`outFeatures x inFeatures`), its rows in
        /// `groups` equal groups (heads), updated at `targets`.
        public init(key: String, inFeatures: Int, outFeatures: Int, groups: Int, targets: [Target]) {
            precondition(
                groups >= 1 && outFeatures % groups == 0, "LoRA \(key): \(outFeatures) rows in \(groups) groups")
            var end = 0
            for target in targets {
                precondition(
                    target.offset >= end && target.width >= 1 && target.offset + target.width <= outFeatures / groups,
                    "LoRA \(key): target \(target.name) overlaps or leaves its group")
                end = target.offset + target.width
            }
            self.key = key
            self.inFeatures = inFeatures
            self.outFeatures = outFeatures
            self.groups = groups
            self.targets = targets
        }

        /// Rows per group.
        public var groupWidth: Int { outFeatures / groups }

        /// `key.<name>.a` and `key.<name>.b`.
        public func factorKeys(of target: Target) -> (a: String, b: String) {
            ("\(key).\(target.name).a", "\(key).\(target.name).b")
        }

        /// The factors of rank `rank`, target by target (`a` `[r, in]`, then `b` `[groups · width, r]`).
        public func factorDeclarations(rank: Int) -> [ParameterDeclaration] {
            targets.flatMap { target in
                let keys = factorKeys(of: target)
                return [
                    ParameterDeclaration(key: keys.a, shape: [rank, inFeatures]),
                    ParameterDeclaration(key: keys.b, shape: [groups * target.width, rank]),
                ]
            }
        }

        /// `scale · ΔW`, `[out, in]` row-major (zero outside the targets' rows), from the factors' values
        /// (`factor(key)` returns the row-major values of `key`).
        public func weightUpdate(rank: Int, factor: (String) throws -> [Float]) rethrows -> [Float] {
            var delta = [Float](repeating: 0, count: outFeatures * inFeatures)
            for target in targets {
                let keys = factorKeys(of: target)
                let product = Self.product(
                    a: try factor(keys.a), b: try factor(keys.b), rows: groups * target.width, rank: rank,
                    columns: inFeatures)
                for g in 0..<groups {
                    for i in 0..<target.width {
                        let source = (g * target.width + i) * inFeatures
                        let row = g * groupWidth + target.offset + i
                        for col in 0..<inFeatures { delta[row * inFeatures + col] = product[source + col] }
                    }
                }
            }
            return delta
        }

        /// `scale · B A`: `[rows, columns]` from `b` `[rows, rank]` and `a` `[rank, columns]`.
        static func product(a: [Float], b: [Float], rows: Int, rank: Int, columns: Int) -> [Float] {
            var out = [Float](repeating: 0, count: rows * columns)
            for row in 0..<rows {
                for k in 0..<rank {
                    let coefficient = b[row * rank + k] * LoRALinearLayer.scale
                    if coefficient == 0 { continue }
                    for col in 0..<columns { out[row * columns + col] += coefficient * a[k * columns + col] }
                }
            }
            return out
        }
    }

    /// The update scale (α / r with α = r, the SAMed convention): 1.
    public static let scale: Float = 1

    /// Whether `key` names a LoRA factor (`….lora_<name>.a` or `.b`).
    public static func isFactorKey(_ key: String) -> Bool {
        let parts = key.split(separator: ".")
        guard parts.count >= 3, let last = parts.last, last == "a" || last == "b" else { return false }
        return parts[parts.count - 2].hasPrefix("lora_")
    }

    public let layout: Layout
    /// The factors' rank, or nil for the plain layer (no factors read).
    public let rank: Int?
    /// The wrapped layer (keys `layout.key.weight`, `.bias`); for tape-free forwards its weight has the
    /// update merged in.
    public let linear: LinearLayer

    /// Reads the wrapped layer and, for a rank, its factors from `store` (strictly) and merges them.
    public init(_ store: inout WeightStore, _ layout: Layout, rank: Int?) throws {
        var plain = try LinearLayer(&store, layout.key, in: layout.inFeatures, out: layout.outFeatures)
        if let rank {
            precondition(rank >= 1, "LoRA rank must be at least 1, got \(rank)")
            var factors: [String: [Float]] = [:]
            for declaration in layout.factorDeclarations(rank: rank) {
                factors[declaration.key] = try store.take(declaration.key, shape: declaration.shape)
            }
            plain = plain.addingToWeight(layout.weightUpdate(rank: rank) { factors[$0]! })
        }
        self.layout = layout
        self.rank = rank
        linear = plain
    }

    public var key: String { layout.key }

    public var parameterDeclarations: [ParameterDeclaration] {
        linear.parameterDeclarations + (rank.map { layout.factorDeclarations(rank: $0) } ?? [])
    }
}
