import Foundation
import LiteMedSAM
import MedImageIO

/// An equal-weight mixture of P²SAM models (for example trainings of one recipe with different seeds): of n
/// samples, component k draws `counts(for: n)[k]` (n/K each, the first n mod K components one more), each with its
/// own prompt distribution, τ, presence head and box proposal, and the statistics describe all n together.
///
/// With one component the mixture is that sampler: the same masks, in the same order, from the same seed.
public struct P2SAMMixture: Sendable {
    /// The components, in the order their samples are delivered.
    public let components: [P2SAMSampler]

    /// Largest number of components (each holds a whole model in memory).
    public static let maximumComponentCount = 16
    /// Component k > 0 samples with seed `seed &+ k &* componentStreamOffset` (component 0 with `seed` itself).
    public static let componentStreamOffset: UInt64 = 0x4D49_5854_5552_4531

    /// A mixture of `components` (1...`maximumComponentCount` samplers).
    public init(components: [P2SAMSampler]) throws {
        guard (1...Self.maximumComponentCount).contains(components.count) else {
            throw P2SAMModelError.invalidMixture(
                "a mixture needs 1 to \(Self.maximumComponentCount) models, not \(components.count)")
        }
        self.components = components
    }

    /// The mixture of one model: `sampler` itself.
    public init(_ sampler: P2SAMSampler) {
        components = [sampler]
    }

    /// Samples per component for `count` samples in all: `count / K`, plus one for the first `count % K`.
    public func counts(for count: Int) -> [Int] {
        let k = components.count
        return (0..<k).map { count / k + ($0 < count % k ? 1 : 0) }
    }

    /// The seed component `index` samples with when the mixture is given `seed`.
    public static func componentSeed(_ seed: UInt64, index: Int) -> UInt64 {
        seed &+ UInt64(index) &* componentStreamOffset
    }

    /// Runs every component's `P2SAMSampler.prepare(_:embedded:prompt:)` on `image` (one per component, in order).
    /// LiteMedSAM's encoder runs at most once for all components without a LoRA-adapted encoder: the first such
    /// component's embedding (or `reuse`) is handed to the others.
    public func prepare(_ image: MedicalImage, embedded reuse: EmbeddedImage?, prompt: ImagePrompt? = nil) throws
        -> [P2SAMPreparedImage]
    {
        var shared = reuse
        return try components.map { component in
            let prepared = try component.prepare(image, embedded: shared, prompt: prompt)
            if shared == nil && component.model.loraRank == nil { shared = prepared.embedded }
            return prepared
        }
    }

    /// Draws `count` masks (1...`P2SAMSampler.maximumSampleCount`) from the prepared images (`prepare`'s result, one
    /// per component): component 0's first, then component 1's, ...; `onSample` gets the index over all samples.
    /// Returns the frequency over all `count` masks (height x width of the image, row-major).
    public func sample(
        _ prepared: [P2SAMPreparedImage], count: Int, seed: UInt64,
        onSample: (Int, MaskImage) throws -> Void = { _, _ in }
    ) throws -> SampleStatistics {
        guard prepared.count == components.count else {
            throw P2SAMModelError.invalidMixture(
                "\(prepared.count) prepared images for a mixture of \(components.count) models")
        }
        guard (1...P2SAMSampler.maximumSampleCount).contains(count) else {
            throw P2SAMModelError.invalidSampleCount(count, maximum: P2SAMSampler.maximumSampleCount)
        }
        var frequency: [Float]? = nil
        var width = 0
        var height = 0
        var first = 0
        for (index, share) in counts(for: count).enumerated() where share > 0 {
            let start = first
            let statistics = try components[index].sample(
                prepared[index], count: share, seed: Self.componentSeed(seed, index: index)
            ) { k, mask in try onSample(start + k, mask) }
            if share == count { return statistics }  // one component drew every sample: its statistics, unchanged
            if let existing = frequency {
                guard statistics.width == width && statistics.height == height else {
                    throw P2SAMModelError.invalidMixture(
                        "component \(index) sampled \(statistics.width)x\(statistics.height) masks, not \(width)x\(height)"
                    )
                }
                frequency = zip(existing, statistics.frequency).map { $0 + Float(share) * $1 }
            } else {
                width = statistics.width
                height = statistics.height
                frequency = statistics.frequency.map { Float(share) * $0 }
            }
            first += share
        }
        return SampleStatistics(
            width: width, height: height, count: count, frequency: (frequency ?? []).map { $0 / Float(count) })
    }
}
