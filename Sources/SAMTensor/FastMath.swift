/// Vectorisable float32 approximations of `exp` and `erf`.
///
/// Written as straight-line scalar code without library calls so the compiler vectorises the loops
/// that use them. Accuracy is checked against the Double-precision functions in the tests.
public enum FastMath {
    /// `exp(x)`: range reduction `x = n ln2 + r`, |r| <= ln2 / 2, and a degree-7 Taylor polynomial.
    /// Relative error below 2e-7 for x in [-87, 88]; inputs are clamped to that range.
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -87.0), 88.0)
        // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low mantissa bits,
        // so no (trapping, non-vectorisable) float-to-int conversion is needed.
        let magic: Float = 12_582_912
        let shifted = clamped * 1.442_695_040_9 + magic
        let n = shifted - magic
        // ln 2 split in a high part with few significant bits and a low correction (Cody–Waite).
        let r = (clamped - n * 0.693_145_751_953_125) - n * 1.428_606_765_330_187e-6
        var p: Float = 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        return p * scale
    }

    /// `erf(x)` as an odd rational function `x P(x²) / Q(x²)` on [-4, 4] (erf(±4) = ±1 to float
    /// precision). Absolute error below 5e-7.
    @inline(__always)
    public static func erf(_ x: Float) -> Float {
        let c = Swift.min(Swift.max(x, -4.0), 4.0)
        let x2 = c * c
        var p: Float = -2.726_142_258_013_06e-10
        p = p * x2 + 2.770_681_424_959_02e-08
        p = p * x2 - 2.101_024_020_825_08e-06
        p = p * x2 - 5.692_506_394_623_46e-05
        p = p * x2 - 7.349_906_303_268_55e-04
        p = p * x2 - 2.954_599_808_540_25e-03
        p = p * x2 - 1.609_603_332_624_15e-02
        var q: Float = -1.456_607_184_649_96e-05
        q = q * x2 - 2.133_740_552_789_05e-04
        q = q * x2 - 1.682_826_974_382_03e-03
        q = q * x2 - 7.373_329_167_204_68e-03
        q = q * x2 - 1.426_473_905_141_89e-02
        return c * p / q
    }

    /// Exact (erf-based) GELU, PyTorch's `approximate='none'`: `x/2 (1 + erf(x/√2))`.
    @inline(__always)
    public static func gelu(_ x: Float) -> Float {
        0.5 * x * (1 + erf(x * 0.707_106_781_186_547_5))
    }
}
