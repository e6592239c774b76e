import LiteMedSAM
import MultiRaterMetrics
import SAMTensor

/// One training example of AutoMedSAM: a slice (its cached embedding and label map in the 256x256 model
/// frame) and one class of it.
public struct AutoMedSAMExample: Sendable {
    public let caseID: String
    /// The class id and its row in the class prompt encoder.
    public let classID: Int
    public let classRow: Int
    /// The slice's embedding `[64, 64, 256]`, stored as Float16 (2 MiB).
    let embeddingHalf: [Float16]
    /// The class's mask in the model frame, 0/1, 256x256 row-major.
    public let mask: [UInt8]
    /// The tight box of the mask in the model frame (`[x0, y0, x1, y1]` = min/max column and row), nil
    /// when the class is absent.
    public let box: BoxPrompt?

    /// An example of class `classID` (row `classRow`) of slice `caseID` with its embedding and model-frame mask.
    public init(caseID: String, classID: Int, classRow: Int, embedding: Tensor, mask: [UInt8]) {
        precondition(embedding.shape == [64, 64, 256] && mask.count == 256 * 256, "example shapes")
        self.caseID = caseID
        self.classID = classID
        self.classRow = classRow
        embeddingHalf = embedding.storage.map { Float16($0) }
        self.mask = mask
        box = Self.tightBox(mask, side: 256)
    }

    /// The embedding `[64, 64, 256]`.
    public var embedding: Tensor { Tensor(shape: [64, 64, 256], storage: embeddingHalf.map { Float($0) }) }

    /// The target `[1, 256, 256]`.
    public var target: Tensor { Tensor(shape: [1, 256, 256], storage: mask.map { Float($0) }) }

    /// Foreground pixels of the mask.
    public var foregroundCount: Int { mask.reduce(0) { $0 + Int($1) } }

    /// Whether the class is present.
    public var isPresent: Bool { box != nil }

    /// The shape-distance map `[1, 256, 256]`: each foreground pixel's Euclidean distance to the nearest
    /// background pixel divided by the largest such distance (0 on background; all 0 for an empty mask).
    public var distanceMap: Tensor {
        let side = 256
        let squared = DistanceTransform.squaredDistances(
            to: mask.map { $0 == 0 }, shape: [side, side], spacing: [1, 1])
        var distances = squared.map { $0.isFinite ? $0.squareRoot() : 0 }
        let largest = distances.max() ?? 0
        if largest > 0 { distances = distances.map { $0 / largest } }
        return Tensor(shape: [1, side, side], storage: distances.map { Float($0) })
    }

    /// `[min x, min y, max x, max y]` of the foreground of a `side x side` 0/1 mask, nil when empty.
    static func tightBox(_ mask: [UInt8], side: Int) -> BoxPrompt? {
        var (x0, y0, x1, y1) = (side, side, -1, -1)
        for y in 0..<side {
            for x in 0..<side where mask[y * side + x] != 0 {
                x0 = min(x0, x)
                x1 = max(x1, x)
                y0 = min(y0, y)
                y1 = max(y1, y)
            }
        }
        guard x1 >= 0 else { return nil }
        return BoxPrompt(x0: Float(x0), y0: Float(y0), x1: Float(x1), y1: Float(y1))
    }
}
