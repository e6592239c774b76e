/// Errors of AutoMedSAM's model file and inference; each names the problem.
public enum AutoMedSAMError: Error, Equatable, CustomStringConvertible {
    /// The file is not an AutoMedSAM model (or its metadata or tensors are wrong).
    case notAModel(String)
    /// A class id the model was not trained on.
    case unknownClass(id: Int, known: [Int: String])
    /// Bad settings or input (a message naming it).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .notAModel(let why): return "not an AutoMedSAM model: \(why)"
        case .unknownClass(let id, let known):
            let list = known.keys.sorted().map { "\($0) (\(known[$0]!))" }.joined(separator: ", ")
            return "class \(id) is not one of the model's classes: \(list)"
        case .invalidInput(let why): return why
        }
    }
}
