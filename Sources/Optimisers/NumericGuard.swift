import SAMAutograd
import SAMTensor

/// A non-finite value found during training.
public struct NonFiniteValueError: Error, CustomStringConvertible, Equatable {
    /// What was non-finite: `"loss"`, or `"gradient of <parameter name>"`, `"value of <name>"`.
    public let location: String
    /// Flat index of the first offending element.
    public let index: Int
    /// The offending value (NaN or ±infinity).
    public let value: Float
    /// How many elements of that tensor are non-finite.
    public let count: Int

    public var description: String {
        "non-finite \(location): element \(index) is \(value) (\(count) non-finite element\(count == 1 ? "" : "s")); stopping"
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.location == b.location && a.index == b.index && a.count == b.count
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }
}

/// Checks that the loss, gradients and parameter values are finite, so a trainer can stop with a
/// clear message instead of silently writing NaN weights.
public enum NumericGuard {
    /// Throws `NonFiniteValueError` describing the first non-finite element of `tensor`.
    public static func check(_ tensor: Tensor, location: String) throws {
        var first: Int?
        var count = 0
        tensor.storage.withUnsafeBufferPointer { buffer in
            for (i, v) in buffer.enumerated() where !v.isFinite {
                if first == nil { first = i }
                count += 1
            }
        }
        if let first {
            throw NonFiniteValueError(location: location, index: first, value: tensor.storage[first], count: count)
        }
    }

    /// Checks a scalar loss.
    public static func check(loss: Float) throws {
        if !loss.isFinite { throw NonFiniteValueError(location: "loss", index: 0, value: loss, count: 1) }
    }

    /// Checks the loss variable and then every present gradient of `parameters`.
    public static func check(loss: Variable, gradientsOf parameters: [Parameter]) throws {
        try check(loss.value, location: "loss")
        try checkGradients(of: parameters)
    }

    /// Checks every present gradient, in the given order.
    public static func checkGradients(of parameters: [Parameter]) throws {
        for p in parameters {
            if let g = p.gradient { try check(g, location: "gradient of \(p.name)") }
        }
    }

    /// Checks parameter values (e.g. after an optimiser step or a checkpoint load).
    public static func checkValues(of parameters: [Parameter]) throws {
        for p in parameters { try check(p.value, location: "value of \(p.name)") }
    }
}
