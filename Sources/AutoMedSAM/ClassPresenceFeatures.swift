import Foundation

/// The features `ClassPresenceModel` decides a class's presence from: summaries of the model's own
/// image-frame logits, so they cost nothing beyond the segmentation. For class k of a segmentation with
/// context classes `c_1 … c_K` (every class the presence model was fitted with, in its order):
///
/// 1. `log10(a_k + 1e-4)`, `a_k` the mask's area as a fraction of the image;
/// 2. the largest logit of class k, clipped to `[-20, 20]`, divided by 10;
/// 3. the mean of `σ(logit)` over the mask's pixels (0 for an empty mask);
/// 4. `log10(a_j + 1e-4)` of every other context class j, in context order (the slice's context: an
///    apical slice has a small left ventricle and often no right ventricle).
///
/// So `2 + K` values per class.
public enum ClassPresenceFeatures {
    /// The feature names, in order, for `contextClassIDs` and class `classID` (as stored in presence files).
    ///
    /// - Parameters:
    ///   - classID: the class the features describe.
    ///   - contextClassIDs: every class of the presence model, in its order.
    public static func names(classID: Int, contextClassIDs: [Int]) -> [String] {
        ["log10_area_fraction", "max_logit_over_10", "mean_probability_in_mask"]
            + contextClassIDs.filter { $0 != classID }.map { "log10_area_fraction_of_class_\($0)" }
    }

    /// The features of class `classID` in `segmentation`.
    ///
    /// - Parameters:
    ///   - segmentation: an unfiltered AutoMedSAM answer that has every class of `contextClassIDs`.
    ///   - classID: the class the features describe (one of `contextClassIDs`).
    ///   - contextClassIDs: every class of the presence model, in its order.
    /// - Returns: `2 + contextClassIDs.count` values.
    /// - Throws: `AutoMedSAMError.invalidInput` naming the context classes the segmentation lacks.
    public static func of(_ segmentation: ClassSegmentation, classID: Int, contextClassIDs: [Int]) throws -> [Double] {
        let missing = contextClassIDs.filter { !segmentation.classIDs.contains($0) }
        guard missing.isEmpty, contextClassIDs.contains(classID) else {
            throw AutoMedSAMError.invalidInput(
                "the presence model needs the masks of classes \(contextClassIDs) (it was fitted with them); "
                    + "this segmentation has \(segmentation.classIDs)")
        }
        let pixels = Double(max(segmentation.width * segmentation.height, 1))
        func logArea(_ id: Int) -> Double {
            let k = segmentation.classIDs.firstIndex(of: id)!
            return log10(Double(segmentation.masks[k].reduce(0) { $0 + Int($1) }) / pixels + 1e-4)
        }
        let k = segmentation.classIDs.firstIndex(of: classID)!
        let logits = segmentation.logits[k]
        let largest = Double(logits.max() ?? -20)
        var (sum, count) = (0.0, 0)
        for (logit, inside) in zip(logits, segmentation.masks[k]) where inside != 0 {
            sum += 1 / (1 + exp(-Double(logit)))
            count += 1
        }
        return [logArea(classID), min(max(largest, -20), 20) / 10, count > 0 ? sum / Double(count) : 0]
            + contextClassIDs.filter { $0 != classID }.map(logArea)
    }
}
