import SAMTensor

extension Loss {
    /// Soft Dice loss on `p = σ(logits)` with squared terms in the denominator (MONAI's `DiceLoss` with
    /// `sigmoid=True, squared_pred=True`, as MedSAM and U-MedSAM train), per item:
    /// `1 − (2 Σ p y + s) / (Σ p² + Σ y² + s)`, averaged over items (slices along the first dimension).
    ///
    /// - Parameter smoothing: `s`, MONAI's default 1e-5 (numerator and denominator alike).
    public static func squaredDice(logits: Variable, targets: Tensor, smoothing s: Float = 1e-5) -> Variable {
        let x = logits.value
        precondition(
            x.shape == targets.shape && x.rank >= 1, "squaredDice: logits \(x.shape) vs targets \(targets.shape)")
        let items = Swift.max(x.shape[0], 1)
        let size = x.count / items
        let p = x.storage.map(stableSigmoid)
        var numerators = [Double](repeating: 0, count: items)
        var denominators = [Double](repeating: 0, count: items)
        var total: Double = 0
        for b in 0..<items {
            var intersection: Double = 0
            var predicted: Double = 0
            var actual: Double = 0
            for i in (b * size)..<((b + 1) * size) {
                let pi = Double(p[i])
                let yi = Double(targets.storage[i])
                intersection += pi * yi
                predicted += pi * pi
                actual += yi * yi
            }
            numerators[b] = 2 * intersection + Double(s)
            denominators[b] = predicted + actual + Double(s)
            total += 1 - numerators[b] / denominators[b]
        }
        let value = Tensor(shape: [], storage: [Float(total / Double(items))])
        return logits.graph.record(value, inputs: [logits]) { graph, g in
            let upstream = Double(g.storage[0]) / Double(items)
            var dx = [Float](repeating: 0, count: x.count)
            for b in 0..<items {
                let (num, den) = (numerators[b], denominators[b])
                for i in (b * size)..<((b + 1) * size) {
                    let pi = Double(p[i])
                    let yi = Double(targets.storage[i])
                    // d/dp of −num/den = −(2 y den − num · 2 p) / den².
                    let dp = -(2 * yi * den - 2 * pi * num) / (den * den)
                    dx[i] = Float(upstream * dp * pi * (1 - pi))
                }
            }
            graph.accumulate(Tensor(shape: x.shape, storage: dx), into: logits)
        }
    }
}
