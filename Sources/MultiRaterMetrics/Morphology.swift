/// One-pixel binary morphology on bit-packed masks (4-neighbourhood: left, right, up, down).
///
/// Pixels outside the image count as background: dilation never reaches outside and erosion
/// removes foreground pixels on the image border.
extension BinaryMask {
    /// The union of the mask with its four one-pixel shifts.
    public func dilated() -> BinaryMask {
        let n = shifts()
        var out = words
        for i in 0..<out.count { out[i] |= n.left[i] | n.right[i] | n.up[i] | n.down[i] }
        var mask = self
        mask.setWords(out)
        return mask
    }

    /// The pixels whose four neighbours are all foreground (and which are foreground themselves).
    public func eroded() -> BinaryMask {
        let n = shifts()
        var out = words
        for i in 0..<out.count { out[i] &= n.left[i] & n.right[i] & n.up[i] & n.down[i] }
        var mask = self
        mask.setWords(out)
        return mask
    }

    /// For each pixel p, whether its left/right/upper/lower neighbour is foreground.
    private func shifts() -> (left: [UInt64], right: [UInt64], up: [UInt64], down: [UInt64]) {
        // Neighbour at index i-1 (left): shift the bit string towards higher indices by 1.
        var left = Self.shiftUp(words, by: 1)
        var right = Self.shiftDown(words, by: 1)
        let up = Self.shiftUp(words, by: width)
        var down = Self.shiftDown(words, by: width)
        // Left neighbour does not exist in column 0; right neighbour not in the last column.
        let firstColumn = Self.columnMask(width: width, height: height, column: 0)
        let lastColumn = Self.columnMask(width: width, height: height, column: width - 1)
        for i in 0..<words.count {
            left[i] &= ~firstColumn[i]
            right[i] &= ~lastColumn[i]
        }
        // Lower neighbour of the last row would come from past the end: already zero after clearing the tail.
        let rem = pixelCount & 63
        if rem != 0, !down.isEmpty { down[down.count - 1] &= (1 << UInt64(rem)) - 1 }
        return (left, right, up, down)
    }

    /// `out[bit i] = in[bit i - k]` (zero-filled).
    static func shiftUp(_ w: [UInt64], by k: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: w.count)
        let ws = k >> 6
        let bs = UInt64(k & 63)
        for i in stride(from: w.count - 1, through: ws, by: -1) {
            var v = w[i - ws] << bs
            if bs != 0 && i - ws - 1 >= 0 { v |= w[i - ws - 1] >> (64 - bs) }
            out[i] = v
        }
        return out
    }

    /// `out[bit i] = in[bit i + k]` (zero-filled).
    static func shiftDown(_ w: [UInt64], by k: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: w.count)
        let ws = k >> 6
        let bs = UInt64(k & 63)
        guard ws < w.count else { return out }
        for i in 0..<(w.count - ws) {
            var v = w[i + ws] >> bs
            if bs != 0 && i + ws + 1 < w.count { v |= w[i + ws + 1] << (64 - bs) }
            out[i] = v
        }
        return out
    }

    /// Words with the bits of one column set.
    static func columnMask(width: Int, height: Int, column: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: wordCount(width * height))
        guard column >= 0 && column < width else { return out }
        for y in 0..<height {
            let i = y * width + column
            out[i >> 6] |= 1 << UInt64(i & 63)
        }
        return out
    }
}
