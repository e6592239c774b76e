/// A mask prompt, as SAM's `mask_input`: low-resolution logits `[1, 256, 256]` in the padded
/// 256x256 model frame (the same frame and resolution as the decoder's logits, so a previous
/// prediction's ``Segmentation/logits`` can be fed back directly). Positive values mean "inside".
///
/// It reaches the decoder through `prompt_encoder.mask_downscaling`, which replaces the no-mask
/// dense embedding; boxes and points may be given with it or not.
public struct MaskInput: Sendable, Equatable {
    /// Side of the mask input: 256 (4 x the 64x64 embedding grid).
    public static let side = 256

    /// `side * side` logits, row-major (row = y in the model frame).
    public let logits: [Float]

    /// Checks and wraps logits given with their shape.
    ///
    /// - Parameters:
    ///   - logits: the values, C order.
    ///   - shape: `[1, 256, 256]` (SAM's `mask_input`), `[1, 1, 256, 256]` or `[256, 256]`.
    /// - Throws: ``PredictorError/invalidMaskInput(_:)`` for another shape or a non-finite value.
    public init(logits: [Float], shape: [Int]) throws {
        let accepted: [[Int]] = [[1, Self.side, Self.side], [1, 1, Self.side, Self.side], [Self.side, Self.side]]
        guard accepted.contains(shape) else {
            throw PredictorError.invalidMaskInput(
                "shape \(shape), expected [1, \(Self.side), \(Self.side)] (low-resolution logits in the "
                    + "256x256 model frame, as SAM's mask_input)")
        }
        guard logits.count == Self.side * Self.side else {
            throw PredictorError.invalidMaskInput("\(logits.count) values do not fill shape \(shape)")
        }
        if let bad = logits.firstIndex(where: { !$0.isFinite }) {
            throw PredictorError.invalidMaskInput("non-finite value \(logits[bad]) at flat index \(bad)")
        }
        self.logits = logits
    }

    /// The logits of mask `index` of a previous segmentation (its `[K, 256, 256]` decoder output),
    /// for SAM's iterative refinement.
    public init(_ segmentation: Segmentation, mask index: Int) {
        let plane = Self.side * Self.side
        precondition(segmentation.logits.shape.suffix(2) == [Self.side, Self.side], "logits are not 256x256")
        logits = Array(segmentation.logits.storage[(index * plane)..<((index + 1) * plane)])
    }
}
