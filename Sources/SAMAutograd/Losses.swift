import Foundation
import SAMTensor

/// Training losses as differentiable operations returning a scalar (shape `[]`).
///
/// Logit-based losses take the raw mask logits (no sigmoid applied) and constant targets in [0, 1]
/// of the same shape; each has a fused derivative rule. Sums are accumulated in Double.
public enum Loss {
    /// Mean binary cross-entropy with logits, in the stable form
    /// `max(x, 0) − x y + log(1 + e^−|x|)`; gradient `(σ(x) − y) / n`.
    public static func binaryCrossEntropy(logits: Variable, targets: Tensor) -> Variable {
        let x = logits.value
        precondition(x.shape == targets.shape, "binaryCrossEntropy: logits \(x.shape) vs targets \(targets.shape)")
        let n = x.count
        var total: Double = 0
        for i in 0..<n {
            let v = x.storage[i]
            let y = targets.storage[i]
            total += Double(Swift.max(v, 0) - v * y + Foundation.log1p(FastMath.exp(-Swift.abs(v))))
        }
        let value = Tensor(shape: [], storage: [Float(total / Double(Swift.max(n, 1)))])
        return logits.graph.record(value, inputs: [logits]) { graph, g in
            let scale = g.storage[0] / Float(Swift.max(n, 1))
            graph.accumulate(combine(x, targets) { v, y in (stableSigmoid(v) - y) * scale }, into: logits)
        }
    }

    /// Soft Dice loss on `p = σ(logits)` with a linear denominator, per item:
    /// `1 − (2 Σ p y + s) / (Σ p + Σ y + s)`, averaged over items.
    ///
    /// Items are the slices along the first dimension (`[B, H, W]` → B masks); pass `[1, …]` for a
    /// single mask. The smoothing `s` (default 1) makes an empty target with an empty prediction
    /// cost 0 and keeps the loss finite; note that "empty" means `Σ p ≪ s`, which for large masks
    /// requires confidently negative logits (256² pixels at p = 1e-4 already give Σ p ≈ 6.6).
    public static func dice(logits: Variable, targets: Tensor, smoothing s: Float = 1) -> Variable {
        softDice(logits: logits, targets: targets, smoothing: s, squaredDenominator: false)
    }

    /// Soft Dice per item on `p = σ(logits)`, `1 − (2 Σ p y + s) / (D + s)` averaged over items, with
    /// `D = Σ p + Σ y` (linear) or `Σ p² + Σ y²` (squared): the one implementation behind `dice` and
    /// `squaredDice`.
    static func softDice(logits: Variable, targets: Tensor, smoothing s: Float, squaredDenominator: Bool) -> Variable {
        let x = logits.value
        precondition(x.shape == targets.shape && x.rank >= 1, "dice: logits \(x.shape) vs targets \(targets.shape)")
        let items = Swift.max(x.shape[0], 1)
        let size = x.count / items
        let p = map(x, stableSigmoid)
        var numerators = [Double](repeating: 0, count: items)
        var denominators = [Double](repeating: 0, count: items)
        var total: Double = 0
        for b in 0..<items {
            var intersection: Double = 0
            var denominator: Double = 0
            for i in (b * size)..<((b + 1) * size) {
                let pi = Double(p.storage[i])
                let yi = Double(targets.storage[i])
                intersection += pi * yi
                denominator += squaredDenominator ? pi * pi + yi * yi : pi + yi
            }
            numerators[b] = 2 * intersection + Double(s)
            denominators[b] = denominator + Double(s)
            total += 1 - numerators[b] / denominators[b]
        }
        let value = Tensor(shape: [], storage: [Float(total / Double(items))])
        return logits.graph.record(value, inputs: [logits]) { graph, g in
            let upstream = Double(g.storage[0]) / Double(items)
            var dx = [Float](repeating: 0, count: x.count)
            for b in 0..<items {
                let (num, den) = (numerators[b], denominators[b])
                for i in (b * size)..<((b + 1) * size) {
                    let pi = Double(p.storage[i])
                    let yi = Double(targets.storage[i])
                    // d/dp of −num/den = −(2 y den − num · dden/dp) / den², dden/dp = 1 or 2p.
                    let denominatorSlope = squaredDenominator ? 2 * pi : 1
                    let dp = -(2 * yi * den - num * denominatorSlope) / (den * den)
                    dx[i] = Float(upstream * dp * pi * (1 - pi))
                }
            }
            graph.accumulate(Tensor(shape: x.shape, storage: dx), into: logits)
        }
    }

    /// Mean binary focal loss (Lin et al.; torchvision's `sigmoid_focal_loss`, reduction "mean"):
    /// `α_t (1 − p_t)^γ · BCE(x, y)` with `p = σ(x)`, `p_t = p y + (1 − p)(1 − y)` and
    /// `α_t = α y + (1 − α)(1 − y)`, or `α_t = 1` when `alpha` is nil.
    public static func focal(logits: Variable, targets: Tensor, gamma: Float = 2, alpha: Float? = nil) -> Variable {
        let x = logits.value
        precondition(x.shape == targets.shape, "focal: logits \(x.shape) vs targets \(targets.shape)")
        let n = x.count
        let gammaD = Double(gamma)
        func terms(_ v: Float, _ y: Float) -> (loss: Double, derivative: Double) {
            let (vd, yd) = (Double(v), Double(y))
            let p = Double(stableSigmoid(v))
            let ce = Swift.max(vd, 0) - vd * yd + Foundation.log1p(Foundation.exp(-Swift.abs(vd)))
            let pt = p * yd + (1 - p) * (1 - yd)
            let m = 1 - pt
            let weight = alpha.map { Double($0) * yd + (1 - Double($0)) * (1 - yd) } ?? 1
            let mg = Foundation.pow(m, gammaD)
            let dmdx = -p * (1 - p) * (2 * yd - 1)
            let dmg = gammaD == 0 ? 0 : gammaD * Foundation.pow(m, gammaD - 1) * dmdx
            return (weight * ce * mg, weight * ((p - yd) * mg + ce * dmg))
        }
        var total: Double = 0
        for i in 0..<n { total += terms(x.storage[i], targets.storage[i]).loss }
        let value = Tensor(shape: [], storage: [Float(total / Double(Swift.max(n, 1)))])
        return logits.graph.record(value, inputs: [logits]) { graph, g in
            let scale = Double(g.storage[0]) / Double(Swift.max(n, 1))
            var dx = [Float](repeating: 0, count: n)
            for i in 0..<n { dx[i] = Float(scale * terms(x.storage[i], targets.storage[i]).derivative) }
            graph.accumulate(Tensor(shape: x.shape, storage: dx), into: logits)
        }
    }

    /// Mean squared error `mean((a − b)²)` (same shapes); gradients `±2 (a − b) / n`.
    public static func meanSquaredError(_ a: Variable, _ b: Variable) -> Variable {
        let x = a.value
        let y = b.value
        precondition(x.shape == y.shape, "meanSquaredError: \(x.shape) vs \(y.shape)")
        let n = x.count
        var total: Double = 0
        for i in 0..<n {
            let d = Double(x.storage[i]) - Double(y.storage[i])
            total += d * d
        }
        let value = Tensor(shape: [], storage: [Float(total / Double(Swift.max(n, 1)))])
        return a.graph.record(value, inputs: [a, b]) { graph, g in
            let scale = 2 * g.storage[0] / Float(Swift.max(n, 1))
            let difference = combine(x, y) { ($0 - $1) * scale }
            if graph.needsGradient(a) { graph.accumulate(difference, into: a) }
            if graph.needsGradient(b) { graph.accumulate(map(difference) { -$0 }, into: b) }
        }
    }

    /// Mean squared error against a constant target.
    public static func meanSquaredError(_ a: Variable, target: Tensor) -> Variable {
        meanSquaredError(a, a.graph.constant(target))
    }

    /// L2 penalty `coefficient · Σ_w Σ w²` over the given variables (typically parameters);
    /// gradient `2 · coefficient · w`. (PyTorch's coupled `weight_decay = λ` equals coefficient λ/2.)
    public static func l2Penalty(_ weights: [Variable], coefficient: Float) -> Variable {
        precondition(!weights.isEmpty, "l2Penalty needs at least one variable")
        var total: Double = 0
        for w in weights { for v in w.value.storage { total += Double(v) * Double(v) } }
        let value = Tensor(shape: [], storage: [Float(total * Double(coefficient))])
        let values = weights.map(\.value)
        return weights[0].graph.record(value, inputs: weights) { graph, g in
            let scale = 2 * coefficient * g.storage[0]
            for (w, v) in zip(weights, values) where graph.needsGradient(w) {
                graph.accumulate(map(v) { $0 * scale }, into: w)
            }
        }
    }

    /// L2 penalty over parameters entered into `graph`.
    public static func l2Penalty(_ parameters: [Parameter], in graph: Graph, coefficient: Float) -> Variable {
        l2Penalty(parameters.map { graph.parameter($0) }, coefficient: coefficient)
    }
}
