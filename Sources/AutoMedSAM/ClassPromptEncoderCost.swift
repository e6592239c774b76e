import SAMLayers
import SAMTensor

extension ClassPromptEncoder {
    /// Multiply-accumulates of one class's forward pass at the 64x64 embedding, counted from the layers'
    /// shapes: every 1x1 convolution (`in × out` per position), every 3x3 convolution (`9 × in × out` per
    /// position, zero padding counted) and the class map's broadcast over the 256 channels. Element-wise
    /// work (ReLU, sigmoid, products, pooling, the noise) is not counted. The benchmark turns this into
    /// GFLOP (2 per multiply-accumulate) to set AutoMedSAM's timings beside the machine's GEMM peak.
    public var multiplyAccumulatesPerClass: Int {
        let positions = Self.side * Self.side
        func perPosition(_ layer: LinearLayer) -> Int { layer.linear.inFeatures * layer.linear.outFeatures }
        var perPositionCount = Self.embedDim  // the broadcast class map
        for level in levels {
            perPositionCount += perPosition(level.reduce)
            perPositionCount += 9 * level.convolution.inChannels * level.convolution.outChannels
        }
        perPositionCount += middle.map(perPosition).reduce(0, +)
        var pooledCount = 0
        for branch in [dense, sparse].compactMap({ $0 }) {
            let attentionCount = branch.attentionLayers.map(perPosition).reduce(0, +)
            switch branch.attention {
            case .elementWise: perPositionCount += attentionCount
            case .channel: pooledCount += attentionCount
            }
            perPositionCount += branch.decoderLayers.map(perPosition).reduce(0, +) + perPosition(branch.output)
        }
        return perPositionCount * positions + pooledCount
    }
}
