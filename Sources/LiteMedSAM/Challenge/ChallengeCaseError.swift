/// Why one challenge case cannot be segmented; every message names the case (its file name) and,
/// where there is one, the `.npz` key at fault.
public enum ChallengeCaseError: Error, CustomStringConvertible, Equatable {
    /// The file is not a readable `.npz` (not a zip, a corrupt member, a member over the size limit).
    case unreadable(caseName: String, reason: String)
    /// A required key is absent; `found` lists the keys the archive has.
    case missingKey(caseName: String, key: String, found: [String])
    /// A key holds an array of the wrong dtype or shape, or with bad values.
    case invalidArray(caseName: String, key: String, reason: String)
    /// Box `index` (0-based row of `boxes`) does not fit the image or volume.
    case invalidBox(caseName: String, index: Int, reason: String)

    /// The case's name, as given to the reader (the file name).
    public var caseName: String {
        switch self {
        case .unreadable(let name, _), .missingKey(let name, _, _), .invalidArray(let name, _, _),
            .invalidBox(let name, _, _):
            return name
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let name, let reason):
            return "\(name): cannot read the case: \(reason)"
        case .missingKey(let name, let key, let found):
            let keys = found.isEmpty ? "none" : found.sorted().joined(separator: ", ")
            return "\(name): missing key '\(key)' (keys present: \(keys))"
        case .invalidArray(let name, let key, let reason):
            return "\(name): key '\(key)': \(reason)"
        case .invalidBox(let name, let index, let reason):
            return "\(name): key 'boxes': box \(index): \(reason)"
        }
    }
}
