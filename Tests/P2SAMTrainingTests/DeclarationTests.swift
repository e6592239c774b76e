import Foundation
import LiteMedSAM
import P2SAM
import P2SAMTraining
import SAMAutograd
import SAMLayers
import SAMTensor
import XCTest

/// Each checkpoint and model-file key is declared once: the P²SAM layers declare exactly the tensors the
/// trainer writes, the prompt encoder's one forward agrees in both contexts, and the keys' names are spelled
/// in one source file each.
final class DeclarationTests: XCTestCase {
    /// For every injection, both token contexts (reader and reader-output injection: isolated only) and both stages: the keys and
    /// shapes a written model file holds are the declarations of `P2SAMLayers` built from the configuration alone
    /// (a placeholder store).
    func testModelFileTensorsAreTheDeclaredParameters() throws {
        let store = try TestCheckpoint.weights()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2sam-declarations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let forms = LatentInjection.allCases.flatMap { injection in
            MaskTokenContext.allCases.filter { !injection.needsIsolatedContext || $0 == .isolated }.map {
                (injection, $0)
            }
        }
        XCTAssertEqual(forms.count, 6)
        for (injection, context) in forms {
            var configuration = P2SAMConfiguration(
                maskTokenCount: P2SAMConfiguration.maskTokenCount(context: context), injection: injection,
                pgnWidths: P2SAMConfiguration.lightPGNWidths)
            configuration.maskTokenContext = context
            let set = try ModelInitialisation.stageOne(from: store, configuration: configuration, seed: 2)
            ModelInitialisation.addStageTwoModules(to: set, configuration: configuration, seed: 2)
            for stage in 1...2 {
                let url = directory.appendingPathComponent(
                    "\(injection.rawValue)-\(context.rawValue)-\(stage).safetensors")
                let metadata = P2SAMModelFile.metadata(
                    configuration: configuration, stage: stage,
                    baseCheckpointSHA256: LiteMedSAMCheckpoint.officialSHA256,
                    dataset: "none", split: "none", epochs: 0, seed: 2, notes: "declarations")
                try P2SAMModelFile.write(set, stage: stage, metadata: metadata, to: url)
                let file = try P2SAMModelFile(contentsOf: url)
                var placeholder = WeightStore.placeholder()
                let declared = try P2SAMLayers(&placeholder, configuration: configuration, stage: stage)
                    .parameterDeclarations
                let label = "\(injection.rawValue) \(context.rawValue) stage \(stage)"
                XCTAssertEqual(declared.count, file.tensors.count, label)
                XCTAssertEqual(Set(declared.map(\.key)), Set(file.tensors.keys), label)
                for declaration in declared {
                    XCTAssertEqual(
                        file.tensors[declaration.key]?.shape, declaration.shape, "\(label): \(declaration.key)")
                }
            }
        }
    }

    /// The prompt encoder's sparse tokens are the same tape-free and recorded, and the recorded ones carry
    /// gradients into exactly the learned embeddings they use.
    func testSparseEmbeddingAgreesInBothContexts() throws {
        let store = try TestCheckpoint.weights()
        let encoder = try LiteMedSAMModel(weights: store).promptEncoder
        var configuration = P2SAMConfiguration(maskTokenCount: 4)
        configuration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let set = try ModelInitialisation.stageOne(from: store, configuration: configuration, seed: 1)
        let prompts = [
            Prompt(points: [PointPrompt(x: 30, y: 40, label: .positive), PointPrompt(x: 200, y: 7, label: .negative)]),
            Prompt(
                box: BoxPrompt(x0: 10, y0: 20, x1: 180, y1: 230), points: [PointPrompt(x: 99, y: 98, label: .positive)]),
        ]
        for prompt in prompts {
            let graph = Graph()
            try withExtendedLifetime(graph) {
                let recorded = try XCTUnwrap(
                    encoder.sparseEmbedding(Recording(graph: graph, parameters: set), for: prompt))
                let tapeFree = encoder.sparseEmbedding(for: prompt)
                XCTAssertEqual(recorded.shape, [prompt.sparseTokenCount, 256])
                XCTAssertEqual(recorded.value.storage, tapeFree, "recorded and tape-free tokens differ")
                for parameter in set.all { parameter.zeroGradient() }
                graph.backward(from: recorded.sum())
                let used = Set(
                    prompt.points.map { encoder.pointEmbeddings[$0.label.rawValue].weightKey }
                        + (prompt.box == nil ? [encoder.notAPointEmbedding.weightKey] : [])
                        + (prompt.box == nil
                            ? [] : [encoder.pointEmbeddings[2].weightKey, encoder.pointEmbeddings[3].weightKey]))
                for key in PromptEncoder.learnedEmbeddingWeightKeys() {
                    XCTAssertEqual(set[key].gradient != nil, used.contains(key), key)
                }
            }
        }
        XCTAssertNil(encoder.sparseEmbedding(TapeFree(), for: Prompt()))
    }

    /// Scans `Sources/` with comments removed: each checkpoint or model-file key name below must occur in
    /// exactly one file (where its layer is declared). It checks spelling, not use: a key assembled from
    /// pieces elsewhere, or spelled inside a `//` comment, is not seen.
    func testEachKeyNameIsSpelledInOneSourceFile() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        var code: [String: String] = [:]
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" {
            code[url.path.replacingOccurrences(of: sources.path + "/", with: "")] = Self.withoutComments(
                try String(contentsOf: url, encoding: .utf8))
        }
        XCTAssertGreaterThan(code.count, 50)
        XCTAssertFalse(code.values.contains { $0.contains("/*") }, "a /* */ comment would not be stripped")
        let names = [
            // prompt encoder
            "prompt_encoder", "pe_layer", "positional_encoding_gaussian_matrix", "point_embeddings",
            "not_a_point_embed",
            "no_mask_embed", "mask_downscaling",
            // mask decoder
            "mask_decoder", "iou_token", "mask_tokens", "output_upscaling", "output_hypernetworks_mlps",
            "iou_prediction_head", "self_attn", "cross_attn_token_to_image", "cross_attn_image_to_token",
            "final_attn_token_to_image", "norm_final_attn", "q_proj", "out_proj", "lin1",
            // P²SAM
            "assembling_weights", "\"pgn\"", "\"fcomb\"", "convs",
        ]
        for name in names {
            let holders = code.filter { $0.value.contains(name) }.keys.sorted()
            XCTAssertEqual(holders.count, 1, "'\(name)' is spelled in \(holders)")
        }
        // Keys under these prefixes are built from the declaring type's key (`PromptGenerationNetwork.defaultKey`,
        // …), never written out as a literal.
        for literal in ["\"pgn.", "\"fcomb.", "\"prompt_encoder.", "\"mask_decoder."] {
            let holders = code.filter { $0.value.contains(literal) }.keys.sorted()
            XCTAssertEqual(holders, [], "'\(literal)…' is spelled out")
        }
    }

    /// `text` without `//` comments (doc comments included; `//` inside a string literal is kept). The sources
    /// have no `/* … */` comments.
    static func withoutComments(_ text: String) -> String {
        var out = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var inString = false
            var previous: Character = " "
            var kept = ""
            for character in line {
                if character == "\"" && previous != "\\" { inString.toggle() }
                if !inString && previous == "/" && character == "/" {
                    kept.removeLast()
                    break
                }
                kept.append(character)
                previous = character
            }
            out += kept + "\n"
        }
        return out
    }
}
