import Foundation
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
        XCTAssertEqual(P2SAMModelCard.entry(named: "lidc")?.relativePath, "p2sam/lidc.safetensors")
        XCTAssertEqual(P2SAMModelCard.entry(named: "bubil")?.relativePath, "p2sam/bubil.safetensors")
        XCTAssertEqual(P2SAMModelCard.entry(named: "synthetic")?.relativePath, "p2sam/default.safetensors")
        XCTAssertEqual(try P2SAMModelCard.resolve("/tmp/some/model.safetensors").path, "/tmp/some/model.safetensors")
        // The bundled default is found through the checkout, as the default model is.
        let synthetic = try P2SAMModelCard.resolve("synthetic")
        XCTAssertEqual(synthetic.lastPathComponent, "default.safetensors")
        // An environment variable per name overrides the search.
        XCTAssertEqual(P2SAMModelCard.entry(for: URL(fileURLWithPath: "/x/lidc.safetensors"))?.name, "lidc")
    }

    func testCardDigestIsParsedFromItsTable() {
        let digest = String(repeating: "ab", count: 32)
        XCTAssertEqual(
            P2SAMModelCard.statedSHA256(inCard: "# Card\n| | |\n|---|---|\n| sha256 | `\(digest)` |\n"), digest)
        XCTAssertNil(P2SAMModelCard.statedSHA256(inCard: "| sha256 | `abc` |"))
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

    /// The bundled BU-BIL model is what its card says it is: box-following with its stored settings, and a box
    /// proposal (two refinement decodes, samples keeping their largest connected region) for runs without a box.
    func testBundledBUBILModelCarriesItsCardsSettings() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Models/p2sam/bubil.safetensors")
        let configuration = try P2SAMModelFile(contentsOf: file).configuration
        XCTAssertEqual(configuration.injection, .readerOutput)
        XCTAssertEqual(configuration.latentTemperature, 8)
        XCTAssertEqual(configuration.boxJitter, try PromptBoxJitter(fraction: 0.1))
        XCTAssertTrue(configuration.boxProposal)
        XCTAssertEqual(configuration.proposalRefinementPasses, 2)
        XCTAssertTrue(configuration.proposalKeepsLargestComponent)
        XCTAssertFalse(configuration.presenceHead)
    }

    /// The bundled LIDC model is what its card says it is: a presence head, a box proposal with its presence
    /// settings, and no-box samples keeping their largest connected region (seventeenth session).
    func testBundledLIDCModelCarriesItsCardsSettings() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Models/p2sam/lidc.safetensors")
        let model = try P2SAMModelFile(contentsOf: file)
        XCTAssertTrue(model.configuration.presenceHead)
        XCTAssertTrue(model.configuration.boxProposal)
        XCTAssertTrue(model.configuration.proposalKeepsLargestComponent)
        XCTAssertEqual(model.metadata["box_proposal_presence_draw"], "stratified")
    }

    /// Every card shipped in Models/p2sam states the sha256 of its model file.
    func testShippedCardsMatchTheirModels() throws {
        let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Models/p2sam")
        for entry in P2SAMModelCard.entries {
            let file = models.appendingPathComponent(URL(fileURLWithPath: entry.relativePath).lastPathComponent)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            XCTAssertNotNil(try P2SAMModelCard.verify(model: file), "\(entry.name) has no card")
        }
    }
}
