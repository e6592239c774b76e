/// 16-lane SIMD versions of `FastMath` and the row kernels built on them.
///
/// Explicit vectors guarantee vector code where the scalar forms would not auto-vectorise
/// (reductions, float-to-int conversion). Results agree with the scalar `FastMath` functions to
/// within their stated accuracy.
public enum VectorMath {
    public typealias Vector = SIMD16<Float>
    static let lanes = 16

    /// `exp` on 16 lanes: the same reduction and polynomial as `FastMath.exp`; `n` is extracted with
    /// the 1.5·2²³ rounding trick, which needs no (trapping) float-to-int conversion.
    @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        let clamped = x.clamped(lowerBound: Vector(repeating: -87), upperBound: Vector(repeating: 88))
        let magic = Vector(repeating: 12_582_912)  // 1.5 · 2²³
        let shifted = clamped * 1.442_695_040_9 + magic
        let n = shifted - magic
        let r = (clamped - n * 0.693_145_751_953_125) - n * 1.428_606_765_330_187e-6
        var p = Vector(repeating: 1.0 / 5040.0)
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        let integer = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
        return p * scale
    }

    /// Exact-form GELU on 16 lanes (erf by the rational approximation of `FastMath.erf`).
    @inline(__always)
    public static func gelu(_ x: Vector) -> Vector {
        let c = (x * 0.707_106_781_186_547_5).clamped(lowerBound: Vector(repeating: -4), upperBound: Vector(repeating: 4))
        let x2 = c * c
        var p = Vector(repeating: -2.726_142_258_013_06e-10)
        p = p * x2 + 2.770_681_424_959_02e-08
        p = p * x2 - 2.101_024_020_825_08e-06
        p = p * x2 - 5.692_506_394_623_46e-05
        p = p * x2 - 7.349_906_303_268_55e-04
        p = p * x2 - 2.954_599_808_540_25e-03
        p = p * x2 - 1.609_603_332_624_15e-02
        var q = Vector(repeating: -1.456_607_184_649_96e-05)
        q = q * x2 - 2.133_740_552_789_05e-04
        q = q * x2 - 1.682_826_974_382_03e-03
        q = q * x2 - 7.373_329_167_204_68e-03
        q = q * x2 - 1.426_473_905_141_89e-02
        return 0.5 * x * (1 + c * p / q)
    }

    /// Applies `vector` to whole 16-lane chunks and `scalar` to the tail, in place.
    @inline(__always)
    static func map(_ p: UnsafeMutablePointer<Float>, count: Int, _ vector: (Vector) -> Vector, _ scalar: (Float) -> Float) {
        let raw = UnsafeMutableRawPointer(p)
        var i = 0
        while i + lanes <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)
            raw.storeBytes(of: vector(v), toByteOffset: i * 4, as: Vector.self)
            i += lanes
        }
        while i < count { p[i] = scalar(p[i]); i += 1 }
    }

    /// Softmax of one row of `count` values in place (max-subtracted).
    @inline(__always)
    public static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(row)
        var i = 0
        var maxima = Vector(repeating: -.infinity)
        while i + lanes <= count {
            maxima = pointwiseMax(maxima, raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self))
            i += lanes
        }
        var maximum = maxima.max()
        while i < count { maximum = Swift.max(maximum, row[i]); i += 1 }
        let shift = Vector(repeating: maximum)
        i = 0
        var sums = Vector(repeating: 0)
        while i + lanes <= count {
            let e = exp(raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self) - shift)
            raw.storeBytes(of: e, toByteOffset: i * 4, as: Vector.self)
            sums += e
            i += lanes
        }
        var sum = sums.sum()
        while i < count { let e = FastMath.exp(row[i] - maximum); row[i] = e; sum += e; i += 1 }
        let inverse = 1 / sum
        map(row, count: count, { $0 * inverse }, { $0 * inverse })
    }
}
