import LiteMedSAM
import SAMLayers
import SAMTensor

/// `pgn`: P²SAM's prompt generation network, an axis-aligned conv Gaussian over the 256-d latent.
///
/// Input: the grey mean of the preprocessed `[3, 256, 256]` model input, 2x2-average-pooled to
/// `[128, 128, 1]` (NHWC). Four blocks (`widths`), each: 2x2 average pool (blocks 1–3), then three
/// 3x3 convolutions (padding 1, bias) with ReLU. Global mean → `head` (Linear → 512) →
/// `μ = out[0..<256]`, `σ = exp(clamp(out[256..<512], −10, 5))`.
public struct PromptGenerationNetwork: Sendable {
    struct Convolution3x3: Sendable {
        let inChannels: Int
        let outChannels: Int
        /// `(out, 3, 3, in)`.
        let weight: [Float]
        let bias: [Float]
    }

    public let widths: [Int]
    let blocks: [[Convolution3x3]]
    let head: Linear
    public let latentDim: Int

    public init(_ store: inout WeightStore, prefix: String = "pgn", widths: [Int], latentDim: Int = 256) throws {
        self.widths = widths
        self.latentDim = latentDim
        var blocks: [[Convolution3x3]] = []
        var inChannels = 1
        for (b, width) in widths.enumerated() {
            var convs: [Convolution3x3] = []
            for c in 0..<3 {
                let key = "\(prefix).blocks.\(b).convs.\(c)"
                let weight = try store.take("\(key).weight", shape: [width, inChannels, 3, 3])
                convs.append(
                    Convolution3x3(
                        inChannels: inChannels, outChannels: width,
                        weight: SAMTensor.Convolution.prepareDense3x3(
                            weight, outChannels: width, inChannels: inChannels),
                        bias: try store.take("\(key).bias", shape: [width])))
                inChannels = width
            }
            blocks.append(convs)
        }
        self.blocks = blocks
        let headWeight = try store.take("\(prefix).head.weight", shape: [2 * latentDim, inChannels])
        head = Linear(
            weight: headWeight, bias: try store.take("\(prefix).head.bias", shape: [2 * latentDim]),
            inFeatures: inChannels, outFeatures: 2 * latentDim)
    }

    /// The PGN input for a preprocessed model input `[3, 256, 256]`: `[128, 128, 1]`.
    public static func input(fromModelInput input: Tensor) -> Tensor {
        precondition(input.shape == [3, 256, 256], "PGN input must come from a [3, 256, 256] model input")
        let plane = 256 * 256
        return Tensor(shape: [128, 128, 1]) { out in
            for y in 0..<128 {
                for x in 0..<128 {
                    var sum: Float = 0
                    for c in 0..<3 {
                        for dy in 0..<2 {
                            for dx in 0..<2 { sum += input.storage[c * plane + (2 * y + dy) * 256 + 2 * x + dx] }
                        }
                    }
                    out[y * 128 + x] = sum / 12
                }
            }
        }
    }

    /// Mean and standard deviation of the latent Gaussian for a PGN input `[128, 128, 1]`.
    public func callAsFunction(_ input: Tensor) -> (mean: [Float], standardDeviation: [Float]) {
        var x = input
        for (b, convs) in blocks.enumerated() {
            if b > 0 { x = Self.averagePool2x2(x) }
            for conv in convs { x = Self.convolveReLU(x, conv) }
        }
        let (h, w, c) = (x.shape[0], x.shape[1], x.shape[2])
        var pooled = [Float](repeating: 0, count: c)
        for i in 0..<(h * w) { for ch in 0..<c { pooled[ch] += x.storage[i * c + ch] } }
        for ch in 0..<c { pooled[ch] /= Float(h * w) }
        let out = head.apply(to: pooled)
        let mean = Array(out[0..<latentDim])
        let deviation = out[latentDim..<(2 * latentDim)].map { Float(exp(Double(Swift.min(Swift.max($0, -10), 5)))) }
        return (mean, deviation)
    }

    static func convolveReLU(_ input: Tensor, _ conv: Convolution3x3) -> Tensor {
        let (h, w) = (input.shape[0], input.shape[1])
        var out = Tensor(shape: [h, w, conv.outChannels]) { buffer in
            input.storage.withUnsafeBufferPointer { x in
                conv.weight.withUnsafeBufferPointer { weight in
                    conv.bias.withUnsafeBufferPointer { bias in
                        SAMTensor.Convolution.dense3x3(
                            x.baseAddress!, height: h, width: w, inChannels: conv.inChannels,
                            weight: weight.baseAddress!, bias: bias, outChannels: conv.outChannels,
                            output: buffer.baseAddress!)
                    }
                }
            }
        }
        out.applyReLU()
        return out
    }

    /// 2x2 average pooling with stride 2 on `[H, W, C]` (H, W even).
    static func averagePool2x2(_ input: Tensor) -> Tensor {
        let (h, w, c) = (input.shape[0], input.shape[1], input.shape[2])
        return Tensor(shape: [h / 2, w / 2, c]) { out in
            for y in 0..<(h / 2) {
                for x in 0..<(w / 2) {
                    for ch in 0..<c {
                        let a = input.storage[((2 * y) * w + 2 * x) * c + ch]
                        let b = input.storage[((2 * y) * w + 2 * x + 1) * c + ch]
                        let d = input.storage[((2 * y + 1) * w + 2 * x) * c + ch]
                        let e = input.storage[((2 * y + 1) * w + 2 * x + 1) * c + ch]
                        out[(y * (w / 2) + x) * c + ch] = (a + b + d + e) * 0.25
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
