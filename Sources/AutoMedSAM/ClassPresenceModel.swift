import Foundation

/// A per-class presence output for AutoMedSAM, fitted after training: for each class, a logistic
/// regression on `ClassPresenceFeatures` (the mask's area, largest logit and mean probability, and the
/// other classes' areas) gives `p(present)`, and a non-empty mask is kept only when `p` exceeds the class's
/// threshold. Classes the model does not list keep every mask.
///
/// Fitted (`fitted(to:contextClassIDs:)`) on labelled slices that are not reported, from the unfiltered
/// segmentations; only non-empty masks enter the fit (an empty mask is never drawn). JSON form
/// (`format` `automedsam-presence-v1`):
/// `{"format": …, "class_ids": [1, 2, 3], "classes": {"1": {"features": […], "mean": […], "scale": […],
/// "weights": […], "bias": b, "threshold": t, "present": n, "absent": m}}`.
public struct ClassPresenceModel: Sendable, Equatable, Codable {
    /// The file format tag.
    public static let format = "automedsam-presence-v1"

    /// One class's standardisation, regression and threshold.
    public struct ClassModel: Sendable, Equatable, Codable {
        /// The feature names (`ClassPresenceFeatures.names`), for readers of the file.
        public var features: [String]
        /// Per feature, the mean over the fit's examples.
        public var mean: [Double]
        /// Per feature, the standard deviation over the fit's examples (1 where it was 0).
        public var scale: [Double]
        /// The logistic regression on the standardised features.
        public var regression: LogisticRegression
        /// A non-empty mask is kept when `p(present) > threshold`, in `[0, 1]`.
        public var threshold: Double
        /// The fit's non-empty masks of slices where the class is present.
        public var presentExamples: Int
        /// The fit's non-empty masks of slices where the class is absent (false positives).
        public var absentExamples: Int

        /// A class model from its parts.
        ///
        /// - Parameters:
        ///   - features: the feature names.
        ///   - mean: per feature, the mean used to standardise.
        ///   - scale: per feature, the (positive) scale used to standardise.
        ///   - regression: the logistic regression on the standardised features.
        ///   - threshold: a mask is kept when `p(present) > threshold`, in `[0, 1]`.
        ///   - presentExamples: present non-empty masks in the fit.
        ///   - absentExamples: absent non-empty masks in the fit.
        /// - Throws: `AutoMedSAMError.invalidInput` for lengths that disagree, a non-finite value, a scale
        ///   ≤ 0 or a threshold outside `[0, 1]`.
        public init(
            features: [String], mean: [Double], scale: [Double], regression: LogisticRegression, threshold: Double,
            presentExamples: Int = 0, absentExamples: Int = 0
        ) throws {
            let d = features.count
            guard mean.count == d, scale.count == d, regression.weights.count == d else {
                throw AutoMedSAMError.invalidInput(
                    "a presence class model needs one mean, scale and weight per feature (\(d) features)")
            }
            guard (mean + scale + regression.weights + [regression.bias]).allSatisfy(\.isFinite),
                scale.allSatisfy({ $0 > 0 })
            else { throw AutoMedSAMError.invalidInput("a presence class model has a non-finite value or a scale <= 0") }
            guard threshold.isFinite, threshold >= 0, threshold <= 1 else {
                throw AutoMedSAMError.invalidInput("a presence threshold must be in [0, 1], not \(threshold)")
            }
            self.features = features
            self.mean = mean
            self.scale = scale
            self.regression = regression
            self.threshold = threshold
            self.presentExamples = presentExamples
            self.absentExamples = absentExamples
        }

        /// `p(present)` for raw (unstandardised) features.
        ///
        /// - Parameter raw: `ClassPresenceFeatures.of(…)` of the class.
        public func probability(_ raw: [Double]) -> Double {
            regression.probability(zip(raw, zip(mean, scale)).map { ($0 - $1.0) / $1.1 })
        }

        enum CodingKeys: String, CodingKey {
            case features, mean, scale, weights, bias, threshold
            case presentExamples = "present"
            case absentExamples = "absent"
        }

        /// Decodes the JSON form, checking every value.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try self.init(
                features: try c.decode([String].self, forKey: .features),
                mean: try c.decode([Double].self, forKey: .mean), scale: try c.decode([Double].self, forKey: .scale),
                regression: LogisticRegression(
                    weights: try c.decode([Double].self, forKey: .weights),
                    bias: try c.decode(Double.self, forKey: .bias)),
                threshold: try c.decode(Double.self, forKey: .threshold),
                presentExamples: try c.decodeIfPresent(Int.self, forKey: .presentExamples) ?? 0,
                absentExamples: try c.decodeIfPresent(Int.self, forKey: .absentExamples) ?? 0)
        }

        /// Encodes the JSON form.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(features, forKey: .features)
            try c.encode(mean, forKey: .mean)
            try c.encode(scale, forKey: .scale)
            try c.encode(regression.weights, forKey: .weights)
            try c.encode(regression.bias, forKey: .bias)
            try c.encode(threshold, forKey: .threshold)
            try c.encode(presentExamples, forKey: .presentExamples)
            try c.encode(absentExamples, forKey: .absentExamples)
        }
    }

    /// One labelled (slice, class) pair the model is fitted on.
    public struct Observation: Sendable, Equatable {
        /// The class.
        public var classID: Int
        /// Whether the class has any ground-truth pixel on the slice.
        public var present: Bool
        /// Dice of the unfiltered predicted mask against the ground truth.
        public var dice: Double
        /// Whether the unfiltered predicted mask has any pixel.
        public var drawn: Bool
        /// `ClassPresenceFeatures.of(…)` of the unfiltered segmentation.
        public var features: [Double]

        /// An observation of one (slice, class) pair.
        ///
        /// - Parameters:
        ///   - classID: the class.
        ///   - present: whether the class has ground-truth pixels on the slice.
        ///   - dice: Dice of the unfiltered prediction against the ground truth.
        ///   - drawn: whether the unfiltered prediction is non-empty.
        ///   - features: the class's presence features on the unfiltered segmentation.
        public init(classID: Int, present: Bool, dice: Double, drawn: Bool, features: [Double]) {
            self.classID = classID
            self.present = present
            self.dice = dice
            self.drawn = drawn
            self.features = features
        }
    }

    /// The classes whose masks the features read, in order (every class the model was fitted with).
    public var contextClassIDs: [Int]
    /// Per class id, its model; a class not listed keeps every mask.
    public var classes: [Int: ClassModel]

    /// A presence model from its parts.
    ///
    /// - Parameters:
    ///   - contextClassIDs: the classes the features read, in order, without repeats.
    ///   - classes: per class id (each one of `contextClassIDs`), its model, with `2 + contextClassIDs.count`
    ///     features.
    /// - Throws: `AutoMedSAMError.invalidInput` for a repeated context class, a class model for a class
    ///   outside the context or with the wrong number of features.
    public init(contextClassIDs: [Int], classes: [Int: ClassModel]) throws {
        guard Set(contextClassIDs).count == contextClassIDs.count, !contextClassIDs.isEmpty else {
            throw AutoMedSAMError.invalidInput("a presence model's class_ids must be distinct and not empty")
        }
        for (id, model) in classes {
            guard contextClassIDs.contains(id) else {
                throw AutoMedSAMError.invalidInput(
                    "the presence model has a model for class \(id), which is not among its class_ids \(contextClassIDs)"
                )
            }
            guard model.features.count == 2 + contextClassIDs.count else {
                throw AutoMedSAMError.invalidInput(
                    "the presence model of class \(id) has \(model.features.count) features, not \(2 + contextClassIDs.count)"
                )
            }
        }
        self.contextClassIDs = contextClassIDs
        self.classes = classes
    }

    /// Per class of `segmentation` with a model, `p(present)`.
    ///
    /// - Parameter segmentation: an unfiltered AutoMedSAM answer with every context class.
    /// - Throws: `AutoMedSAMError.invalidInput` when a context class is missing.
    public func probabilities(_ segmentation: ClassSegmentation) throws -> [Int: Double] {
        var out: [Int: Double] = [:]
        for id in segmentation.classIDs {
            guard let model = classes[id] else { continue }
            out[id] = model.probability(
                try ClassPresenceFeatures.of(segmentation, classID: id, contextClassIDs: contextClassIDs))
        }
        return out
    }

    /// The segmentation with the masks this model judges absent made empty and the label map recomputed
    /// (`ClassSegmentation.keeping`): a class with a model keeps its mask when `p(present) > threshold`.
    ///
    /// - Parameter segmentation: an unfiltered AutoMedSAM answer with every context class.
    /// - Throws: `AutoMedSAMError.invalidInput` when a context class is missing.
    public func applied(to segmentation: ClassSegmentation) throws -> ClassSegmentation {
        let p = try probabilities(segmentation)
        return segmentation.keeping(
            segmentation.classIDs.map { id in
                guard let model = classes[id], let probability = p[id] else { return true }
                return probability > model.threshold
            })
    }

    /// Checks that every context class is among `classIDs` (the model's classes, or the classes segmented).
    ///
    /// - Parameter classIDs: the available class ids.
    /// - Throws: `AutoMedSAMError.invalidInput` naming the missing classes.
    public func check(against classIDs: [Int]) throws {
        let missing = contextClassIDs.filter { !classIDs.contains($0) }
        guard missing.isEmpty else {
            throw AutoMedSAMError.invalidInput(
                "the presence model reads the masks of classes \(contextClassIDs); class(es) \(missing) are not among \(classIDs)"
            )
        }
    }

    /// The model fitted to `observations`: per class, the features of its non-empty masks standardised, an
    /// L2-penalised logistic regression (`LogisticRegression.fitted`, λ = `penalty`) of "present", and the
    /// threshold (0 or one of the fitted probabilities) maximising the class's summed slice score, where a
    /// present class scores the Dice of its kept mask (0 when dropped) and an absent class scores 1 when its
    /// mask is empty or dropped, else 0. Ties go to the smaller threshold (keep more). A class with no
    /// non-empty mask gets no model (keeps everything).
    ///
    /// - Parameters:
    ///   - observations: labelled (slice, class) pairs, never from the data used for reporting.
    ///   - contextClassIDs: the classes the features were computed with, in order.
    ///   - penalty: the L2 penalty on the standardised weights (default 10: chosen by patient-grouped 5-fold
    ///     cross-validation on 100 held-out ACDC training slices, where 1 dropped more present masks).
    /// - Throws: `AutoMedSAMError.invalidInput` for observations of classes outside the context or with the
    ///   wrong number of features.
    public static func fitted(
        to observations: [Observation], contextClassIDs: [Int], penalty: Double = 10
    ) throws -> ClassPresenceModel {
        var classes: [Int: ClassModel] = [:]
        let d = 2 + contextClassIDs.count
        for o in observations where !contextClassIDs.contains(o.classID) || o.features.count != d {
            throw AutoMedSAMError.invalidInput(
                "a presence observation of class \(o.classID) with \(o.features.count) features does not fit the context classes \(contextClassIDs)"
            )
        }
        for id in contextClassIDs {
            let drawn = observations.filter { $0.classID == id && $0.drawn }
            guard !drawn.isEmpty else { continue }
            let n = Double(drawn.count)
            let mean = (0..<d).map { j in drawn.reduce(0.0) { $0 + $1.features[j] } / n }
            let scale = (0..<d).map { j -> Double in
                let s = (drawn.reduce(0.0) { $0 + pow($1.features[j] - mean[j], 2) } / n).squareRoot()
                return s > 1e-12 ? s : 1
            }
            let rows = drawn.map { o in (0..<d).map { (o.features[$0] - mean[$0]) / scale[$0] } }
            let regression = LogisticRegression.fitted(features: rows, labels: drawn.map(\.present), penalty: penalty)
            let p = rows.map(regression.probability)
            var best = (threshold: 0.0, score: -Double.infinity)
            for t in [0] + Set(p).sorted() {
                var score = 0.0
                for (o, probability) in zip(drawn, p) {
                    let kept = probability > t
                    score += o.present ? (kept ? o.dice : 0) : (kept ? 0 : 1)
                }
                if score > best.score { best = (t, score) }
            }
            classes[id] = try ClassModel(
                features: ClassPresenceFeatures.names(classID: id, contextClassIDs: contextClassIDs), mean: mean,
                scale: scale, regression: regression, threshold: min(max(best.threshold, 0), 1),
                presentExamples: drawn.filter(\.present).count, absentExamples: drawn.filter { !$0.present }.count)
        }
        return try ClassPresenceModel(contextClassIDs: contextClassIDs, classes: classes)
    }

    enum CodingKeys: String, CodingKey {
        case format
        case contextClassIDs = "class_ids"
        case classes
    }

    /// Decodes the JSON form, checking the format tag and every value.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let format = try c.decode(String.self, forKey: .format)
        guard format == Self.format else {
            throw AutoMedSAMError.invalidInput("format '\(format)' is not '\(Self.format)'")
        }
        var classes: [Int: ClassModel] = [:]
        for (key, value) in try c.decode([String: ClassModel].self, forKey: .classes) {
            guard let id = Int(key), id > 0, id < 256 else {
                throw AutoMedSAMError.invalidInput("'\(key)' in classes is not a class id (1…255)")
            }
            classes[id] = value
        }
        try self.init(contextClassIDs: try c.decode([Int].self, forKey: .contextClassIDs), classes: classes)
    }

    /// Encodes the JSON form (class ids as string keys).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.format, forKey: .format)
        try c.encode(contextClassIDs, forKey: .contextClassIDs)
        try c.encode(
            Dictionary(uniqueKeysWithValues: classes.map { (String($0.key), $0.value) }), forKey: .classes)
    }

    /// The model in a JSON file.
    ///
    /// - Parameter url: a file written by `evaluate --fit-presence-model`.
    /// - Throws: `AutoMedSAMError.invalidInput` naming the file when it cannot be read or is not a presence model.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AutoMedSAMError.invalidInput("cannot read the presence model \(url.path): \(error)")
        }
        do { self = try JSONDecoder().decode(ClassPresenceModel.self, from: data) } catch let error as AutoMedSAMError {
            throw AutoMedSAMError.invalidInput("\(url.path): \(error)")
        } catch {
            throw AutoMedSAMError.invalidInput(
                "\(url.path) is not a presence model (JSON from `evaluate --fit-presence-model`): \(error)")
        }
    }
}
