import Foundation
import SAMAutograd
import SAMTensor

/// Parameters optimised together with one learning rate and weight decay.
public struct ParameterGroup {
    public var parameters: [Parameter]
    public var learningRate: Float
    /// Decoupled weight decay (AdamW): each step multiplies the parameter by `1 − lr · weightDecay`
    /// before the Adam update. 0 gives plain Adam.
    public var weightDecay: Float

    /// A group of `parameters` sharing a learning rate and a weight decay (AdamW-style, decoupled).
    public init(_ parameters: [Parameter], learningRate: Float, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// Adam / AdamW with bias correction, matching `torch.optim.Adam` / `AdamW` (non-amsgrad):
///
///     p ← p (1 − lr λ)                         (AdamW only, decoupled)
///     m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²
///     p ← p − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
///
/// `t` counts the steps taken by each parameter. Parameters that are frozen
/// (`requiresGradient == false`) or have no gradient are skipped (no decay, no moment update).
/// For PyTorch Adam's coupled L2 regularisation, add `Loss.l2Penalty` to the loss instead.
/// The moments can be saved and restored (`stateTensors()`, `restore(step:tensors:)`) so a training run
/// resumes exactly.
public final class Adam {
    public var groups: [ParameterGroup]
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float

    struct State {
        var step: Int
        var m: [Float]
        var v: [Float]
    }
    private var states: [ObjectIdentifier: State] = [:]
    /// Per-parameter row scales of the learning rate (`scaleLearningRate(of:rows:by:)`); empty = every element at
    /// its group's rate.
    private var rowScales: [ObjectIdentifier: RowLearningRateScale] = [:]

    /// Adam (or AdamW, when a group has non-zero `weightDecay`) over parameter groups.
    public init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Plain Adam over one group.
    public convenience init(
        _ parameters: [Parameter], learningRate: Float = 1e-3,
        beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    ) {
        self.init(
            groups: [ParameterGroup(parameters, learningRate: learningRate)], beta1: beta1, beta2: beta2,
            epsilon: epsilon)
    }

    /// AdamW over one group, PyTorch defaults (`lr` 1e-3, `weight_decay` 1e-2).
    public static func adamW(
        _ parameters: [Parameter], learningRate: Float = 1e-3, weightDecay: Float = 1e-2,
        beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    ) -> Adam {
        Adam(
            groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
            beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    /// Multiplies the learning rate of rows `rows` (first axis) of `parameter` by `scale` from the next step on
    /// (replacing an earlier scale of that parameter); the other rows keep the group's rate. A scale of exactly 1
    /// is removed, so the update is the plain one. A configuration, not state: not part of `stateTensors()`.
    ///
    /// - Precondition: `rows` lies within the parameter's first axis; `RowLearningRateScale.isAllowed(scale)`.
    public func scaleLearningRate(of parameter: Parameter, rows: Range<Int>, by scale: Float) {
        let shape = parameter.value.shape
        precondition(
            rows.lowerBound >= 0 && rows.upperBound <= (shape.first ?? 0),
            "\(parameter.name): rows \(rows) outside its \(shape.first ?? 0) rows")
        let key = ObjectIdentifier(parameter)
        rowScales[key] = scale == 1 ? nil : RowLearningRateScale(rows: rows, scale: scale)
    }

    /// The row scale set for `parameter`, or nil.
    public func learningRateScale(of parameter: Parameter) -> RowLearningRateScale? {
        rowScales[ObjectIdentifier(parameter)]
    }

    /// Number of steps taken by `parameter` (0 if never updated).
    public func stepCount(of parameter: Parameter) -> Int { states[ObjectIdentifier(parameter)]?.step ?? 0 }

    /// Steps taken so far: the largest step count over the parameters (every trainable parameter with a
    /// gradient is updated at every step, so they normally agree).
    public var stepCount: Int { states.values.map(\.step).max() ?? 0 }

    /// Every parameter of every group, in group order.
    public var parameters: [Parameter] { groups.flatMap(\.parameters) }

    // MARK: Saving and restoring (exact resume)

    /// The moments as named tensors (`adam.m/<name>`, `adam.v/<name>`) for parameters updated at least once.
    public func stateTensors() -> [(name: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        for parameter in parameters {
            guard let state = states[ObjectIdentifier(parameter)] else { continue }
            out.append(("adam.m/\(parameter.name)", Tensor(shape: parameter.value.shape, storage: state.m)))
            out.append(("adam.v/\(parameter.name)", Tensor(shape: parameter.value.shape, storage: state.v)))
        }
        return out
    }

    /// Restores the moments saved by `stateTensors()`, each parameter at step `step`. Parameters without
    /// saved moments start afresh.
    public func restore(step: Int, tensors: [String: Tensor]) {
        states = [:]
        for parameter in parameters {
            guard let m = tensors["adam.m/\(parameter.name)"], let v = tensors["adam.v/\(parameter.name)"],
                m.count == parameter.value.count, v.count == parameter.value.count
            else { continue }
            states[ObjectIdentifier(parameter)] = State(step: step, m: m.storage, v: v.storage)
        }
    }

    /// Applies one update to every trainable parameter that has a gradient.
    public func step() {
        for group in groups {
            for parameter in group.parameters where parameter.requiresGradient {
                guard let gradient = parameter.gradient else { continue }
                update(parameter, gradient: gradient, learningRate: group.learningRate, weightDecay: group.weightDecay)
            }
        }
    }

    /// Clears the gradients of all parameters of all groups.
    public func zeroGradients() { for group in groups { group.parameters.zeroGradients() } }

    private func update(_ parameter: Parameter, gradient: Tensor, learningRate lr: Float, weightDecay: Float) {
        precondition(
            gradient.shape == parameter.value.shape,
            "\(parameter.name): gradient \(gradient.shape) vs value \(parameter.value.shape)")
        let key = ObjectIdentifier(parameter)
        let n = parameter.value.count
        var state =
            states[key] ?? State(step: 0, m: [Float](repeating: 0, count: n), v: [Float](repeating: 0, count: n))
        states[key] = nil
        state.step += 1
        let t = Double(state.step)
        let correction1 = Float(1 - Foundation.pow(Double(beta1), t))
        let correction2Root = Float((1 - Foundation.pow(Double(beta2), t)).squareRoot())
        let stepSize = lr / correction1
        let decay = 1 - lr * weightDecay
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        // Rows with their own scale: the same update with lr · scale (empty range without a scale).
        let rowScale = rowScales[key]
        let scaled = rowScale?.elements(of: parameter.value.shape) ?? 0..<0
        let scaledStepSize = lr * (rowScale?.scale ?? 1) / correction1
        let scaledDecay = 1 - lr * (rowScale?.scale ?? 1) * weightDecay
        var value = parameter.value
        parameter.value = Tensor(shape: [0])  // release the reference so the update is in place
        value.storage.withUnsafeMutableBufferPointer { p in
            gradient.storage.withUnsafeBufferPointer { g in
                state.m.withUnsafeMutableBufferPointer { m in
                    state.v.withUnsafeMutableBufferPointer { v in
                        func update(_ elements: Range<Int>, stepSize size: Float, decay keep: Float) {
                            for i in elements {
                                let gi = g[i]
                                m[i] = b1 * m[i] + (1 - b1) * gi
                                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                                let denominator = v[i].squareRoot() / correction2Root + eps
                                p[i] = p[i] * keep - size * m[i] / denominator
                            }
                        }
                        // The scaled rows are one contiguous run: no per-element test in the loop.
                        update(0..<scaled.lowerBound, stepSize: stepSize, decay: decay)
                        update(scaled, stepSize: scaledStepSize, decay: scaledDecay)
                        update(scaled.upperBound..<n, stepSize: stepSize, decay: decay)
                    }
                }
            }
        }
        parameter.value = value
        states[key] = state
    }
}
