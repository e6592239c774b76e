/// Receives an evaluation run's progress, one call per finished case. The library never prints: the
/// command-line tool writes a line per case, an app updates its interface.
public protocol EvaluationObserver: AnyObject {
    /// Case `done` of `total` (1-based) finished; `skipped` says why it was not scored; `elapsed` is the
    /// run's time so far in seconds.
    func caseFinished(done: Int, total: Int, caseID: String, skipped: String?, elapsed: Double)
}
