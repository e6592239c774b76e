import SAMTensor

extension Variable {
    /// Element-wise clamp to `[lower, upper]`; the gradient is passed only inside the interval.
    public func clamped(_ lower: Float, _ upper: Float) -> Variable {
        let x = value
        let y = Tensor(shape: x.shape, storage: x.storage.map { Swift.min(Swift.max($0, lower), upper) })
        return graph.record(y, inputs: [self]) { graph, g in
            var dx = g.storage
            for i in dx.indices where x.storage[i] < lower || x.storage[i] > upper { dx[i] = 0 }
            graph.accumulate(Tensor(shape: x.shape, storage: dx), into: self)
        }
    }
}
