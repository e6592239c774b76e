/// Bounds on the work and memory a dataset read may take, checked before anything is allocated.
///
/// The defaults fit every dataset this project uses with room to spare; raise them for larger data
/// (`p2sam` commands: `--max-cases`, `--max-decompressed-mib`).
public struct DatasetLimits: Sendable, Equatable {
    /// Default ``maxCases``: 50,000 cases.
    public static let defaultMaxCases = 50_000
    /// Default ``maxDecompressedBytes``: 512 MiB.
    public static let defaultMaxDecompressedBytes = 512 << 20

    /// The most cases a dataset may hold (`synthetic:N`, `.npz` N, case folders, BraTS slices...).
    public var maxCases: Int
    /// The most bytes one compressed member may inflate to (an `.npz` member, a `.nii.gz` file).
    public var maxDecompressedBytes: Int

    /// Limits of at most `maxCases` cases and `maxDecompressedBytes` per compressed member.
    public init(
        maxCases: Int = DatasetLimits.defaultMaxCases,
        maxDecompressedBytes: Int = DatasetLimits.defaultMaxDecompressedBytes
    ) {
        self.maxCases = maxCases
        self.maxDecompressedBytes = maxDecompressedBytes
    }

    /// Throws when `count` cases exceed ``maxCases``; `source` names the data in the message.
    public func checkCaseCount(_ count: Int, source: String) throws {
        guard count <= maxCases else {
            throw DataError.invalidFile(
                path: source,
                reason: "\(count) cases exceed the limit of \(maxCases) "
                    + "(raise it with --max-cases)")
        }
    }
}
