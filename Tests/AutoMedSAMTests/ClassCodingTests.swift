import AutoMedSAM
import AutoMedSAMTraining
import Foundation
import LiteMedSAM
import SAMAutograd
import SAMLayers
import SAMTensor
import XCTest

/// The two class codings (`ClassCoding`): the released code's learned map per class (`.map`, the default)
/// and the paper's Eq. 2, `c = W_c · i + b_c` of the scalar class index `i` (`.index`): keys and shapes,
/// the forward (tape-free, recorded, batched), gradients, the model file's record of the coding and old files.
final class ClassCodingTests: XCTestCase {
    static let prefix = ClassPromptEncoder.defaultKey
    static let weightKey = "\(prefix).class_projection.weight"
    static let biasKey = "\(prefix).class_projection.bias"

    /// An encoder of `coding` over `weights` (strict: every key used).
    static func encoder(
        _ weights: [String: NamedWeight], coding: ClassCoding, classes: Int = 3, branches: PromptBranches = .both
    ) throws -> ClassPromptEncoder {
        var store = WeightStore(weights)
        let encoder = try ClassPromptEncoder(
            &store, classCount: classes, branches: branches, classTokens: false, classCoding: coding)
        try store.finish()
        return encoder
    }

    /// Random weights for an index-coded encoder of `classes` classes.
    static func indexWeights(classes: Int = 3, seed: UInt64) throws -> [String: NamedWeight] {
        var placeholder = WeightStore.placeholder()
        let declared = try ClassPromptEncoder(
            &placeholder, classCount: classes, branches: .both, classCoding: .index
        ).parameterDeclarations
        return Fixtures.randomWeights(declared, seed: seed)
    }

    func testIndexCodingDeclaresAWeightAndABiasMap() throws {
        var placeholder = WeightStore.placeholder()
        let index = try ClassPromptEncoder(&placeholder, classCount: 3, branches: .both, classCoding: .index)
        let map = try ClassPromptEncoder(&placeholder, classCount: 3, branches: .both)
        let indexShapes = Dictionary(uniqueKeysWithValues: index.parameterDeclarations.map { ($0.key, $0.shape) })
        let mapShapes = Dictionary(uniqueKeysWithValues: map.parameterDeclarations.map { ($0.key, $0.shape) })
        XCTAssertEqual(indexShapes[Self.weightKey], [4096, 1])
        XCTAssertEqual(indexShapes[Self.biasKey], [4096])
        XCTAssertEqual(mapShapes[Self.weightKey], [3, 4096])
        XCTAssertNil(mapShapes[Self.biasKey])
        XCTAssertEqual(index.classProjection.coding, .index)
        XCTAssertEqual(map.classProjection.coding, .map)
        // Everything else is the same network.
        var rest = indexShapes
        rest[Self.weightKey] = nil
        rest[Self.biasKey] = nil
        var mapRest = mapShapes
        mapRest[Self.weightKey] = nil
        XCTAssertEqual(rest, mapRest)
        // The index coding's size does not grow with the classes.
        let many = try ClassPromptEncoder(&placeholder, classCount: 9, branches: .both, classCoding: .index)
        XCTAssertEqual(many.parameterDeclarations.map(\.shape), index.parameterDeclarations.map(\.shape))
    }

    /// `.index` gives class row r the map `(r + 1) · W + b` and the same prompts as a `.map` encoder whose
    /// table holds exactly those maps; a table of other maps gives other prompts.
    func testIndexCodingIsTheWeightMapTimesTheIndexPlusTheBiasMap() throws {
        let weights = try Self.indexWeights(seed: 31)
        let index = try Self.encoder(weights, coding: .index)
        let w = weights[Self.weightKey]!.values
        let b = weights[Self.biasKey]!.values
        var table = [Float]()
        for row in 0..<3 {
            let expected = (0..<4096).map { Float(row + 1) * w[$0] + b[$0] }
            XCTAssertLessThanOrEqual(Fixtures.maxAbsDifference(index.classProjection.map(ofRow: row), expected), 1e-6)
            table += expected
        }
        var mapWeights = weights
        mapWeights[Self.biasKey] = nil
        mapWeights[Self.weightKey] = NamedWeight(shape: [3, 4096], values: table)
        let map = try Self.encoder(mapWeights, coding: .map)
        let embedding = Fixtures.embedding(seed: 32, sigma: 0.2)
        for row in 0..<3 {
            let a = index.forward(TapeFree(), embedding: embedding, classIndex: row)
            let c = map.forward(TapeFree(), embedding: embedding, classIndex: row)
            ClassPromptBatchTests.assertClose(a.dense!.storage, c.dense!.storage, "dense, row \(row)")
            ClassPromptBatchTests.assertClose(a.sparse!.storage, c.sparse!.storage, "sparse, row \(row)")
        }
        // The classes' maps lie on one line (the coding's restriction): c(2) − c(1) = c(1) − c(0) = W.
        let maps = (0..<3).map { index.classProjection.map(ofRow: $0) }
        let step1 = zip(maps[1], maps[0]).map { $0 - $1 }
        let step2 = zip(maps[2], maps[1]).map { $0 - $1 }
        XCTAssertLessThanOrEqual(Fixtures.maxAbsDifference(step1, w), 1e-6)
        XCTAssertLessThanOrEqual(Fixtures.maxAbsDifference(step2, w), 1e-6)
        // A table of independent maps (the map coding's own weights) changes the prompts.
        mapWeights[Self.weightKey] =
            Fixtures.randomWeights(
                [ParameterDeclaration(key: Self.weightKey, shape: [3, 4096])], seed: 33)[Self.weightKey]
        let other = try Self.encoder(mapWeights, coding: .map)
        let a = index.forward(TapeFree(), embedding: embedding, classIndex: 1)
        let c = other.forward(TapeFree(), embedding: embedding, classIndex: 1)
        XCTAssertGreaterThan(Fixtures.maxAbsDifference(a.dense!.storage, c.dense!.storage), 1e-3)
        XCTAssertGreaterThan(Fixtures.maxAbsDifference(a.sparse!.storage, c.sparse!.storage), 1e-4)
    }

    /// Recorded and tape-free index-coded forwards agree, the batched path equals the per-class forward, and
    /// the gradient reaches both maps with `∂L/∂W = i · ∂L/∂b` (the map is `i · W + b`).
    func testIndexCodingRecordsBatchesAndTrains() throws {
        let weights = try Self.indexWeights(seed: 41)
        let encoder = try Self.encoder(weights, coding: .index)
        let embedding = Fixtures.embedding(seed: 42, sigma: 0.2)
        let batched = encoder.promptEmbeddings(embedding: embedding, classIndices: [2, 0])
        for (k, row) in [2, 0].enumerated() {
            let free = encoder.forward(TapeFree(), embedding: embedding, classIndex: row)
            ClassPromptBatchTests.assertClose(batched[k].dense!.storage, free.dense!.storage, "batched dense \(row)")
            ClassPromptBatchTests.assertClose(batched[k].sparse!.storage, free.sparse!.storage, "batched sparse \(row)")
            let parameters = ParameterSet()
            for (key, weight) in weights { parameters.add(key, Tensor(shape: weight.shape, storage: weight.values)) }
            let graph = Graph()
            let recording = Recording(graph: graph, parameters: parameters)
            let recorded = encoder.forward(recording, embedding: recording.constant(embedding), classIndex: row)
            XCTAssertLessThanOrEqual(
                Fixtures.maxAbsDifference(recorded.dense!.value.storage, free.dense!.storage), 1e-4)
            XCTAssertLessThanOrEqual(
                Fixtures.maxAbsDifference(recorded.sparse!.value.storage, free.sparse!.storage), 1e-4)
            graph.backward(from: recorded.dense!.mean() + recorded.sparse!.mean())
            let gradientW = try XCTUnwrap(parameters[Self.weightKey].gradient).storage
            let gradientB = try XCTUnwrap(parameters[Self.biasKey].gradient).storage
            XCTAssertGreaterThan(gradientB.map(abs).max() ?? 0, 0, "no gradient reached the bias map")
            let scaled = gradientB.map { Float(row + 1) * $0 }
            let scale = 1e-4 * (scaled.map(abs).max() ?? 0) + 1e-9
            XCTAssertLessThanOrEqual(Fixtures.maxAbsDifference(gradientW, scaled), scale, "row \(row)")
        }
    }

    /// The model file records the coding; a file without the entry (written before it existed) is a map-coded
    /// model and runs exactly as one that names `map`; an unknown coding or tensors of the other coding are
    /// clear errors.
    func testModelFileRecordsTheCodingAndOldFilesRunUnchanged() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var placeholder = WeightStore.placeholder()
        let decoder = try MaskDecoder(&placeholder).parameterDeclarations
        let index = try AutoMedSAMConfiguration(
            classes: [1: "a", 2: "b", 3: "c"], branches: .both, classCoding: .index)
        XCTAssertEqual(index.metadata["class_coding"], "index")
        let indexDeclared =
            try ClassPromptEncoder(&placeholder, classCount: 3, branches: .both, classCoding: .index)
            .parameterDeclarations + decoder
        let indexWeights = Fixtures.randomWeights(indexDeclared, seed: 51)
        let indexTensors = indexDeclared.map {
            ($0.key, Tensor(shape: $0.shape, storage: indexWeights[$0.key]!.values))
        }
        let indexURL = folder.appendingPathComponent("index.safetensors")
        try AutoMedSAMModelFile.write(indexTensors, metadata: index.metadata, to: indexURL)
        let read = try AutoMedSAMModelFile(contentsOf: indexURL)
        XCTAssertEqual(read.configuration, index)
        XCTAssertEqual(try read.layers().classPromptEncoder.classProjection.coding, .index)

        // An old file: map tensors, no `class_coding` entry.
        let map = try AutoMedSAMConfiguration(classes: [1: "a", 2: "b", 3: "c"], branches: .both)
        XCTAssertEqual(map.classCoding, .map)
        let mapTensors = try ModelFileTests.tensors(classes: 3, branches: .both)
        var old = map.metadata
        old.removeValue(forKey: "class_coding")
        let oldURL = folder.appendingPathComponent("old.safetensors")
        try AutoMedSAMModelFile.write(mapTensors, metadata: old, to: oldURL)
        let newURL = folder.appendingPathComponent("new.safetensors")
        try AutoMedSAMModelFile.write(mapTensors, metadata: map.metadata, to: newURL)
        let oldFile = try AutoMedSAMModelFile(contentsOf: oldURL)
        XCTAssertEqual(oldFile.configuration, map)
        let oldEncoder = try oldFile.layers().classPromptEncoder
        let newEncoder = try AutoMedSAMModelFile(contentsOf: newURL).layers().classPromptEncoder
        let embedding = Fixtures.embedding(seed: 52, sigma: 0.2)
        let a = oldEncoder.promptEmbeddings(embedding: embedding, classIndices: [0, 1, 2])
        let b = newEncoder.promptEmbeddings(embedding: embedding, classIndices: [0, 1, 2])
        for k in 0..<3 {
            XCTAssertEqual(a[k].dense!.storage, b[k].dense!.storage)
            XCTAssertEqual(a[k].sparse!.storage, b[k].sparse!.storage)
        }
        // The map coding reads its table row unchanged.
        let table = mapTensors.first { $0.name == Self.weightKey }!.tensor.storage
        XCTAssertEqual(oldEncoder.classProjection.map(ofRow: 2), Array(table[(2 * 4096)..<(3 * 4096)]))

        // Unknown coding: refused naming the entry and the value.
        var unknown = map.metadata
        unknown["class_coding"] = "onehot"
        let unknownURL = folder.appendingPathComponent("unknown.safetensors")
        try AutoMedSAMModelFile.write(mapTensors, metadata: unknown, to: unknownURL)
        XCTAssertThrowsError(try AutoMedSAMModelFile(contentsOf: unknownURL)) { error in
            XCTAssertTrue("\(error)".contains("class_coding") && "\(error)".contains("onehot"), "\(error)")
        }
        // Index metadata over map tensors: the strict loader names the missing key.
        let mismatchURL = folder.appendingPathComponent("mismatch.safetensors")
        try AutoMedSAMModelFile.write(mapTensors, metadata: index.metadata, to: mismatchURL)
        XCTAssertThrowsError(try AutoMedSAMModelFile(contentsOf: mismatchURL).layers()) { error in
            XCTAssertTrue("\(error)".contains("class_projection"), "\(error)")
        }
    }

    /// A new index-coded network starts its weight and bias maps at the map coding's scale (uniform ±1/64),
    /// and saves them under the index keys.
    func testNetworkInitialisesTheIndexMapsAtTheMapCodingsScale() throws {
        let store = try Fixtures.randomPromptAndDecoder(seed: 61)
        for coding in ClassCoding.allCases {
            let configuration = try AutoMedSAMConfiguration(
                classes: [1: "a", 2: "b"], branches: .both, classCoding: coding)
            let network = try AutoMedSAMNetwork(configuration: configuration, checkpoint: store, seed: 62)
            let keys = coding == .map ? [Self.weightKey] : [Self.weightKey, Self.biasKey]
            for key in keys {
                let values = network.parameters[key].value.storage
                let largest = values.map(abs).max() ?? 0
                XCTAssertLessThanOrEqual(largest, 1 / 64, "\(coding) \(key)")
                XCTAssertGreaterThan(largest, 1 / 128, "\(coding) \(key)")
            }
            let saved = Set(network.modelTensors.map(\.name))
            XCTAssertEqual(saved.contains(Self.biasKey), coding == .index)
        }
    }

    /// `autoseg` runs an index-coded model file; `finetune` refuses an unknown `--class-coding`.
    func testCommandLine() throws {
        try AutosegCommandTests.requireCheckpoint()
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = try AutoMedSAMConfiguration(
            classes: [1: "left", 3: "right"], branches: .both, classCoding: .index)
        var placeholder = WeightStore.placeholder()
        let declared =
            try ClassPromptEncoder(&placeholder, classCount: 2, branches: .both, classCoding: .index)
            .parameterDeclarations + (try MaskDecoder(&placeholder)).parameterDeclarations
        let weights = Fixtures.randomWeights(declared, seed: 71)
        let model = folder.appendingPathComponent("model.safetensors")
        try AutoMedSAMModelFile.write(
            declared.map { ($0.key, Tensor(shape: $0.shape, storage: weights[$0.key]!.values)) },
            metadata: configuration.metadata, to: model)
        let image = folder.appendingPathComponent("image.png")
        try AutosegCommandTests.writeImage(to: image)
        let out = folder.appendingPathComponent("out")
        let outcome = try AutosegCommandTests.run([
            "autoseg", "--image", image.path, "--model", model.path, "--output", out.path,
            "--checkpoint", AutosegCommandTests.checkpoint.path,
        ])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        XCTAssertTrue(names.isSuperset(of: ["labels.png", "mask_1.png", "mask_3.png"]), "\(names.sorted())")
        let refused = try AutosegCommandTests.run([
            "finetune", "--recipe", "automedsam", "--dataset", "labels:\(folder.path)", "--output",
            folder.appendingPathComponent("m.safetensors").path, "--class-coding", "onehot",
        ])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("--class-coding must be map or index"), refused.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("m.safetensors").path))
    }
}
