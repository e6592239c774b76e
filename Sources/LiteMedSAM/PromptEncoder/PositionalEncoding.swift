import SAMLayers

/// `prompt_encoder.pe_layer`: SAM's random-Fourier positional encoding.
///
/// A point with normalised coordinates `(u, v)` in [0, 1] maps to
/// `[sin(2π (2u−1, 2v−1) G), cos(2π (2u−1, 2v−1) G)]`, where `G` is the `(2, 128)` Gaussian matrix
/// stored in the checkpoint (row 0 multiplies x, row 1 multiplies y): 256 values.
///
/// `G` is a buffer, never trained: encodings are computed tape-free and enter a recorded forward as
/// constants.
public struct RandomFourierEncoding: Sendable, DeclaresParameters {
    /// `key.positional_encoding_gaussian_matrix`, `(2, featureCount)`.
    public let gaussianMatrix: ParameterTensor
    let featureCount: Int

    /// Reads the Gaussian matrix of the encoding at `key` (e.g. `prompt_encoder.pe_layer`), strictly.
    public init(_ store: inout WeightStore, _ key: String, featureCount: Int) throws {
        gaussianMatrix = try ParameterTensor(
            &store, "\(key).positional_encoding_gaussian_matrix", shape: [2, featureCount])
        self.featureCount = featureCount
    }

    public var parameterDeclarations: [ParameterDeclaration] { gaussianMatrix.parameterDeclarations }

    /// Encoding width (`2 · featureCount`).
    public var dimension: Int { 2 * featureCount }

    /// Writes the encoding of normalised `(u, v)` to `output[0..<dimension]`.
    func encode(u: Float, v: Float, into output: UnsafeMutablePointer<Float>) {
        let cx = 2 * u - 1
        let cy = 2 * v - 1
        gaussianMatrix.values.withUnsafeBufferPointer { g in
            for f in 0..<featureCount {
                let angle = 2 * Float.pi * (cx * g[f] + cy * g[featureCount + f])
                output[f] = sin(angle)
                output[featureCount + f] = cos(angle)
            }
        }
    }

    /// The encoding of normalised `(u, v)`.
    public func encode(u: Float, v: Float) -> [Float] {
        [Float](unsafeUninitializedCapacity: dimension) { buffer, count in
            encode(u: u, v: v, into: buffer.baseAddress!)
            count = dimension
        }
    }

    /// `get_dense_pe()`: the encoding of every cell centre of a `side x side` grid,
    /// `((j + 0.5) / side, (i + 0.5) / side)`, as `[side, side, dimension]` (NHWC).
    public func grid(side: Int) -> [Float] {
        var out = [Float](repeating: 0, count: side * side * dimension)
        out.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<side {
                for j in 0..<side {
                    encode(
                        u: (Float(j) + 0.5) / Float(side), v: (Float(i) + 0.5) / Float(side),
                        into: buffer.baseAddress! + (i * side + j) * dimension)
                }
            }
        }
        return out
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
