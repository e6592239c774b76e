import ArgumentParser

/// The value of an option that switches a behaviour on or off (`on` | `off`), e.g. `--largest-component`.
enum OnOff: String, CaseIterable, Sendable, ExpressibleByArgument {
    case on
    case off

    /// Whether the behaviour is switched on.
    var isOn: Bool { self == .on }
}
