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

extension Variable {
    /// Element-wise smooth bound to `(lower, upper)` (`SmoothClamp`): near the identity inside the interval, the
    /// gradient `SmoothClamp.derivative` is positive everywhere (a hard clamp passes none outside the interval).
    ///
    /// - Parameters:
    ///   - lower: the lower bound (below `upper`).
    ///   - upper: the upper bound.
    public func softClamped(_ lower: Float, _ upper: Float) -> Variable {
        let x = value
        let y = Tensor(shape: x.shape, storage: x.storage.map { SmoothClamp.value($0, lower: lower, upper: upper) })
        return graph.record(y, inputs: [self]) { graph, g in
            var dx = g.storage
            for i in dx.indices { dx[i] *= SmoothClamp.derivative(x.storage[i], lower: lower, upper: upper) }
            graph.accumulate(Tensor(shape: x.shape, storage: dx), into: self)
        }
    }
}
