import SAMTensor
import SeededSampling

/// AutoMedSAM's "forward diffusion" noise: at step `t` of `T`, Gaussian noise of standard deviation
/// `σ_t = s / (t + 1)` (s = 1 in the released code) added to every element of the image embedding (`[64, 64, 256]`). Training draws
/// `t` uniformly from `0..<T` per pass; inference uses no noise, and `autoseg --samples` draws noisy
/// passes the same way as training to get class-level uncertainty.
public struct DiffusionNoise: Sendable, Equatable {
    /// T, the number of noise levels; 0 turns the noise off (the "diffusion off" ablation).
    public var steps: Int
    /// The scale `s` of every level's standard deviation.
    public var scale: Float

    /// Noise over `steps` levels (0: none), standard deviations `scale / (t + 1)`.
    public init(steps: Int, scale: Float = 1) {
        self.steps = steps
        self.scale = scale
    }

    /// Whether any noise is added.
    public var isOn: Bool { steps > 0 }

    /// `σ_t = 1 / (t + 1)`.
    public static func standardDeviation(step t: Int) -> Float { 1 / Float(t + 1) }

    /// A noise tensor of `shape` at a level drawn from `random` (`t` uniform in `0..<steps`), or nil
    /// when the noise is off. Draws `1 + count` numbers from `random`.
    public func draw(shape: [Int], random: SeededRandom) -> Tensor? {
        guard isOn else { return nil }
        let sigma = Double(scale * Self.standardDeviation(step: random.integer(below: steps)))
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = Float(random.gaussian(sigma: sigma)) }
        return Tensor(shape: shape, storage: values)
    }
}
