import Foundation
import TorchCheckpoint

/// Test support: re-zips an archive with every member deflated, as Python's
/// `zipfile.ZipFile(..., compression=ZIP_DEFLATED)` would (`NPZWriter.deflatedZip`).
enum DeflatedZipWriter {
    /// Writes a copy of `source` to `destination` with each member raw-deflated at `level`.
    static func rezip(_ source: ZipArchive, to destination: URL, level: Int32 = 1) throws {
        let members = try source.entries.map { (name: $0.name, contents: try source.contents(of: $0).array) }
        try Data(NPZWriter.deflatedZip(members, level: level, path: destination.path)).write(to: destination)
    }
}
