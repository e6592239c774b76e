import SAMTensor

extension Loss {
    /// U-MedSAM's shape-distance loss on `p = σ(logits)` against a constant boundary-aware map `D`
    /// (built from the ground truth, e.g. its normalised distance transform passed through a sigmoid and
    /// masked by the ground truth), per item: `Σ |D − p| / Σ p`, averaged over items (slices along the
    /// first dimension). A small `epsilon` keeps an all-background prediction finite.
    public static func shapeDistance(logits: Variable, distanceMap: Tensor, epsilon: Float = 1e-6) -> Variable {
        let x = logits.value
        precondition(
            x.shape == distanceMap.shape && x.rank >= 1,
            "shapeDistance: logits \(x.shape) vs distance map \(distanceMap.shape)")
        let items = Swift.max(x.shape[0], 1)
        let size = x.count / items
        let p = x.storage.map(stableSigmoid)
        var absolute = [Double](repeating: 0, count: items)
        var mass = [Double](repeating: 0, count: items)
        var total: Double = 0
        for b in 0..<items {
            for i in (b * size)..<((b + 1) * size) {
                absolute[b] += Swift.abs(Double(distanceMap.storage[i]) - Double(p[i]))
                mass[b] += Double(p[i])
            }
            mass[b] += Double(epsilon)
            total += absolute[b] / mass[b]
        }
        let value = Tensor(shape: [], storage: [Float(total / Double(items))])
        return logits.graph.record(value, inputs: [logits]) { graph, g in
            let upstream = Double(g.storage[0]) / Double(items)
            var dx = [Float](repeating: 0, count: x.count)
            for b in 0..<items {
                let (a, m) = (absolute[b], mass[b])
                for i in (b * size)..<((b + 1) * size) {
                    let pi = Double(p[i])
                    let di = Double(distanceMap.storage[i])
                    let sign: Double = pi > di ? 1 : (pi < di ? -1 : 0)
                    let dp = sign / m - a / (m * m)
                    dx[i] = Float(upstream * dp * pi * (1 - pi))
                }
            }
            graph.accumulate(Tensor(shape: x.shape, storage: dx), into: logits)
        }
    }
}
