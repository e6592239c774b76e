/// Little-endian single-file NIfTI-1 volumes (`n+1`) built in memory for tests: 3-D (or 4-D with `frames`), x fastest.
public enum SyntheticNIfTI {
    /// A header of 348 bytes, 4 bytes of extension flag, then `payload`.
    ///
    /// - Parameters:
    ///   - width: voxels along x.
    ///   - height: voxels along y.
    ///   - depth: voxels along z.
    ///   - float32: float32 voxels (datatype 16) instead of uint8 (datatype 2).
    ///   - spacing: voxel size along x, y, z (`pixdim[1...3]`).
    ///   - sformRows: the sform's rows for x, y, z (4 values each, `sform_code` 1); nil: no sform.
    ///   - frames: volumes along the 4th dimension; above 1 the header says `dim[0] = 4`, `dim[4] = frames`,
    ///     `pixdim[4]` 40 (a 40 ms frame step) and `xyzt_units` millimetres and milliseconds.
    ///   - payload: the voxel bytes, already encoded (see `voxels(_:float32:)`), frame after frame.
    public static func bytes(
        width: Int, height: Int, depth: Int, float32: Bool = false, spacing: [Float] = [1, 1, 1],
        sformRows: [[Float]]? = nil, frames: Int = 1, payload: [UInt8]
    ) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 348)
        func put32(_ v: UInt32, _ at: Int) { for i in 0..<4 { h[at + i] = UInt8((v >> (8 * UInt32(i))) & 0xff) } }
        func put16(_ v: Int, _ at: Int) {
            h[at] = UInt8(v & 0xff)
            h[at + 1] = UInt8((v >> 8) & 0xff)
        }
        put32(348, 0)
        for (i, v) in [3, width, height, depth, 1, 1, 1, 1].enumerated() { put16(v, 40 + 2 * i) }
        put16(float32 ? 16 : 2, 70)
        put16(float32 ? 32 : 8, 72)
        for (i, v) in ([Float(1)] + spacing + [1, 1, 1, 1]).enumerated() { put32(v.bitPattern, 76 + 4 * i) }
        put32(Float(352).bitPattern, 108)
        if frames > 1 {
            put16(4, 40)
            put16(frames, 48)
            put32(Float(40).bitPattern, 92)
            h[123] = 2 | 16
        }
        if let sformRows {
            put16(1, 254)
            for (r, row) in sformRows.enumerated() {
                for (c, v) in row.enumerated() { put32(v.bitPattern, 280 + 16 * r + 4 * c) }
            }
        }
        h.replaceSubrange(344..<348, with: Array("n+1".utf8) + [0])
        return h + [0, 0, 0, 0] + payload
    }

    /// `values` encoded as NIfTI voxels: little-endian float32, or uint8 (each value converted with `UInt8(_:)`).
    public static func voxels(_ values: [Float], float32: Bool) -> [UInt8] {
        guard float32 else { return values.map { UInt8($0) } }
        return values.flatMap { v in (0..<4).map { UInt8((v.bitPattern >> (8 * UInt32($0))) & 0xff) } }
    }
}
