import Foundation

/// Where and how `Trainer.run` keeps the state needed to resume after an interrupted epoch loop.
///
/// After every epoch one safetensors file is written (atomically) holding every parameter of the set
/// (`param/<name>`, frozen ones too), the optimiser's moments (`adam.m/<name>`, `adam.v/<name>`), the moving
/// average of the trained parameters when the run keeps one (`ema/<name>`) and, in
/// its metadata: `format`, `epochs_done`, `adam_step`, `best_loss` (the best model-selection figure so
/// far), `best_eligible` (whether that epoch was eligible, `BestEpoch`), `history` (the epoch records, JSON), `lr_schedule` (JSON, unless the schedule is constant) and
/// the method's own `metadata`. With per-epoch seeded randomness a resumed run continues exactly.
public struct ResumeCheckpoint {
    /// The resume file (e.g. `<model>.resume.safetensors`).
    public var url: URL
    /// The `format` metadata value written and required on resume (`"p2sam-resume-v1"`).
    public var format: String
    /// The method's name in messages ("P²SAM": "… is not a P²SAM resume file").
    public var kind: String
    /// The best model the method writes (`Trainer.onBest`), named in messages; nil when it keeps none.
    public var bestModel: URL?
    /// Extra metadata written with each resume file (e.g. the run's options as JSON).
    public var metadata: [String: String]
    /// Checks a resume file's metadata against the current run (e.g. that only the epoch count changed);
    /// throws an error naming the difference.
    public var check: (([String: String]) throws -> Void)?

    /// A resume file at `url` for a run of `kind` in `format`; `bestModel` and `metadata` are written with it and
    /// `check` validates what is read back.
    public init(
        url: URL, format: String, kind: String, bestModel: URL? = nil, metadata: [String: String] = [:],
        check: (([String: String]) throws -> Void)? = nil
    ) {
        self.url = url
        self.format = format
        self.kind = kind
        self.bestModel = bestModel
        self.metadata = metadata
        self.check = check
    }

    /// The metadata key of the run's data as one line (datasets, split, intensity mapping, caps, augmentation).
    public static let dataKey = "data"

    /// Checks a resume file's data line against the run's.
    ///
    /// - Parameters:
    ///   - saved: the file's `dataKey` entry; nil for a file written before the entry, which is not checked.
    ///   - current: the run's data line; it must equal `saved`.
    ///   - keep: what a resume must keep, for the message (e.g. "dataset, split and augmentation").
    /// - Throws: `TrainingError.invalidResumeState` naming both lines.
    public static func checkData(saved: String?, current: String, keep: String) throws {
        if let saved, saved != current {
            throw TrainingError.invalidResumeState(
                "the run's data differ from the saved run's (saved: \(saved); now: \(current)); resume with the same \(keep)"
            )
        }
    }

    /// `<model>.resume.safetensors`.
    public static func url(besides model: URL) -> URL { URL(fileURLWithPath: model.path + ".resume.safetensors") }
}
