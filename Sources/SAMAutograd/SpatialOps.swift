import SAMTensor

extension Variable {
    /// Mean over the spatial dimensions: `[B, H, W, C]` → `[B, C]`, or `[H, W, C]` → `[C]`.
    public func globalMeanPool() -> Variable {
        let shape = self.shape
        let (batch, height, width, channels) = imageDimensions(shape, "globalMeanPool")
        let extent = height * width
        let scale = 1 / Float(Swift.max(extent, 1))
        let outShape = shape.count == 4 ? [batch, channels] : [channels]
        let pooled = sumMiddle(value, outer: batch, extent: extent, inner: channels, scale: scale)
        return graph.record(Tensor(shape: outShape, storage: pooled), inputs: [self]) { graph, g in
            graph.accumulate(
                repeatMiddle(g, outer: batch, extent: extent, inner: channels, scale: scale, shape: shape),
                into: self)
        }
    }

    /// Repeats a vector at every position of a grid (e.g. a latent sample tiled as a dense prompt):
    /// `[C]` → `[height, width, C]`, `[B, C]` → `[B, height, width, C]`. Backward sums over the grid.
    public func tiled(height: Int, width: Int) -> Variable {
        let shape = self.shape
        precondition(shape.count == 1 || shape.count == 2, "tiled: want [C] or [B, C], got \(shape)")
        let batch = shape.count == 2 ? shape[0] : 1
        let channels = shape[shape.count - 1]
        let extent = height * width
        let outShape = (shape.count == 2 ? [batch] : []) + [height, width, channels]
        let result = repeatMiddle(value, outer: batch, extent: extent, inner: channels, scale: 1, shape: outShape)
        return graph.record(result, inputs: [self]) { graph, g in
            graph.accumulate(
                Tensor(shape: shape, storage: sumMiddle(g, outer: batch, extent: extent, inner: channels, scale: 1)),
                into: self)
        }
    }
}
