import Foundation
import MultiRaterData

/// The files one `autoseg` run writes, gathered in memory while it computes and written together at the end,
/// each atomically: a failure before `write()` leaves nothing in the output folder.
struct AutosegOutputFiles {
    let folder: URL
    /// The suffix of written volumes: `.nii.gz` when the input volume is gzipped, `.nii` otherwise.
    let volumeSuffix: String
    private(set) var files: [(url: URL, bytes: [UInt8])] = []

    /// Files for the folder `output`, volumes compressed like the input `image`.
    init(output: String, input image: String) {
        folder = URL(fileURLWithPath: output)
        volumeSuffix = image.hasSuffix(".gz") ? ".nii.gz" : ".nii"
    }

    /// The number of files gathered.
    var count: Int { files.count }

    /// A NIfTI volume `name` + the volume suffix, gzipped when the suffix says so.
    mutating func addVolume(_ name: String, _ bytes: [UInt8]) throws {
        let url = folder.appendingPathComponent(name + volumeSuffix)
        files.append((url, try NIfTIVolume.fileBytes(bytes, for: url)))
    }

    /// A file `fileName` with `bytes` as they are.
    mutating func add(_ fileName: String, _ bytes: [UInt8]) {
        files.append((folder.appendingPathComponent(fileName), bytes))
    }

    /// Writes every gathered file, each atomically.
    func write() throws {
        for file in files { try NIfTIVolume.writeAtomically(file.bytes, to: file.url) }
    }
}
