/// IoU and Dice with the conventions of the multi-rater literature (DESIGN.md section 3):
/// IoU(∅, ∅) = 1, IoU(∅, A) = 0 for non-empty A; Dice(∅, ∅) = 1, Dice(∅, A) = 0.

/// IoU from counts: `intersection / (sizeA + sizeB - intersection)`, 1 when both are empty.
@inline(__always)
public func intersectionOverUnion(intersection: Int, sizeA: Int, sizeB: Int) -> Double {
    let union = sizeA + sizeB - intersection
    return union == 0 ? 1 : Double(intersection) / Double(union)
}

/// Dice from counts: `2 intersection / (sizeA + sizeB)`, 1 when both are empty.
@inline(__always)
public func diceCoefficient(intersection: Int, sizeA: Int, sizeB: Int) -> Double {
    let total = sizeA + sizeB
    return total == 0 ? 1 : 2 * Double(intersection) / Double(total)
}

/// IoU of two masks (1 when both are empty). - Throws: `MetricError.sizeMismatch`.
public func intersectionOverUnion(_ a: BinaryMask, _ b: BinaryMask) throws -> Double {
    let i = try a.intersectionCount(with: b)
    return intersectionOverUnion(intersection: i, sizeA: a.foregroundCount, sizeB: b.foregroundCount)
}

/// Dice of two masks (1 when both are empty). - Throws: `MetricError.sizeMismatch`.
public func diceCoefficient(_ a: BinaryMask, _ b: BinaryMask) throws -> Double {
    let i = try a.intersectionCount(with: b)
    return diceCoefficient(intersection: i, sizeA: a.foregroundCount, sizeB: b.foregroundCount)
}
