/// The tight box of the foreground pixels of a map in SAM's 256x256 model frame.
public enum ModelFrameTightBox {
    /// `[minX, minY, maxX + 1, maxY + 1]` (256 frame) of the pixels `i = y * 256 + x` with `isForeground(i)`,
    /// looking only at the top-left `height x width` region (the image's part of the padded frame); nil when
    /// no pixel there is foreground.
    ///
    /// - Parameters:
    ///   - height: rows searched (clamped to 256).
    ///   - width: columns searched (clamped to 256).
    ///   - isForeground: whether the row-major pixel index is foreground.
    public static func box(height: Int = 256, width: Int = 256, isForeground: (Int) -> Bool) -> [Float]? {
        var minX = Int.max
        var minY = Int.max
        var maxX = -1
        var maxY = -1
        for y in 0..<max(0, min(height, 256)) {
            for x in 0..<max(0, min(width, 256)) where isForeground(y * 256 + x) {
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
            }
        }
        guard maxX >= 0 else { return nil }
        return [Float(minX), Float(minY), Float(maxX + 1), Float(maxY + 1)]
    }
}
