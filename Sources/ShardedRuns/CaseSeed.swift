/// Per-case random seeds derived from the run's seed and the case id (not the case's position), so a
/// case draws the same numbers whichever shard, split file or `--limit` it is run under.
public enum CaseSeed {
    /// A 32-bit seed (GSL's mt19937 uses 32 bits) for one random stream of one case.
    ///
    /// `stream` separates independent streams of the same case (e.g. "box" and "method"). The value
    /// is SplitMix64 applied to the run seed combined with the 64-bit FNV-1a hash of
    /// `stream + "\u{0}" + caseID`; 0 (GSL's "use the default seed") is mapped to 1.
    public static func seed(run seed: UInt64, caseID: String, stream: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in stream.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash = (hash ^ 0) &* 0x0000_0100_0000_01b3
        for byte in caseID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let mixed = splitMix64(splitMix64(seed) ^ hash)
        let folded = (mixed ^ (mixed >> 32)) & 0xffff_ffff
        return folded == 0 ? 1 : folded
    }

    private static func splitMix64(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
