import Foundation

extension P2SAMMixture {
    /// The bundled P²SAM model `name` (`lidc`, `bubil`, `synthetic`; `P2SAMModelCard.entries`) as a mixture: one
    /// component for a model of one file, three for `lidc` (three trainings of its recipe). Each file is found and checked against its model card's
    /// sha256 first (`P2SAMModelCard.verifiedFiles(_:environment:)`).
    ///
    /// - Parameters:
    ///   - name: a bundled model's name.
    ///   - backbone: `lite_medsam.pth`; nil searches for it (`LiteMedSAMCheckpoint.locate()`).
    ///   - verifyBackboneChecksum: require the published checkpoint's sha256.
    /// - Throws: `P2SAMModelError.cardMismatch` when a file is not the one its card describes;
    ///   `P2SAMModelError.invalidMixture` when `name` is not a bundled model; the loaders' errors.
    public init(bundled name: String, backbone: URL? = nil, verifyBackboneChecksum: Bool = true) throws {
        guard P2SAMModelCard.entry(named: name) != nil else {
            let names = P2SAMModelCard.entries.map(\.name).joined(separator: ", ")
            throw P2SAMModelError.invalidMixture("no bundled model is called '\(name)' (bundled: \(names))")
        }
        let files = try P2SAMModelCard.verifiedFiles(name).map(\.url)
        // The backbone is read (and its digest checked) once for all components, which share its encoder.
        let components = try P2SAMModel.load(
            files: files, backbone: backbone, verifyBackboneChecksum: verifyBackboneChecksum
        ).map { P2SAMSampler(model: $0) }
        try self.init(components: components)
    }
}
