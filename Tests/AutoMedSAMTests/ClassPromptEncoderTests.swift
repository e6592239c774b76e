import AutoMedSAM
import SAMAutograd
import SAMLayers
import SAMTensor
import XCTest

/// The class prompt encoder's declared keys and shapes (the widths of the released model's facts), and its
/// one forward agreeing tape-free and recorded.
final class ClassPromptEncoderTests: XCTestCase {
    func testDeclarationsFollowTheReleasedWidths() throws {
        let declared = try Fixtures.encoderDeclarations(classes: 3, branches: .both)
        let shapes = Dictionary(uniqueKeysWithValues: declared.map { ($0.key, $0.shape) })
        let p = ClassPromptEncoder.defaultKey
        // Class maps 64x64 per class; encoder 257 -> 64 -> 64, 64 -> 128 -> 128; middle 128 -> 256 -> 128.
        XCTAssertEqual(shapes["\(p).class_projection.weight"], [3, 4096])
        XCTAssertEqual(shapes["\(p).encoder.0.reduce.weight"], [64, 257])
        XCTAssertEqual(shapes["\(p).encoder.0.conv.weight"], [64, 64, 3, 3])
        XCTAssertEqual(shapes["\(p).encoder.1.reduce.weight"], [128, 64])
        XCTAssertEqual(shapes["\(p).encoder.1.conv.weight"], [128, 128, 3, 3])
        XCTAssertEqual(shapes["\(p).middle.0.weight"], [256, 128])
        XCTAssertEqual(shapes["\(p).middle.1.weight"], [128, 256])
        for branch in ["dense", "sparse"] {
            // Attention on features + the class channel; decoding with skips; 256 output channels.
            XCTAssertEqual(shapes["\(p).\(branch).attention.0.weight"], [64, 65])
            XCTAssertEqual(shapes["\(p).\(branch).attention.1.weight"], [128, 129])
            XCTAssertEqual(shapes["\(p).\(branch).decoder.0.weight"], [128, 256])
            XCTAssertEqual(shapes["\(p).\(branch).decoder.1.weight"], [64, 192])
            XCTAssertEqual(shapes["\(p).\(branch).output.weight"], [256, 64])
            XCTAssertEqual(shapes["\(p).\(branch).output.bias"], [256])
        }
        XCTAssertEqual(Set(declared.map(\.key)).count, declared.count, "a key is declared twice")
        let dense = try Fixtures.encoderDeclarations(classes: 3, branches: .dense).map(\.key)
        let sparse = try Fixtures.encoderDeclarations(classes: 3, branches: .sparse).map(\.key)
        XCTAssertFalse(dense.contains { $0.contains(".sparse.") })
        XCTAssertFalse(sparse.contains { $0.contains(".dense.") })
        XCTAssertEqual(Set(dense).union(sparse), Set(declared.map(\.key)))
    }

    /// A missing or mis-shaped key fails strictly.
    func testStrictLoading() throws {
        let declared = try Fixtures.encoderDeclarations(classes: 2, branches: .both)
        var weights = Fixtures.randomWeights(declared, seed: 1)
        weights.removeValue(forKey: "\(ClassPromptEncoder.defaultKey).sparse.output.bias")
        var store = WeightStore(weights)
        XCTAssertThrowsError(try ClassPromptEncoder(&store, classCount: 2, branches: .both))
    }

    /// Tape-free and recorded forwards agree (max abs error ≤ 1e-4) with noise, for every branch setting
    /// and both dense attention activations; shapes are `[1, 2, 256]` and `[64, 64, 256]`.
    func testTapeFreeAndRecordingAgree() throws {
        let embedding = Fixtures.embedding(seed: 5)
        let noise = Fixtures.embedding(seed: 6, sigma: 0.3)
        for (branches, sigmoid) in [(PromptBranches.both, true), (.dense, false), (.sparse, true)] {
            let declared = try Fixtures.encoderDeclarations(classes: 3, branches: branches)
            let weights = Fixtures.randomWeights(declared, seed: 2)
            var store = WeightStore(weights)
            let encoder = try ClassPromptEncoder(
                &store, classCount: 3, branches: branches, denseAttentionSigmoid: sigmoid)
            try store.finish()
            let parameters = ParameterSet()
            for d in declared { parameters.add(d.key, Tensor(shape: d.shape, storage: weights[d.key]!.values)) }
            for row in [0, 2] {
                let free = encoder.forward(TapeFree(), embedding: embedding, classIndex: row, noise: noise)
                let graph = Graph()
                let w = Recording(graph: graph, parameters: parameters)
                let recorded = encoder.forward(w, embedding: w.constant(embedding), classIndex: row, noise: noise)
                XCTAssertEqual(free.dense?.shape, branches.hasDense ? [64, 64, 256] : nil)
                XCTAssertEqual(free.sparse?.shape, branches.hasSparse ? [1, 2, 256] : nil)
                if let a = free.dense, let b = recorded.dense?.value {
                    XCTAssertLessThanOrEqual(Fixtures.maxAbsDifference(a.storage, b.storage), 1e-4, "\(branches) dense")
                }
                if let a = free.sparse, let b = recorded.sparse?.value {
                    XCTAssertEqual(b.shape, [1, 2, 256])
                    XCTAssertLessThanOrEqual(
                        Fixtures.maxAbsDifference(a.storage, b.storage), 1e-4, "\(branches) sparse")
                }
            }
            // Different classes give different prompts.
            let a = encoder.forward(TapeFree(), embedding: embedding, classIndex: 0)
            let b = encoder.forward(TapeFree(), embedding: embedding, classIndex: 1)
            XCTAssertNotEqual((a.dense ?? a.sparse!).storage, (b.dense ?? b.sparse!).storage)
        }
    }
}
