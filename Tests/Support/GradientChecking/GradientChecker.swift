import SAMAutograd
import SAMTensor
import XCTest

/// SplitMix64: a tiny seeded generator so every test draws the same numbers on every run.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Tensor {
    /// Uniform values in `range`; with `awayFromZero`, magnitudes are at least that (kinks, logs).
    public static func random(
        _ shape: [Int], in range: ClosedRange<Float> = -1...1, awayFromZero: Float = 0,
        using generator: inout SeededGenerator
    ) -> Tensor {
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            var v = Float.random(in: range, using: &generator)
            while abs(v) < awayFromZero { v = Float.random(in: range, using: &generator) }
            return v
        }
        return Tensor(shape: shape, storage: values)
    }
}

/// The outcome of comparing analytic gradients with central finite differences.
public struct GradientCheckReport {
    /// Max over entries of `|a − n| − (atol + rtol |n|)`; ≤ 0 passes.
    public var worstExcess: Double = -.infinity
    public var worstAbsolute: Double = 0
    public var worst: String = ""
    public var checked = 0
    public var passed: Bool { worstExcess <= 0 && checked > 0 }
}

/// Central finite-difference gradient checker.
///
/// The function `f` maps variables for `inputs` to an output of any shape; the checked scalar is
/// `L = Σ R ⊙ f(inputs)` with fixed random `R` (so non-uniform output gradients are exercised),
/// accumulated in Double for the numeric side. Each input element `x` is perturbed by ±ε:
/// `n = (L(x + ε) − L(x − ε)) / 2ε`, and must satisfy `|a − n| ≤ atol + rtol · |n|`.
public enum GradientChecker {
    public static func check(
        _ inputs: [Tensor], epsilon: Float = 1e-2, absoluteTolerance: Double = 1e-3, relativeTolerance: Double = 1e-2,
        seed: UInt64 = 7, maximumEntriesPerInput: Int = 400,
        _ f: (Graph, [Variable]) -> Variable
    ) -> GradientCheckReport {
        var generator = SeededGenerator(seed: seed)
        let graph = Graph()
        let parameters = inputs.enumerated().map { Parameter("input\($0.offset)", value: $0.element) }
        let output = f(graph, parameters.map { graph.parameter($0) })
        let weights = Tensor.random(output.shape, using: &generator)
        let loss = (output * graph.constant(weights)).sum()
        graph.backward(from: loss)

        func objective(_ values: [Tensor]) -> Double {
            let g = Graph()
            let out = f(g, values.map { g.constant($0) }).value
            var total: Double = 0
            for i in 0..<out.count { total += Double(weights.storage[i]) * Double(out.storage[i]) }
            return total
        }

        var report = GradientCheckReport()
        for (k, input) in inputs.enumerated() {
            let analytic = parameters[k].gradient ?? Tensor(shape: input.shape)
            let stride = max(1, input.count / maximumEntriesPerInput)
            for j in Swift.stride(from: 0, to: input.count, by: stride) {
                var values = inputs
                values[k].storage[j] = input.storage[j] + epsilon
                let plus = objective(values)
                values[k].storage[j] = input.storage[j] - epsilon
                let minus = objective(values)
                let numeric = (plus - minus) / (2 * Double(epsilon))
                let a = Double(analytic.storage[j])
                let error = abs(a - numeric)
                let excess = error - (absoluteTolerance + relativeTolerance * abs(numeric))
                report.checked += 1
                report.worstAbsolute = max(report.worstAbsolute, error)
                if excess > report.worstExcess {
                    report.worstExcess = excess
                    report.worst = "input \(k)[\(j)]: analytic \(a), numeric \(numeric)"
                }
            }
        }
        return report
    }
}

/// Asserts that the analytic gradients of `f` match finite differences.
public func assertGradients(
    _ inputs: [Tensor], epsilon: Float = 1e-2, absoluteTolerance: Double = 1e-3, relativeTolerance: Double = 1e-2,
    file: StaticString = #filePath, line: UInt = #line, _ f: (Graph, [Variable]) -> Variable
) {
    let report = GradientChecker.check(
        inputs, epsilon: epsilon, absoluteTolerance: absoluteTolerance,
        relativeTolerance: relativeTolerance, f)
    XCTAssertTrue(
        report.passed, "gradient mismatch, worst \(report.worst) (max |error| \(report.worstAbsolute))",
        file: file, line: line)
}
