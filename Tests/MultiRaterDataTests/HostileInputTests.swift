import Foundation
import MultiRaterData
import XCTest

/// Issue 16: hostile dataset files that used to trap, be accepted silently or be read without bounds.
final class HostileInputTests: XCTestCase {
    private func temporaryFile(_ name: String) -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder.appendingPathComponent(name)
    }

    /// Defect 2: `Int(Float)` trapped on a NaN, infinite or huge `vox_offset` (signal 4).
    func testNIfTIVoxOffsetThatIsNotAFileOffsetIsRefused() throws {
        let good = [UInt8](try Data(contentsOf: Fixture.url("brats/Case_001/Case_001_seg.nii")))
        XCTAssertNoThrow(try NIfTIVolume(bytes: good, path: "good.nii"))
        for value: Float in [.nan, .infinity, -.infinity, 9.3e18, 1e30, -400, 100] {
            var bytes = good
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.replaceSubrange(108..<112, with: $0) }
            let url = temporaryFile("offset.nii")
            try Data(bytes).write(to: url)
            XCTAssertThrowsError(try NIfTIVolume(contentsOf: url), "vox_offset \(value)") { error in
                XCTAssertTrue("\(error)".contains("offset.nii"), "\(error)")
                XCTAssertTrue("\(error)".contains("vox_offset"), "\(error)")
            }
        }
    }

    /// Defect 5: `synthetic:100000000` ran for ever; the case limit is checked before generating.
    func testSyntheticCaseCountAboveTheLimitIsRefusedAtOnce() throws {
        let start = Date()
        XCTAssertThrowsError(try DatasetSpec(parsing: "synthetic:100000000").load()) { error in
            XCTAssertTrue(
                "\(error)".contains("100000000 cases exceed the limit of \(DatasetLimits.defaultMaxCases)"), "\(error)")
            XCTAssertTrue("\(error)".contains("--max-cases"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        XCTAssertEqual(try DatasetSpec(parsing: "synthetic:3").load(limits: DatasetLimits(maxCases: 3)).cases.count, 3)
        XCTAssertThrowsError(try DatasetSpec(parsing: "synthetic:4").load(limits: DatasetLimits(maxCases: 3)))
    }

    /// Defect 5: a small `.npz` whose member inflates far past its size was inflated whole.
    func testNPZMemberInflatingPastTheLimitIsRefusedBeforeInflating() throws {
        let url = try Fixture.url("bomb.npz")
        XCTAssertThrowsError(
            try NPZDatasetReader.read(contentsOf: url, limits: DatasetLimits(maxDecompressedBytes: 1 << 20))
        ) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("bomb.npz"), message)
            XCTAssertTrue(message.contains("inflates to 4194432 bytes"), message)
            XCTAssertTrue(message.contains("--max-decompressed-mib"), message)
            XCTAssertTrue(message.contains("limit of 1048576"), message)
        }
        XCTAssertEqual(try NPZDatasetReader.read(contentsOf: url).cases.count, 1)  // within the default limit
    }

    /// Defect 5: the same for a `.nii.gz`.
    func testGzipNIfTIInflatingPastTheLimitIsRefused() throws {
        let url = try Fixture.url("bomb.nii.gz")
        XCTAssertThrowsError(try NIfTIVolume(contentsOf: url, maxDecompressedBytes: 1 << 20)) { error in
            XCTAssertTrue("\(error)".contains("bomb.nii.gz"), "\(error)")
            XCTAssertTrue("\(error)".contains("more than 1048576 bytes"), "\(error)")
        }
        XCTAssertEqual(try NIfTIVolume(contentsOf: url).dims.0, 2048)
    }

    /// Defect 6: an `.npz` with zero cases was accepted as an empty dataset.
    func testNPZWithoutCasesIsAnError() throws {
        XCTAssertThrowsError(try NPZDatasetReader.read(contentsOf: Fixture.url("empty_cases.npz"))) { error in
            XCTAssertTrue("\(error)".contains("empty_cases.npz"), "\(error)")
            XCTAssertTrue("\(error)".contains("no cases"), "\(error)")
        }
    }

    /// Defect 6: a missing file's message is in words with its path, not an NSCocoaErrorDomain dump.
    func testMissingNIfTIMessageIsInWords() throws {
        XCTAssertThrowsError(try NIfTIVolume(contentsOf: URL(fileURLWithPath: "/no/such/volume.nii.gz"))) { error in
            let message = "\(error)"
            XCTAssertEqual(message, "/no/such/volume.nii.gz: cannot read the file: No such file or directory")
            XCTAssertFalse(message.contains("NSCocoaErrorDomain"), message)
        }
    }

    /// Defect 4: an export cut short (here: the last case lost 3 of its 4 raters) was read without a word.
    func testPartialExportIsRefused() throws {
        let root = temporaryFile("export")
        let dataset = MultiRaterDataset(
            name: "s", source: "synthetic", cases: try SyntheticCaseGenerator(seed: 3).generate(count: 3))
        try FolderExporter.export(dataset, to: root)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("manifest.json").path))
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: root.appendingPathComponent(".p2sam-export-incomplete").path))
        XCTAssertEqual(try FolderDatasetReader.read(root: root).cases.count, 3)

        let last = root.appendingPathComponent(dataset.cases[2].metadata.caseID)
        for k in 1..<4 { try FileManager.default.removeItem(at: last.appendingPathComponent("rater\(k).png")) }
        XCTAssertThrowsError(try FolderDatasetReader.read(root: root)) { error in
            XCTAssertTrue(
                "\(error)".contains("case \(dataset.cases[2].metadata.caseID) has 1 of 4 rater masks"), "\(error)")
        }
        // A whole case folder missing, or one too many.
        try FileManager.default.removeItem(at: last)
        XCTAssertThrowsError(try FolderDatasetReader.read(root: root)) { error in
            XCTAssertTrue("\(error)".contains("is listed but its folder is missing"), "\(error)")
        }
        // The manifest itself missing while the export's marker is still there (the export stopped before its end).
        try FileManager.default.removeItem(at: root.appendingPathComponent("manifest.json"))
        try Data().write(to: root.appendingPathComponent(".p2sam-export-incomplete"))
        XCTAssertThrowsError(try FolderDatasetReader.read(root: root)) { error in
            XCTAssertTrue("\(error)".contains("did not finish"), "\(error)")
        }
    }

    /// A hand-made folder (no manifest, no marker) is still read.
    func testHandMadeFolderWithoutManifestIsRead() throws {
        let root = temporaryFile("byo")
        let dataset = MultiRaterDataset(
            name: "s", source: "synthetic", cases: try SyntheticCaseGenerator(seed: 4).generate(count: 2))
        try FolderExporter.export(dataset, to: root)
        try FileManager.default.removeItem(at: root.appendingPathComponent("manifest.json"))
        XCTAssertEqual(try FolderDatasetReader.read(root: root).cases.count, 2)
    }
}
