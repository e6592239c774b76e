import Foundation
import MultiRaterMetrics

/// One image with a multi-class label map: pixel value = class id (0 background).
public struct LabelMapCase: Sendable {
    public var caseID: String
    /// The image (grey or RGB, values as stored).
    public var image: CaseImage
    /// Class id per pixel, row-major `height x width`.
    public var labels: [UInt8]
    public var width: Int { image.width }
    public var height: Int { image.height }

    /// A slice `caseID` of `image` with one class id per pixel (`labels`, row-major, the image's size).
    ///
    /// - Throws: `DataError.invalidCase` when `labels` does not hold one id per pixel of the image.
    public init(caseID: String, image: CaseImage, labels: [UInt8]) throws {
        guard labels.count == image.width * image.height else {
            throw DataError.invalidCase(
                id: caseID,
                reason: "\(labels.count) class ids for a \(image.width)x\(image.height) image")
        }
        self.caseID = caseID
        self.image = image
        self.labels = labels
    }

    /// The binary mask of class `id`.
    public func mask(ofClass id: Int) -> BinaryMask {
        try! BinaryMask(width: width, height: height, bools: labels.map { Int($0) == id })
    }

    /// The class ids present (background excluded), sorted.
    public var presentClasses: [Int] { Set(labels.map(Int.init)).subtracting([0]).sorted() }
}

/// A multi-class dataset in the label-map layout (`labels:ROOT`): `ROOT/<case>/image.png` +
/// `ROOT/<case>/label.png` (8-bit grey, value = class id), and `classes.json` (`{"1": "right ventricle",
/// …}`) in ROOT or, as in the shared ACDC copy (`acdc/classes.json` with `acdc/train/<case>`), in ROOT's
/// parent. Cases are the sorted folder names.
///
/// Strict: a label map that is not 8-bit grey, holds an id missing from `classes.json`, or differs in
/// size from its image is an error naming the file; so is a `classes.json` that is not an object of
/// positive integer ids (1…255) to non-empty names.
public struct LabelMapDataset: Sendable {
    /// Class names by id (background 0 is implicit).
    public var classes: [Int: String]
    public var cases: [LabelMapCase]
    public var root: URL

    /// Per-class statistics over the dataset.
    public struct ClassSummary: Sendable, Equatable {
        public var id: Int
        public var name: String
        /// Cases in which the class has at least one pixel.
        public var casesPresent: Int
        /// Cases without the class (an "empty slice" for that class).
        public var casesEmpty: Int
        /// The class's share of all pixels.
        public var pixelShare: Double
    }

    /// Reads the dataset at `root`, at most `maximumCases` cases.
    public static func read(root: URL, maximumCases: Int = 1_000_000) throws -> LabelMapDataset {
        guard ImageFiles.isDirectory(root) else { throw DataError.invalidFile(path: root.path, reason: "not a folder") }
        let classes = try readClasses(near: root)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted { $0.localizedStandardCompare($1) == .orderedAscending }
        let folders = names.map { root.appendingPathComponent($0) }.filter(ImageFiles.isDirectory)
        guard !folders.isEmpty else {
            throw DataError.invalidFile(
                path: root.path, reason: "no case folders: want ROOT/<case>/image.png + label.png")
        }
        guard folders.count <= maximumCases else {
            throw DataError.invalidFile(
                path: root.path, reason: "\(folders.count) cases exceed the limit of \(maximumCases)")
        }
        var cases: [LabelMapCase] = []
        for folder in folders {
            let imageURL = folder.appendingPathComponent("image.png")
            let labelURL = folder.appendingPathComponent("label.png")
            for url in [imageURL, labelURL] where !FileManager.default.fileExists(atPath: url.path) {
                throw DataError.invalidFile(path: url.path, reason: "missing (each case needs image.png and label.png)")
            }
            let image = try ImageFiles.readPNG(imageURL).caseImage(name: folder.lastPathComponent)
            let raster = try ImageFiles.readPNG(labelURL)
            guard raster.colourChannels == 1, raster.bitDepth == 8 else {
                throw DataError.invalidFile(
                    path: labelURL.path,
                    reason:
                        "a label map must be 8-bit grey (class ids), found \(raster.colourChannels) channel(s) of \(raster.bitDepth) bits"
                )
            }
            guard raster.width == image.width, raster.height == image.height else {
                throw DataError.invalidFile(
                    path: labelURL.path,
                    reason: "label map is \(raster.width)x\(raster.height), image is \(image.width)x\(image.height)")
            }
            var labels = [UInt8](repeating: 0, count: raster.width * raster.height)
            for i in 0..<labels.count { labels[i] = UInt8(raster.samples[i * raster.channels]) }
            if let unknown = Set(labels).subtracting([0]).map(Int.init).sorted().first(where: { classes[$0] == nil }) {
                throw DataError.invalidFile(
                    path: labelURL.path,
                    reason: "class id \(unknown) is not in classes.json (ids \(classes.keys.sorted()))")
            }
            cases.append(try LabelMapCase(caseID: folder.lastPathComponent, image: image, labels: labels))
        }
        return LabelMapDataset(classes: classes, cases: cases, root: root)
    }

    /// `classes.json` in `root`, else in its parent.
    static func readClasses(near root: URL) throws -> [Int: String] {
        let candidates = [
            root.appendingPathComponent("classes.json"),
            root.deletingLastPathComponent().appendingPathComponent("classes.json"),
        ]
        guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw DataError.invalidFile(
                path: root.path, reason: "no classes.json in the folder or its parent (want {\"1\": \"name\", …})")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError.invalidFile(path: url.path, reason: "cannot be read")
        }
        guard data.count <= 1 << 20, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DataError.invalidFile(path: url.path, reason: "not a JSON object of class ids to names")
        }
        var classes: [Int: String] = [:]
        for (key, value) in object {
            guard let id = Int(key), (1...255).contains(id), let name = value as? String, !name.isEmpty else {
                throw DataError.invalidFile(
                    path: url.path, reason: "entry \"\(key)\" must map an id 1…255 to a non-empty name")
            }
            classes[id] = name
        }
        guard !classes.isEmpty else { throw DataError.invalidFile(path: url.path, reason: "names no class") }
        return classes
    }

    /// Cases, empty cases and pixel share per class, in id order.
    public var classSummaries: [ClassSummary] {
        let totalPixels = cases.reduce(0) { $0 + $1.labels.count }
        return classes.keys.sorted().map { id in
            var present = 0
            var pixels = 0
            for item in cases {
                let count = item.labels.lazy.filter { Int($0) == id }.count
                pixels += count
                if count > 0 { present += 1 }
            }
            return ClassSummary(
                id: id, name: classes[id]!, casesPresent: present, casesEmpty: cases.count - present,
                pixelShare: totalPixels == 0 ? 0 : Double(pixels) / Double(totalPixels))
        }
    }
}
