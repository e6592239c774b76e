/// Receives a training run's progress. The library never prints: a command-line tool draws a bar, an app
/// updates its interface, a test ignores it.
public protocol TrainingObserver: AnyObject {
    /// Cases `done` of `total` in epoch `epoch` of `epochs` (1-based), with the running mean loss and the
    /// rate in cases per second. Called often: `force` marks updates that must not be throttled away.
    func update(epoch: Int, epochs: Int, done: Int, total: Int, loss: Double, rate: Double, force: Bool)
    /// A notice for the user: an epoch summary, a resumed run, a skipped case.
    func message(_ message: String)
}

extension TrainingObserver {
    /// A throttleable update (`force` false).
    public func update(epoch: Int, epochs: Int, done: Int, total: Int, loss: Double, rate: Double) {
        update(epoch: epoch, epochs: epochs, done: done, total: total, loss: loss, rate: rate, force: false)
    }
}
