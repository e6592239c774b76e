/// Resource caps that keep hostile pickles from exhausting memory, stack or time.
public struct PickleLimits: Sendable, Equatable {
    /// Maximum number of values on the VM stack at once.
    public var maxStackDepth = 1_000_000
    /// Maximum number of open MARKs.
    public var maxMarkDepth = 1_000
    /// Maximum number of memo entries.
    public var maxMemoEntries = 1_000_000
    /// Maximum number of objects created while running, and of values in the result tree.
    public var maxObjects = 5_000_000
    /// Maximum nesting depth of the result tree.
    public var maxNestingDepth = 256

    /// The default caps (the property values above).
    public init() {}
}
