/// Set-level metrics computed from pairwise matrices (see `OverlapTable`).
///
/// Notation: n samples S_1..S_n, m raters Y_1..Y_m, d(a, b) = 1 - IoU(a, b).

/// Generalised energy distance, squared (no square root), V-statistic estimator:
/// `2/(nm) Σ_ij d(S_i, Y_j) - 1/n² Σ_ij d(S_i, S_j) - 1/m² Σ_ij d(Y_i, Y_j)`, diagonals included.
/// It is 0 for identical multisets and >= 0 otherwise (d is a metric of negative type).
public func generalizedEnergyDistance(
    sampleSampleIoU ss: PairwiseMatrix, sampleRaterIoU sr: PairwiseMatrix,
    raterRaterIoU rr: PairwiseMatrix
) -> Double {
    2 * (1 - sr.mean) - (1 - ss.mean) - (1 - rr.mean)
}

/// Hungarian-matched IoU from the n x m sample/rater IoU matrix (see `HungarianIoUConvention`).
public func hungarianMatchedIoU(_ iou: PairwiseMatrix, convention: HungarianIoUConvention) -> Double {
    let n = iou.rows
    let m = iou.columns
    guard n > 0 && m > 0 else { return 0 }
    switch convention {
    case .p2sam:
        return solveAssignment(iou, maximize: true).total / Double(min(n, m))
    case .standard:
        let size = leastCommonMultiple(n, m)
        // Row k is sample k % n, column l is rater l % m (cyclic replication).
        var square = PairwiseMatrix(rows: size, columns: size)
        for k in 0..<size { for l in 0..<size { square[k, l] = iou[k % n, l % m] } }
        return solveAssignment(square, maximize: true).total / Double(size)
    }
}

/// D_max from the n x m sample/rater Dice matrix (see `MaximumDiceConvention`).
public func maximumDice(_ dice: PairwiseMatrix, convention: MaximumDiceConvention) -> Double {
    guard dice.rows > 0 && dice.columns > 0 else { return 0 }
    var best = [Double](repeating: -.infinity, count: dice.columns)
    for i in 0..<dice.rows { for j in 0..<dice.columns { best[j] = max(best[j], dice[i, j]) } }
    switch convention {
    case .perRater: return best.reduce(0, +) / Double(best.count)
    case .global: return best.max()!
    }
}

/// D_mean: mean Dice over all n x m sample/rater pairs.
public func meanDice(_ dice: PairwiseMatrix) -> Double { dice.mean }

/// Diversity of one set of k masks from its k x k IoU matrix: the mean distance d = 1 - IoU over
/// the k(k-1) ordered pairs of distinct indices, `1/(k(k-1)) Σ_{i≠j} d(M_i, M_j)` (a U-statistic;
/// duplicated masks at different indices count as distinct members with distance 0). 0 when k < 2.
/// Note that GED's within-set term is the V-statistic `(k-1)/k` times this value.
public func meanPairwiseDistance(_ sameSetIoU: PairwiseMatrix) -> Double {
    let k = sameSetIoU.rows
    guard k >= 2 else { return 0 }
    var total = 0.0
    for i in 0..<k { for j in 0..<k where i != j { total += 1 - sameSetIoU[i, j] } }
    return total / Double(k * (k - 1))
}

func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int { b == 0 ? a : greatestCommonDivisor(b, a % b) }
func leastCommonMultiple(_ a: Int, _ b: Int) -> Int { a / greatestCommonDivisor(a, b) * b }
