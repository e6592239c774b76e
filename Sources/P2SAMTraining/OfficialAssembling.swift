import SAMAutograd
import SAMTensor

/// The autograd operation only P²SAM training uses: the official assembling parametrisation.
extension Variable {
    /// P²SAM's official assembling parametrisation: `[1 − Σ w[1…], w[1…]]` from a stored `[n]` vector
    /// (its element 0 is ignored and receives no gradient).
    func officialAssembling() -> Variable {
        let w = value.storage
        var y = w
        y[0] = 1 - w.dropFirst().reduce(0, +)
        return graph.record(Tensor(shape: shape, storage: y), inputs: [self]) { graph, g in
            var dx = g.storage
            let g0 = dx[0]
            dx[0] = 0
            for i in 1..<dx.count { dx[i] -= g0 }
            graph.accumulate(Tensor(shape: [dx.count], storage: dx), into: self)
        }
    }
}
