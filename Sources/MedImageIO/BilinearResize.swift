/// Bilinear resizing of planar `Float` maps with PyTorch semantics:
/// `F.interpolate(x, size=(outH, outW), mode="bilinear", align_corners=False)`.
///
/// Layout: `count` maps, each `height × width` row-major, stored one after the other
/// (`maps[(k * height + y) * width + x]`), i.e. a `(K, H, W)` tensor.
///
/// For each output index `d` along an axis with `in` source and `out` destination samples:
/// `scale = Float(in) / Float(out)`, `s = max((d + 0.5) * scale - 0.5, 0)`, `i0 = Int(s)`,
/// `i1 = min(i0 + 1, in - 1)`, `λ1 = s - i0`, `λ0 = 1 - λ1` (all in `Float`, as torch's CPU kernel);
/// the result is `λy0 * (λx0 * v00 + λx1 * v01) + λy1 * (λx0 * v10 + λx1 * v11)`.
public enum BilinearResize {
    /// Resizes the top-left `cropHeight × cropWidth` window of every map to `newHeight × newWidth`.
    ///
    /// - Parameters:
    ///   - maps: `(count, height, width)` planar values.
    ///   - count: number of maps.
    ///   - height: rows of each map.
    ///   - width: columns of each map.
    ///   - cropHeight: rows of the window actually resized (`[:cropHeight, :cropWidth]`); default `height`.
    ///   - cropWidth: columns of that window; default `width`.
    ///   - newHeight: rows of each output map.
    ///   - newWidth: columns of each output map.
    /// - Returns: `(count, newHeight, newWidth)` planar values.
    public static func resize(
        _ maps: [Float], count: Int, height: Int, width: Int,
        cropHeight: Int? = nil, cropWidth: Int? = nil,
        newHeight: Int, newWidth: Int
    ) -> [Float] {
        let inH = cropHeight ?? height
        let inW = cropWidth ?? width
        precondition(count > 0 && height > 0 && width > 0 && newHeight > 0 && newWidth > 0)
        precondition(inH > 0 && inH <= height && inW > 0 && inW <= width)
        precondition(maps.count == count * height * width)
        let ys = coefficients(input: inH, output: newHeight)
        let xs = coefficients(input: inW, output: newWidth)
        var out = [Float](repeating: 0, count: count * newHeight * newWidth)
        for k in 0..<count {
            let base = k * height * width
            let outBase = k * newHeight * newWidth
            for oy in 0..<newHeight {
                let (y0, y1, hy0, hy1) = ys[oy]
                let r0 = base + y0 * width
                let r1 = base + y1 * width
                for ox in 0..<newWidth {
                    let (x0, x1, wx0, wx1) = xs[ox]
                    let top = wx0 * maps[r0 + x0] + wx1 * maps[r0 + x1]
                    let bottom = wx0 * maps[r1 + x0] + wx1 * maps[r1 + x1]
                    out[outBase + oy * newWidth + ox] = hy0 * top + hy1 * bottom
                }
            }
        }
        return out
    }

    /// Source indices and weights along one axis (torch's `area_pixel_compute_source_index`).
    static func coefficients(input: Int, output: Int) -> [(Int, Int, Float, Float)] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { d in
            let s = max((Float(d) + 0.5) * scale - 0.5, 0)
            let i0 = min(Int(s), input - 1)
            let i1 = i0 < input - 1 ? i0 + 1 : i0
            let l1 = s - Float(i0)
            return (i0, i1, 1 - l1, l1)
        }
    }
}

/// Nearest-neighbour resizing with `cv2.INTER_NEAREST` semantics: destination index `d` takes
/// source index `min(floor(d * in / out), in - 1)` (computed as `floor(d * (1 / (out / in)))`
/// in `Double`, as OpenCV). Suitable for label maps and masks.
public enum NearestResize {
    /// Resizes a row-major `width × height` buffer of any element type (1 value per pixel).
    public static func resize<T>(_ src: [T], width: Int, height: Int, newWidth: Int, newHeight: Int) -> [T] {
        precondition(src.count == width * height && newWidth > 0 && newHeight > 0)
        let xs = indices(input: width, output: newWidth)
        let ys = indices(input: height, output: newHeight)
        var out: [T] = []
        out.reserveCapacity(newWidth * newHeight)
        for y in ys {
            for x in xs { out.append(src[y * width + x]) }
        }
        return out
    }

    static func indices(input: Int, output: Int) -> [Int] {
        let inverse = 1.0 / (Double(output) / Double(input))
        return (0..<output).map { min(Int((Double($0) * inverse).rounded(.down)), input - 1) }
    }
}

extension MaskImage {
    /// This mask resized with cv2 INTER_NEAREST semantics (see ``NearestResize``).
    public func resizedNearest(width newWidth: Int, height newHeight: Int) -> MaskImage {
        MaskImage(
            uncheckedWidth: newWidth, height: newHeight,
            pixels: NearestResize.resize(
                pixels, width: width, height: height,
                newWidth: newWidth, newHeight: newHeight))
    }
}
