/// Which parameters of a `ParameterSet` a training run updates, chosen by name.
///
/// Build one from key prefixes (`.prefixes(["mask_decoder."])`), exact names, or any predicate, and
/// combine them (`union`, `subtracting`); `Trainer` freezes every other parameter.
public struct TrainableSelection: Sendable {
    /// Whether the parameter named `name` is trained.
    public let contains: @Sendable (String) -> Bool

    /// The parameters whose names satisfy `predicate`.
    public init(_ predicate: @escaping @Sendable (String) -> Bool) { contains = predicate }

    /// Every parameter.
    public static let all = TrainableSelection { _ in true }

    /// No parameter (a frozen model, e.g. for validation).
    public static let none = TrainableSelection { _ in false }

    /// The parameters whose names start with one of `prefixes` (`"mask_decoder."`, `"pgn."`).
    public static func prefixes(_ prefixes: [String]) -> TrainableSelection {
        TrainableSelection { name in prefixes.contains { name.hasPrefix($0) } }
    }

    /// The parameters named in `names`.
    public static func names(_ names: Set<String>) -> TrainableSelection {
        TrainableSelection { names.contains($0) }
    }

    /// The parameters selected by this selection or by `other`.
    public func union(_ other: TrainableSelection) -> TrainableSelection {
        let (a, b) = (contains, other.contains)
        return TrainableSelection { a($0) || b($0) }
    }

    /// The parameters selected by this selection and not by `other`.
    public func subtracting(_ other: TrainableSelection) -> TrainableSelection {
        let (a, b) = (contains, other.contains)
        return TrainableSelection { a($0) && !b($0) }
    }
}
