import Foundation
import MultiRaterData
import P2SAM
import TorchCheckpoint
import XCTest

/// `--model` names and model cards: resolution, the card's sha256 and the mismatch error.
final class ModelCardTests: XCTestCase {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("p2sam-card-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func testNamesResolveToBundledFilesAndPathsStayPaths() throws {
        XCTAssertEqual(
            P2SAMModelCard.entry(named: "lidc")?.relativePaths,
            ["p2sam/lidc-1.safetensors", "p2sam/lidc-2.safetensors", "p2sam/lidc-3.safetensors"])
        XCTAssertEqual(P2SAMModelCard.entry(named: "lidc")?.cardRelativePath, "p2sam/lidc.md")
        XCTAssertEqual(
            P2SAMModelCard.entry(named: "bubil")?.relativePaths,
            ["p2sam/bubil-1.safetensors", "p2sam/bubil-2.safetensors", "p2sam/bubil-3.safetensors"])
        XCTAssertEqual(P2SAMModelCard.entry(named: "synthetic")?.relativePaths, ["p2sam/default.safetensors"])
        XCTAssertEqual(
            try P2SAMModelCard.resolve("/tmp/some/model.safetensors").map(\.path), ["/tmp/some/model.safetensors"])
        // The bundled default is found through the checkout, as the default model is.
        let synthetic = try P2SAMModelCard.resolve("synthetic")
        XCTAssertEqual(synthetic.map(\.lastPathComponent), ["default.safetensors"])
        // The bundled LIDC model is three files, found in sampling order.
        let lidc = try P2SAMModelCard.resolve("lidc")
        XCTAssertEqual(
            lidc.map(\.lastPathComponent), ["lidc-1.safetensors", "lidc-2.safetensors", "lidc-3.safetensors"])
        XCTAssertTrue(lidc.allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
        XCTAssertEqual(P2SAMModelCard.entry(for: URL(fileURLWithPath: "/x/lidc-2.safetensors"))?.name, "lidc")
        XCTAssertEqual(P2SAMModelCard.entry(for: URL(fileURLWithPath: "/x/bubil-3.safetensors"))?.name, "bubil")
        XCTAssertNil(P2SAMModelCard.entry(for: URL(fileURLWithPath: "/x/bubil.safetensors")))
        XCTAssertNil(P2SAMModelCard.entry(for: URL(fileURLWithPath: "/x/lidc.safetensors")))
    }

    /// `$P2SAM_MODEL_<NAME>` names a one-file model's file, and the folder of a mixture's files.
    func testEnvironmentVariableNamesTheFileOrTheMixturesFolder() throws {
        XCTAssertEqual(
            try P2SAMModelCard.resolve("synthetic", environment: ["P2SAM_MODEL_SYNTHETIC": "/data/s.safetensors"])
                .map(\.path),
            ["/data/s.safetensors"])
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for k in 1...2 {
            try Data("file \(k)".utf8).write(to: directory.appendingPathComponent("lidc-\(k).safetensors"))
        }
        let environment = ["P2SAM_MODEL_LIDC": directory.path]
        XCTAssertThrowsError(try P2SAMModelCard.resolve("lidc", environment: environment)) { error in
            XCTAssertTrue(
                "\(error)".contains(
                    "P2SAM_MODEL_LIDC names the folder \(directory.path), which lacks lidc-3.safetensors"),
                "\(error)")
        }
        try Data("file 3".utf8).write(to: directory.appendingPathComponent("lidc-3.safetensors"))
        XCTAssertEqual(
            try P2SAMModelCard.resolve("lidc", environment: environment).map(\.lastPathComponent),
            ["lidc-1.safetensors", "lidc-2.safetensors", "lidc-3.safetensors"])
        XCTAssertTrue(
            try P2SAMModelCard.resolve("lidc", environment: environment).allSatisfy {
                $0.path.hasPrefix(directory.path)
            })
    }

    func testCardDigestIsParsedFromItsTable() {
        let digest = String(repeating: "ab", count: 32)
        XCTAssertEqual(
            P2SAMModelCard.statedSHA256(inCard: "# Card\n| | |\n|---|---|\n| sha256 | `\(digest)` |\n"), digest)
        XCTAssertNil(P2SAMModelCard.statedSHA256(inCard: "| sha256 | `abc` |"))
        // A mixture's card states one digest per file.
        let second = String(repeating: "cd", count: 32)
        let card = "| sha256 (m-1.safetensors) | `\(digest)` |\n| sha256 (m-2.safetensors) | `\(second)` |\n"
        XCTAssertEqual(P2SAMModelCard.statedSHA256(inCard: card, forFile: "m-1.safetensors"), digest)
        XCTAssertEqual(P2SAMModelCard.statedSHA256(inCard: card, forFile: "m-2.safetensors"), second)
        XCTAssertNil(P2SAMModelCard.statedSHA256(inCard: card, forFile: "m-3.safetensors"))
        XCTAssertNil(P2SAMModelCard.statedSHA256(inCard: card), "no plain row: nothing for an unnamed file")
    }

    /// A file of a bundled mixture is checked against the mixture's card beside it, by its own row.
    func testMixtureFilesAreCheckedAgainstTheSharedCard() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = (1...3).map { directory.appendingPathComponent("lidc-\($0).safetensors") }
        for (k, file) in files.enumerated() { try Data("component \(k)".utf8).write(to: file) }
        XCTAssertNil(try P2SAMModelCard.verify(model: files[1]), "no card: nothing to check")
        let digests = try files.map { try SHA256.hexDigest(ofFileAt: $0.path) }
        let card = directory.appendingPathComponent("lidc.md")
        func writeCard(_ rows: [(String, String)]) throws {
            try rows.map { "| sha256 (\($0.0)) | `\($0.1)` |\n" }.joined().write(
                to: card, atomically: true, encoding: .utf8)
        }
        try writeCard(zip(files.map(\.lastPathComponent), digests).map { ($0, $1) })
        for file in files { XCTAssertEqual(try P2SAMModelCard.verify(model: file)?.lastPathComponent, "lidc.md") }
        // Two digests swapped: both files are refused, each naming itself.
        try writeCard([
            ("lidc-1.safetensors", digests[1]), ("lidc-2.safetensors", digests[0]), ("lidc-3.safetensors", digests[2]),
        ])
        XCTAssertThrowsError(try P2SAMModelCard.verify(model: files[0])) {
            XCTAssertTrue("\($0)".contains("lidc-1.safetensors has sha256 \(digests[0])"), "\($0)")
        }
        XCTAssertNoThrow(try P2SAMModelCard.verify(model: files[2]))
        // Resolved by name through $P2SAM_MODEL_LIDC: the listing reports each file's outcome in sampling order,
        // loading refuses the mixture at its first replaced file.
        let environment = ["P2SAM_MODEL_LIDC": directory.path]
        let checked = try P2SAMModelCard.checkedFiles("lidc", environment: environment)
        XCTAssertEqual(checked.map(\.url.lastPathComponent), files.map(\.lastPathComponent))
        XCTAssertThrowsError(try checked[0].card.get())
        XCTAssertThrowsError(try checked[1].card.get())
        XCTAssertEqual(try checked[2].card.get()?.lastPathComponent, "lidc.md")
        XCTAssertThrowsError(try P2SAMModelCard.verifiedFiles("lidc", environment: environment)) {
            XCTAssertTrue("\($0)".contains("lidc-1.safetensors has sha256 \(digests[0])"), "\($0)")
        }
        try writeCard(zip(files.map(\.lastPathComponent), digests).map { ($0, $1) })
        let verified = try P2SAMModelCard.verifiedFiles("lidc", environment: environment)
        XCTAssertEqual(verified.map(\.url.lastPathComponent), files.map(\.lastPathComponent))
        XCTAssertEqual(verified.map { $0.card?.lastPathComponent }, Array(repeating: "lidc.md", count: 3))
        // A file the card has no row for is refused.
        try writeCard([("lidc-1.safetensors", digests[0])])
        XCTAssertThrowsError(try P2SAMModelCard.verify(model: files[2])) {
            XCTAssertTrue("\($0)".contains("states no sha256 for lidc-3.safetensors"), "\($0)")
        }
    }

    func testMatchingCardPassesAndAMismatchIsAClearError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = directory.appendingPathComponent("mine.safetensors")
        try Data("not really a model".utf8).write(to: model)
        XCTAssertNil(try P2SAMModelCard.verify(model: model), "no card: nothing to check")
        let card = directory.appendingPathComponent("mine.md")
        let actual = try SHA256.hexDigest(ofFileAt: model.path)
        try "| sha256 | `\(actual)` |\n".write(to: card, atomically: true, encoding: .utf8)
        XCTAssertEqual(try P2SAMModelCard.verify(model: model)?.lastPathComponent, "mine.md")
        try "| sha256 | `\(String(repeating: "0", count: 64))` |\n".write(to: card, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try P2SAMModelCard.verify(model: model)) { error in
            let text = "\(error)"
            XCTAssertTrue(
                text.contains("model card mismatch") && text.contains(actual) && text.contains("mine.md"), text)
        }
    }

    /// Every file of the bundled BU-BIL mixture is what its card says it is: box-following with its stored settings,
    /// trained with mirror-image views, and a box proposal (two refinement decodes, samples keeping their largest
    /// connected region) for runs without a box.
    func testBundledBUBILModelCarriesItsCardsSettings() throws {
        let files = try P2SAMModelCard.resolve("bubil")
        XCTAssertEqual(
            files.map(\.lastPathComponent), ["bubil-1.safetensors", "bubil-2.safetensors", "bubil-3.safetensors"])
        var digests: Set<String> = []
        for file in files {
            let model = try P2SAMModelFile(contentsOf: file)
            let configuration = model.configuration
            XCTAssertEqual(configuration.injection, .readerOutput, file.lastPathComponent)
            XCTAssertEqual(configuration.latentTemperature, 16, file.lastPathComponent)
            XCTAssertEqual(configuration.boxJitter, try PromptBoxJitter(fraction: 0.1), file.lastPathComponent)
            XCTAssertTrue(configuration.boxProposal, file.lastPathComponent)
            XCTAssertEqual(configuration.proposalRefinementPasses, 2, file.lastPathComponent)
            XCTAssertTrue(configuration.proposalKeepsLargestComponent, file.lastPathComponent)
            XCTAssertFalse(configuration.presenceHead, file.lastPathComponent)
            XCTAssertEqual(model.metadata[TrainingAugmentation.metadataKey], "flips", file.lastPathComponent)
            digests.insert(try SHA256.hexDigest(ofFileAt: file.path))
        }
        XCTAssertEqual(digests.count, 3, "three trainings, not one file three times")
    }

    /// Every file of the bundled LIDC mixture is what its card says it is: a presence head, a box proposal with
    /// its presence settings, no-box samples keeping their largest connected region, and its seed.
    func testBundledLIDCModelCarriesItsCardsSettings() throws {
        for (k, file) in try P2SAMModelCard.resolve("lidc").enumerated() {
            let model = try P2SAMModelFile(contentsOf: file)
            XCTAssertEqual(model.metadata["seed"], String(k + 1))
            XCTAssertTrue(model.configuration.presenceHead)
            XCTAssertTrue(model.configuration.boxProposal)
            XCTAssertTrue(model.configuration.proposalKeepsLargestComponent)
            XCTAssertEqual(model.metadata["box_proposal_presence_draw"], "stratified")
            XCTAssertNotNil(model.metadata["blas"], "the kernel set that trained it is recorded")
            XCTAssertEqual(
                TrainingIntensity(metadata: model.metadata), TrainingIntensity(window: "lung", normalize: nil),
                "a dataset is sampled in the lung window it was trained in")
        }
    }

    /// Every card shipped in Models/p2sam states the sha256 of each of its model's files.
    func testShippedCardsMatchTheirModels() throws {
        let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Models")
        for entry in P2SAMModelCard.entries {
            for path in entry.relativePaths {
                let file = models.appendingPathComponent(path)
                XCTAssertTrue(FileManager.default.fileExists(atPath: file.path), path)
                XCTAssertEqual(
                    try P2SAMModelCard.verify(model: file)?.path,
                    models.appendingPathComponent(entry.cardRelativePath).path, "\(path) has no card")
            }
        }
    }
}
