import Foundation
import SAMTensor
import XCTest

/// The PyTorch reference tensors in `Fixtures/` (made by `Fixtures/make_fixtures.py`).
enum GoldenFixtures {
    struct Entry: Decodable { let shape: [Int] }
    struct Index: Decodable { let files: [String: Entry] }

    static let directory: URL = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")

    static let index: Index = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("fixtures.json"))
        return try! JSONDecoder().decode(Index.self, from: data)
    }()

    /// Loads fixture `name` as a tensor with its recorded shape.
    static func tensor(_ name: String) throws -> Tensor {
        guard let entry = index.files[name] else { throw XCTSkip("no fixture \(name)") }
        let data = try Data(contentsOf: directory.appendingPathComponent("\(name).f32"))
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return Tensor(shape: entry.shape, storage: values)
    }
}

/// Location of the real checkpoint, fetched by `scripts/fetch-checkpoint.sh`.
enum CheckpointLocation {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let checkpoint = packageRoot.appendingPathComponent("Models/lite_medsam.pth")
}

/// Element-wise comparison with a stated absolute tolerance; reports the worst element.
func assertElementwiseClose(
    _ actual: Tensor, _ expected: Tensor, atol: Float, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.shape, expected.shape, "\(what): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    var worst: Float = 0
    var worstIndex = 0
    for i in 0..<actual.count {
        let d = abs(actual.storage[i] - expected.storage[i])
        if !(d <= worst) {
            worst = d
            worstIndex = i
        }
    }
    let message =
        "\(what): max |Δ| = \(worst) at flat index \(worstIndex) (actual \(actual.storage[worstIndex]), expected \(expected.storage[worstIndex])), tolerance \(atol)"
    print(message)
    XCTAssert(worst <= atol, message, file: file, line: line)
}

/// Crops rows/cols of an `[H, W, C]` map.
func cropNHWC(_ map: Tensor, rows: Range<Int>, cols: Range<Int>) -> Tensor {
    let (w, c) = (map.shape[1], map.shape[2])
    var out: [Float] = []
    out.reserveCapacity(rows.count * cols.count * c)
    for y in rows { for x in cols { out.append(contentsOf: map.storage[((y * w + x) * c)..<((y * w + x + 1) * c)]) } }
    return Tensor(shape: [rows.count, cols.count, c], storage: out)
}

/// `[H, W, C]` crop → NCHW `(1, C, rows, cols)`.
func cropNHWCAsNCHW(_ map: Tensor, rows: Range<Int>, cols: Range<Int>) -> Tensor {
    let (w, c) = (map.shape[1], map.shape[2])
    var out = [Float](repeating: 0, count: c * rows.count * cols.count)
    for ch in 0..<c {
        for (i, y) in rows.enumerated() {
            for (j, x) in cols.enumerated() {
                out[(ch * rows.count + i) * cols.count + j] = map.storage[(y * w + x) * c + ch]
            }
        }
    }
    return Tensor(shape: [1, c, rows.count, cols.count], storage: out)
}
