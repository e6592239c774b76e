import Evaluation
import Foundation
import FuzzSupport

// `evaluate`/`score` JSON reports as `p2sam compare` reads them, then compared with themselves.
FuzzDriver.run { bytes in
    guard let report = try? ScoredRunReport(json: Data(bytes), path: "fuzz.json") else { return }
    _ = try? RunComparison(baseline: [report], candidate: [report])
}
