/// Bounds on what one challenge case may make the reader allocate and the runner compute, checked
/// before the work (the same conventions as the dataset readers' `DatasetLimits`).
public struct ChallengeLimits: Sendable, Equatable {
    /// Default ``maxDecompressedBytes``: 512 MiB.
    public static let defaultMaxDecompressedBytes = 512 << 20
    /// Default ``maxCachedEmbeddings``: 64 slice embeddings (4 MiB each).
    public static let defaultMaxCachedEmbeddings = 64

    /// The most bytes one `.npz` array may take (a compressed member is refused before inflating).
    public var maxDecompressedBytes: Int
    /// The most objects (box rows) per case: 65,535, the largest id a `uint16` label can hold.
    public var maxObjects: Int
    /// 3D cases whose objects have different middle slices embed some slices in both sweeps; up to
    /// this many slice embeddings are kept so each slice is encoded once (beyond it, re-encoded).
    public var maxCachedEmbeddings: Int

    /// Limits on decompressed array bytes, objects per case and embeddings kept between the two 3D sweeps.
    public init(
        maxDecompressedBytes: Int = ChallengeLimits.defaultMaxDecompressedBytes,
        maxObjects: Int = Int(UInt16.max),
        maxCachedEmbeddings: Int = ChallengeLimits.defaultMaxCachedEmbeddings
    ) {
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxObjects = min(maxObjects, Int(UInt16.max))
        self.maxCachedEmbeddings = maxCachedEmbeddings
    }
}
