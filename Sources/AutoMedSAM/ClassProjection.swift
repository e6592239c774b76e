import SAMLayers
import SAMTensor

/// The class projection of AutoMedSAM's class prompt encoder: class row `r` (0..<K) → its 64x64 class map
/// `c` as 4096 values (row-major, y then x), in the `ClassCoding` the model was trained with:
/// - `.map`: row `r` of the table `key.weight` `(K, 4096)`;
/// - `.index`: `W_c · i + b_c` for the scalar `i = r + 1`, from `key.weight` `(4096, 1)` and `key.bias`
///   `(4096)` (a `LinearLayer` `1 → 4096`).
public struct ClassProjection: Sendable, DeclaresParameters {
    /// The weights of one coding.
    public enum Weights: Sendable {
        /// One learned map per class (`(K, 4096)`).
        case map(EmbeddingTable)
        /// A weight map and a bias map (`LinearLayer` `1 → 4096`).
        case index(LinearLayer)
    }

    /// K, the number of classes.
    public let classCount: Int
    /// The map's values per class (side², 4096 for the 64x64 embedding).
    public let mapSize: Int
    /// The learned weights, in the form of their coding.
    public let weights: Weights

    /// Reads the projection at `key` (e.g. `class_prompt_net.class_projection`) for `classCount` classes,
    /// maps of `mapSize` values and `coding`, strictly.
    ///
    /// - Parameters:
    ///   - store: the weights; the projection's keys are taken from it.
    ///   - key: the key prefix.
    ///   - coding: the class coding (`.map`: `key.weight` `(K, mapSize)`; `.index`: `key.weight`
    ///     `(mapSize, 1)` and `key.bias` `(mapSize)`).
    ///   - classCount: K (≥ 1).
    ///   - mapSize: values per class map.
    /// - Throws: `WeightLoadingError` for a missing or mis-shaped key.
    public init(_ store: inout WeightStore, _ key: String, coding: ClassCoding, classCount: Int, mapSize: Int) throws {
        precondition(classCount >= 1, "class projection needs at least one class")
        self.classCount = classCount
        self.mapSize = mapSize
        switch coding {
        case .map: weights = .map(try EmbeddingTable(&store, key, rows: classCount, dim: mapSize))
        case .index: weights = .index(try LinearLayer(&store, key, in: 1, out: mapSize))
        }
    }

    /// The coding of these weights.
    public var coding: ClassCoding {
        switch weights {
        case .map: return .map
        case .index: return .index
        }
    }

    /// The scalar class index `i` of class row `row` under the `.index` coding: its ordinal `row + 1`.
    public static func index(ofRow row: Int) -> Float { Float(row + 1) }

    public var parameterDeclarations: [ParameterDeclaration] {
        switch weights {
        case .map(let table): return table.parameterDeclarations
        case .index(let layer): return layer.parameterDeclarations
        }
    }

    /// The class map of class row `row` (0..<K): `mapSize` values.
    public func map(ofRow row: Int) -> [Float] {
        precondition((0..<classCount).contains(row), "class row \(row) of \(classCount)")
        switch weights {
        case .map(let table): return Array(table.values[(row * mapSize)..<((row + 1) * mapSize)])
        case .index(let layer): return layer.linear.apply(to: [Self.index(ofRow: row)])
        }
    }

    /// The class map of class row `row` (0..<K) in context `c`: `[1, mapSize]`.
    public func forward<C: ForwardContext>(_ c: C, row: Int) -> C.Value {
        precondition((0..<classCount).contains(row), "class row \(row) of \(classCount)")
        switch weights {
        case .map(let table):
            return c.slice(c.rows(of: table), alongAxis: 0, row..<(row + 1))
        case .index(let layer):
            return c.linear(c.constant(Tensor(shape: [1, 1], storage: [Self.index(ofRow: row)])), layer)
        }
    }
}
