import MultiRaterMetrics

/// Resizing of grey float planes and binary masks (pixel-centre aligned, like
/// `torch.nn.functional.interpolate(..., align_corners=False)`).
enum Resampling {
    /// Bilinear resize of a row-major `width x height` plane.
    static func bilinear(_ src: [Float], width: Int, height: Int, toWidth w: Int, height h: Int) -> [Float] {
        if w == width && h == height { return src }
        var out = [Float](repeating: 0, count: w * h)
        let sx = Float(width) / Float(w)
        let sy = Float(height) / Float(h)
        for y in 0..<h {
            let fy = max((Float(y) + 0.5) * sy - 0.5, 0)
            let y0 = min(Int(fy), height - 1)
            let y1 = min(y0 + 1, height - 1)
            let ty = fy - Float(y0)
            for x in 0..<w {
                let fx = max((Float(x) + 0.5) * sx - 0.5, 0)
                let x0 = min(Int(fx), width - 1)
                let x1 = min(x0 + 1, width - 1)
                let tx = fx - Float(x0)
                let top = src[y0 * width + x0] * (1 - tx) + src[y0 * width + x1] * tx
                let bottom = src[y1 * width + x0] * (1 - tx) + src[y1 * width + x1] * tx
                out[y * w + x] = top * (1 - ty) + bottom * ty
            }
        }
        return out
    }

    /// Nearest-neighbour resize of a mask: source pixel `floor((x + 0.5) * width / w)`.
    static func nearest(_ mask: BinaryMask, toWidth w: Int, height h: Int) -> BinaryMask {
        if w == mask.width && h == mask.height { return mask }
        var out = BinaryMask(width: w, height: h)
        for y in 0..<h {
            let sy = min(Int((Double(y) + 0.5) * Double(mask.height) / Double(h)), mask.height - 1)
            for x in 0..<w {
                let sx = min(Int((Double(x) + 0.5) * Double(mask.width) / Double(w)), mask.width - 1)
                if mask[sx, sy] { out[x, y] = true }
            }
        }
        return out
    }
}
