import SAMTensor

extension Loss {
    /// Soft Dice loss on `p = σ(logits)` with squared terms in the denominator (MONAI's `DiceLoss` with
    /// `sigmoid=True, squared_pred=True`, as MedSAM and U-MedSAM train), per item:
    /// `1 − (2 Σ p y + s) / (Σ p² + Σ y² + s)`, averaged over items (slices along the first dimension).
    ///
    /// - Parameters:
    ///   - logits: `[B, …]`, items along the first dimension (`[1, …]` for a single mask).
    ///   - targets: constant targets in `[0, 1]`, the shape of `logits`.
    ///   - s: the smoothing (argument label `smoothing`), MONAI's default 1e-5, added to numerator and
    ///     denominator alike.
    public static func squaredDice(logits: Variable, targets: Tensor, smoothing s: Float = 1e-5) -> Variable {
        softDice(logits: logits, targets: targets, smoothing: s, squaredDenominator: true)
    }
}
