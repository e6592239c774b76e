import Foundation
import SAMTensor
import TorchCheckpoint

/// Names left unmatched when loading a file into parameters.
public struct SafetensorsLoadReport: Equatable {
    /// Parameters without a tensor in the file (left unchanged).
    public var missing: [String]
    /// Tensors in the file that match no parameter (ignored).
    public var unexpected: [String]

    /// A report of the `missing` parameter names and the `unexpected` tensor names.
    public init(missing: [String], unexpected: [String]) {
        self.missing = missing
        self.unexpected = unexpected
    }
}

/// Safetensors files and `Parameter`s: saving a model's parameters and loading a file into them.
extension Safetensors {
    /// Writes the parameters' values, keyed by their names.
    public static func save(_ parameters: [Parameter], to url: URL, metadata: [String: String] = [:]) throws {
        let bytes = try encode(parameters.map { ($0.name, $0.value) }, metadata: metadata)
        try Data(bytes).write(to: url, options: .atomic)
    }

    /// Copies stored tensors into the parameters of the same names.
    ///
    /// Shapes must match. When `strict`, any missing or unexpected name throws `nameMismatch`
    /// before a parameter is modified; otherwise the matches are loaded and the rest reported.
    @discardableResult
    public static func load(_ file: SafetensorsFile, into parameters: [Parameter], strict: Bool = true) throws
        -> SafetensorsLoadReport
    {
        let names = Set(parameters.map(\.name))
        let report = SafetensorsLoadReport(
            missing: parameters.map(\.name).filter { file.tensors[$0] == nil },
            unexpected: file.tensors.keys.filter { !names.contains($0) }.sorted())
        if strict, !report.missing.isEmpty || !report.unexpected.isEmpty {
            throw SafetensorsError.nameMismatch(missing: report.missing, unexpected: report.unexpected)
        }
        for p in parameters {
            if let t = file.tensors[p.name], t.shape != p.value.shape {
                throw SafetensorsError.shapeMismatch(name: p.name, expected: p.value.shape, found: t.shape)
            }
        }
        for p in parameters { if let t = file.tensors[p.name] { p.value = t } }
        return report
    }
}
