import Foundation
import MultiRaterMetrics

extension LabelMapDataset {
    /// Whether `folder` has the label-map layout: a `classes.json` in it or its parent and a first case
    /// folder holding `image.png` and `label.png`.
    public static func looksLike(_ folder: URL) -> Bool {
        let fileManager = FileManager.default
        let hasClasses = [folder, folder.deletingLastPathComponent()].contains {
            fileManager.fileExists(atPath: $0.appendingPathComponent("classes.json").path)
        }
        guard hasClasses,
            let first = ((try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter({ !$0.hasPrefix(".") }).sorted().first(where: {
                    ImageFiles.isDirectory(folder.appendingPathComponent($0))
                })
        else { return false }
        let caseFolder = folder.appendingPathComponent(first)
        return ["image.png", "label.png"].allSatisfy {
            fileManager.fileExists(atPath: caseFolder.appendingPathComponent($0).path)
        }
    }

    /// The label maps as single-rater cases: one case per (slice, class present in it), in slice order
    /// then class id order, named `<case>_<class name>` (spaces in the name become `-`), with the class's mask as its one rater and the
    /// slice as its group (so grouped splits keep a slice's classes together). Classes absent from a
    /// slice give no case: a box-prompted method needs a structure to draw the box around.
    public func perClassDataset() throws -> MultiRaterDataset {
        var out: [MultiRaterCase] = []
        for (index, item) in cases.enumerated() {
            for id in item.presentClasses {
                let name = (classes[id] ?? "class\(id)").replacingOccurrences(of: " ", with: "-")
                out.append(
                    try MultiRaterCase(
                        image: item.image, raters: [item.mask(ofClass: id)],
                        metadata: CaseMetadata(
                            caseID: "\(item.caseID)_\(name)", groupID: item.caseID, sourceIndex: index)))
            }
        }
        guard !out.isEmpty else {
            throw DataError.invalidFile(path: root.path, reason: "no slice has any labelled class")
        }
        return MultiRaterDataset(name: root.lastPathComponent, source: "labels:\(root.path)", cases: out)
    }
}
