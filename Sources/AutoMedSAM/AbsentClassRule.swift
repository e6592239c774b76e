import Foundation

/// A rule against classes drawn on slices where they are absent: a class's mask is dropped (made empty)
/// when it covers less than a minimum fraction of the image. AutoMedSAM segments every requested class on
/// every slice (it has no presence output), so small spurious masks are its typical false positives.
///
/// The thresholds are fitted per class on labelled slices (`fitted(to:)`), never on the data used for
/// reporting. JSON form: `{"minimum_area_fraction": {"1": 0.004, "3": 0.0}}` (class id → fraction).
public struct AbsentClassRule: Sendable, Equatable, Codable {
    /// Per class id, the smallest kept mask area as a fraction of the image's pixels, in `[0, 1]`; a class
    /// not listed keeps every non-empty mask.
    public var minimumAreaFraction: [Int: Double]

    /// One labelled (slice, class) pair the rule is fitted on.
    public struct Observation: Sendable, Equatable {
        /// The class.
        public var classID: Int
        /// Whether the class has any ground-truth pixel on the slice.
        public var present: Bool
        /// Dice of the unfiltered predicted mask against the ground truth.
        public var dice: Double
        /// Predicted foreground pixels divided by the image's pixels, in `[0, 1]`.
        public var areaFraction: Double

        /// An observation of one (slice, class) pair.
        ///
        /// - Parameters:
        ///   - classID: the class.
        ///   - present: whether the class has ground-truth pixels on the slice.
        ///   - dice: Dice of the unfiltered prediction against the ground truth.
        ///   - areaFraction: predicted foreground pixels / image pixels.
        public init(classID: Int, present: Bool, dice: Double, areaFraction: Double) {
            self.classID = classID
            self.present = present
            self.dice = dice
            self.areaFraction = areaFraction
        }
    }

    /// A rule from explicit thresholds.
    ///
    /// - Parameter minimumAreaFraction: class id → smallest kept area as a fraction of the image, in `[0, 1]`.
    /// - Throws: `AutoMedSAMError.invalidInput` for a fraction outside `[0, 1]` or not finite.
    public init(minimumAreaFraction: [Int: Double]) throws {
        for (id, f) in minimumAreaFraction where !(f.isFinite && f >= 0 && f <= 1) {
            throw AutoMedSAMError.invalidInput("the minimum area fraction of class \(id) must be in [0, 1], not \(f)")
        }
        self.minimumAreaFraction = minimumAreaFraction
    }

    /// Whether a mask is kept (an empty mask never is).
    ///
    /// - Parameters:
    ///   - classID: the mask's class.
    ///   - foreground: its foreground pixel count.
    ///   - imagePixels: the image's pixel count.
    public func keeps(classID: Int, foreground: Int, imagePixels: Int) -> Bool {
        guard foreground > 0, imagePixels > 0 else { return false }
        return Double(foreground) / Double(imagePixels) >= (minimumAreaFraction[classID] ?? 0)
    }

    /// Checks that every class this rule names is one of `classIDs` (a rule fitted for another model).
    ///
    /// - Parameter classIDs: the model's class ids.
    /// - Throws: `AutoMedSAMError.invalidInput` naming the classes the model does not have.
    public func check(against classIDs: [Int]) throws {
        let unknown = minimumAreaFraction.keys.filter { !classIDs.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw AutoMedSAMError.invalidInput(
                "the absent-class rule names class(es) \(unknown), which the model does not have (its classes: \(classIDs))"
            )
        }
    }

    /// A segmentation with the masks this rule drops made empty and the label map recomputed (each pixel
    /// the kept class with the highest positive logit, 0 where none); logits are unchanged.
    ///
    /// - Parameter segmentation: AutoMedSAM's unfiltered answer for one image.
    public func applied(to segmentation: ClassSegmentation) -> ClassSegmentation {
        let pixels = segmentation.width * segmentation.height
        return segmentation.keeping(
            segmentation.classIDs.indices.map { k in
                keeps(
                    classID: segmentation.classIDs[k],
                    foreground: segmentation.masks[k].reduce(0) { $0 + Int($1) }, imagePixels: pixels)
            })
    }

    /// The rule fitted to `observations`: per class, the threshold (0 or one of the observed area
    /// fractions) that maximises the mean slice score, where a present class scores the Dice of its kept
    /// mask (0 when dropped) and an absent class scores 1 when its mask is empty or dropped, else 0. Ties go
    /// to the smaller threshold, so a class without false positives keeps threshold 0.
    ///
    /// - Parameter observations: labelled (slice, class) pairs, never from the data used for reporting.
    public static func fitted(to observations: [Observation]) -> AbsentClassRule {
        var fractions: [Int: Double] = [:]
        for id in Set(observations.map(\.classID)) {
            let mine = observations.filter { $0.classID == id }
            let candidates = [0] + Set(mine.map(\.areaFraction).filter { $0 > 0 }).sorted()
            var best = (threshold: 0.0, score: -Double.infinity)
            for t in candidates {
                let score = mine.reduce(0.0) { sum, o in
                    let kept = o.areaFraction > 0 && o.areaFraction >= t
                    return sum + (o.present ? (kept ? o.dice : 0) : (kept ? 0 : 1))
                }
                if score > best.score { best = (t, score) }
            }
            fractions[id] = best.threshold
        }
        return AbsentClassRule(validated: fractions)
    }

    private init(validated: [Int: Double]) { minimumAreaFraction = validated }

    enum CodingKeys: String, CodingKey { case minimumAreaFraction = "minimum_area_fraction" }

    /// Decodes the JSON form, checking every fraction.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode([String: Double].self, forKey: .minimumAreaFraction)
        var fractions: [Int: Double] = [:]
        for (key, value) in text {
            guard let id = Int(key), id > 0, id < 256 else {
                throw AutoMedSAMError.invalidInput("'\(key)' in minimum_area_fraction is not a class id (1…255)")
            }
            fractions[id] = value
        }
        try self.init(minimumAreaFraction: fractions)
    }

    /// Encodes the JSON form (class ids as string keys).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(
            Dictionary(uniqueKeysWithValues: minimumAreaFraction.map { (String($0.key), $0.value) }),
            forKey: .minimumAreaFraction)
    }

    /// The rule in a JSON file.
    ///
    /// - Parameter url: the file (`{"minimum_area_fraction": {"1": 0.004}}`).
    /// - Throws: `AutoMedSAMError.invalidInput` naming the file when it cannot be read or is not a rule.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AutoMedSAMError.invalidInput("cannot read the absent-class rule \(url.path): \(error)")
        }
        do { self = try JSONDecoder().decode(AbsentClassRule.self, from: data) } catch let error as AutoMedSAMError {
            throw AutoMedSAMError.invalidInput("\(url.path): \(error)")
        } catch {
            throw AutoMedSAMError.invalidInput(
                "\(url.path) is not an absent-class rule ({\"minimum_area_fraction\": {\"1\": 0.004}}): \(error)")
        }
    }
}
