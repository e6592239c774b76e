import SAMTensor

extension Loss {
    /// Soft Dice loss on `p = σ(logits)` with squared terms in the denominator (MONAI's `DiceLoss` with
    /// `sigmoid=True, squared_pred=True`, as MedSAM and U-MedSAM train), per item:
    /// `1 − (2 Σ p y + s) / (Σ p² + Σ y² + s)`, averaged over items (slices along the first dimension).
    ///
    /// - Parameter smoothing: `s`, MONAI's default 1e-5 (numerator and denominator alike).
    public static func squaredDice(logits: Variable, targets: Tensor, smoothing s: Float = 1e-5) -> Variable {
        softDice(logits: logits, targets: targets, smoothing: s, squaredDenominator: true)
    }
}
