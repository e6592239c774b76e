/// The intensity mapping a P²SAM model was trained with, as `p2sam train` records it in the model file's metadata:
/// `window` = the `--window` value (e.g. `lung`, `-1000,400`) or `normalize` = the `--normalize` value (e.g.
/// `zscore`); neither key when the images were used as they are (0...255 images kept, others min–max) or when
/// the file predates the record. Sampling a dataset with another mapping shows the model other intensities than
/// it learnt from, so `sample --dataset` and `evaluate` use the recorded one unless told otherwise.
public struct TrainingIntensity: Sendable, Equatable {
    /// The metadata key of the CT window (`--window`).
    public static let windowKey = "window"
    /// The metadata key of the normalisation (`--normalize`).
    public static let normalizeKey = "normalize"

    /// The `--window` value, or nil.
    public var window: String?
    /// The `--normalize` value, or nil.
    public var normalize: String?

    /// A mapping from the command-line values (at most one of them is non-nil in a valid run).
    public init(window: String?, normalize: String?) {
        self.window = window
        self.normalize = normalize
    }

    /// The mapping a model file's metadata records; nil when it records none (not known, or images used as they
    /// are).
    public init?(metadata: [String: String]) {
        let window = metadata[Self.windowKey].flatMap { $0.isEmpty ? nil : $0 }
        let normalize = metadata[Self.normalizeKey].flatMap { $0.isEmpty ? nil : $0 }
        guard window != nil || normalize != nil else { return nil }
        self.init(window: window, normalize: normalize)
    }

    /// Whether neither option is set (the images as they are).
    public var isDefault: Bool { window == nil && normalize == nil }

    /// The metadata entries that record this mapping (none for the default).
    public var metadata: [String: String] {
        var entries: [String: String] = [:]
        if let window { entries[Self.windowKey] = window }
        if let normalize { entries[Self.normalizeKey] = normalize }
        return entries
    }

    /// The options that give this mapping, e.g. `--window lung`, `--normalize zscore`, or `no --window or
    /// --normalize` for the default.
    public var optionText: String {
        if let window { return "--window \(window)" }
        if let normalize { return "--normalize \(normalize)" }
        return "no --window or --normalize"
    }
}
