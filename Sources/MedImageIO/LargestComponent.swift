/// Keeping only the largest connected foreground region of a mask: the usual clean-up for a target that is one
/// object (a cell, a nodule), which removes stray specks a decoder leaves elsewhere.
extension MaskImage {
    /// The mask with only its largest 8-connected foreground component (pixels that touch by an edge or a corner);
    /// every other foreground pixel becomes background (0), and the kept pixels keep their values. Of equally large components the one reached first in
    /// row-major order is kept. An empty mask is returned unchanged. Time and extra memory are linear in the pixel
    /// count (one label per pixel and an explicit stack, no recursion).
    public func keepingLargestComponent() -> MaskImage {
        let count = width * height
        // label 0: background or not yet visited; component k has label k (1-based).
        var labels = [Int32](repeating: 0, count: count)
        var stack: [Int] = []
        var bestLabel: Int32 = 0
        var bestSize = 0
        var components = 0
        var next: Int32 = 0
        for seed in 0..<count where pixels[seed] != 0 && labels[seed] == 0 {
            next += 1
            components += 1
            labels[seed] = next
            stack.append(seed)
            var size = 0
            while let p = stack.popLast() {
                size += 1
                let y = p / width
                let x = p - y * width
                for dy in -1...1 {
                    let ny = y + dy
                    guard ny >= 0 && ny < height else { continue }
                    for dx in -1...1 where dx != 0 || dy != 0 {
                        let nx = x + dx
                        guard nx >= 0 && nx < width else { continue }
                        let q = ny * width + nx
                        if pixels[q] != 0 && labels[q] == 0 {
                            labels[q] = next
                            stack.append(q)
                        }
                    }
                }
            }
            if size > bestSize {
                bestSize = size
                bestLabel = next
            }
        }
        guard components > 1 else { return self }
        var kept = self
        for p in 0..<count where labels[p] != bestLabel { kept.pixels[p] = 0 }
        return kept
    }
}
