/// Resizing with the semantics of OpenCV's `cv2.resize(..., interpolation=cv2.INTER_AREA)`,
/// which LiteMedSAM uses to bring the longest side to 256.
///
/// All buffers are row-major HWC with `channels` interleaved samples per pixel.
///
/// OpenCV's INTER_AREA is three different algorithms, reproduced here:
/// - **Integer shrink factors** in both directions (e.g. 512x384 → 256x192): the plain mean of each
///   `fx × fy` block. For `uint8` data and a factor of exactly 2 OpenCV rounds half up
///   (`(sum + 2) >> 2`); for other factors it multiplies by `1/area` in `Float` and rounds half to even.
/// - **Other shrink factors** (both scales ≥ 1, e.g. 300 → 256): true area averaging. Each output
///   pixel averages the source cells it covers, weighted by the covered fraction
///   (`Float` weights from a `Double` table, `Float` accumulation in OpenCV's order), then for `uint8`
///   rounds half to even and saturates.
/// - **Enlarging** (e.g. 100x130 → 197x256): a bilinear variant. For output index `d` and
///   scale `s = in/out`: `sx = floor(d·s)`, `f = (d+1) − (sx+1)/s`, `f = f ≤ 0 ? 0 : f − floor(f)`,
///   weights `(1−f, f)` on source `sx` and `sx+1` (clamped). An exact 2x enlargement is
///   therefore pixel replication. For `uint8` data OpenCV uses 11-bit fixed-point weights
///   and combines rows with its SIMD formula `(((a>>4)·b0 >> 16) + ((c>>4)·b1 >> 16) + 2) >> 2`,
///   reproduced here. Verified bit-identical to opencv-python-headless 5.0.0 (which also covers
///   the row tails this way) on 14 sizes. Output rows shorter than 16 samples use OpenCV's scalar
///   formula `(a·b0 + c·b1 + 2^21) >> 22` instead (not verified against cv2; such rows only occur
///   for images more than ~80 times taller than wide).
public enum AreaResize {
    /// How results are stored.
    public enum Rounding: Sendable {
        /// `uint8` semantics (cv2 on a `uint8` array): inputs are rounded and clamped to `0...255`
        /// first, outputs are integers in `0...255`.
        case uint8
        /// `float32` semantics (cv2 on a `float32` array): no rounding anywhere.
        case none
    }

    /// Resizes an HWC buffer of `width × height × channels` samples to `newWidth × newHeight`
    /// with cv2 INTER_AREA semantics.
    ///
    /// - Precondition: all sizes positive, `src.count == width * height * channels`.
    /// - Returns: `newWidth * newHeight * channels` samples, HWC.
    public static func resize(
        _ src: [Float], width: Int, height: Int, channels: Int,
        newWidth: Int, newHeight: Int, rounding: Rounding
    ) -> [Float] {
        precondition(width > 0 && height > 0 && channels > 0 && newWidth > 0 && newHeight > 0)
        precondition(src.count == width * height * channels)
        let input: [Float]
        switch rounding {
        case .uint8: input = src.map { roundHalfEven(min(max($0, 0), 255)) }
        case .none: input = src
        }
        if newWidth == width && newHeight == height { return input }

        let invScaleX = Double(newWidth) / Double(width)
        let invScaleY = Double(newHeight) / Double(height)
        let scaleX = 1.0 / invScaleX
        let scaleY = 1.0 / invScaleY
        let iscaleX = Int(scaleX.rounded())
        let iscaleY = Int(scaleY.rounded())
        let isIntegerScale =
            abs(scaleX - Double(iscaleX)) < Double.ulpOfOne
            && abs(scaleY - Double(iscaleY)) < Double.ulpOfOne

        if scaleX >= 1 && scaleY >= 1 {
            if isIntegerScale {
                return blockMean(
                    input, width: width, channels: channels, newWidth: newWidth, newHeight: newHeight,
                    factorX: iscaleX, factorY: iscaleY, rounding: rounding)
            }
            return areaAverage(
                input, width: width, height: height, channels: channels,
                newWidth: newWidth, newHeight: newHeight, scaleX: scaleX, scaleY: scaleY,
                rounding: rounding)
        }
        return enlarge(
            input, width: width, height: height, channels: channels, newWidth: newWidth,
            newHeight: newHeight, scaleX: scaleX, scaleY: scaleY, invScaleX: invScaleX,
            invScaleY: invScaleY, rounding: rounding)
    }

    /// Round half to even (C's `lrint` in the default rounding mode, OpenCV's `cvRound`).
    @inline(__always)
    static func roundHalfEven(_ v: Float) -> Float { v.rounded(.toNearestOrEven) }

    @inline(__always)
    private static func store(_ v: Float, _ rounding: Rounding) -> Float {
        switch rounding {
        case .uint8: return min(max(roundHalfEven(v), 0), 255)
        case .none: return v
        }
    }

    // MARK: Integer shrink factors

    private static func blockMean(
        _ src: [Float], width: Int, channels: Int, newWidth: Int, newHeight: Int,
        factorX: Int, factorY: Int, rounding: Rounding
    ) -> [Float] {
        var out = [Float](repeating: 0, count: newWidth * newHeight * channels)
        let area = factorX * factorY
        let inverseArea = Float(1) / Float(area)
        for dy in 0..<newHeight {
            for dx in 0..<newWidth {
                for c in 0..<channels {
                    let index = (dy * newWidth + dx) * channels + c
                    switch rounding {
                    case .uint8:
                        var sum = 0
                        for sy in 0..<factorY {
                            let row = (dy * factorY + sy) * width
                            for sx in 0..<factorX { sum += Int(src[(row + dx * factorX + sx) * channels + c]) }
                        }
                        out[index] =
                            area == 4 && factorX == 2 && channels != 2
                            ? Float((sum + 2) >> 2)
                            : store(Float(sum) * inverseArea, .uint8)
                    case .none:
                        var sum: Float = 0
                        for sy in 0..<factorY {
                            let row = (dy * factorY + sy) * width
                            for sx in 0..<factorX { sum += src[(row + dx * factorX + sx) * channels + c] }
                        }
                        out[index] = sum * inverseArea
                    }
                }
            }
        }
        return out
    }

    // MARK: True area averaging

    /// One (destination, source, weight) entry of OpenCV's decimation table along one axis.
    struct AreaWeight {
        var dst: Int
        var src: Int
        var weight: Float
    }

    /// The weights by which source cells `src` contribute to destination cells `dst`, in order.
    static func areaWeights(sourceSize: Int, destinationSize: Int, scale: Double) -> [AreaWeight] {
        var table: [AreaWeight] = []
        table.reserveCapacity(sourceSize * 2)
        for d in 0..<destinationSize {
            let start = Double(d) * scale
            let end = start + scale
            let cellWidth = min(scale, Double(sourceSize) - start)
            var first = Int(start.rounded(.up))
            var last = Int(end.rounded(.down))
            last = min(last, sourceSize - 1)
            first = min(first, last)
            if Double(first) - start > 1e-3 {
                table.append(AreaWeight(dst: d, src: first - 1, weight: Float((Double(first) - start) / cellWidth)))
            }
            if first < last {
                for s in first..<last {
                    table.append(AreaWeight(dst: d, src: s, weight: Float(1.0 / cellWidth)))
                }
            }
            if end - Double(last) > 1e-3 {
                table.append(
                    AreaWeight(
                        dst: d, src: last,
                        weight: Float(min(min(end - Double(last), 1.0), cellWidth) / cellWidth)))
            }
        }
        return table
    }

    private static func areaAverage(
        _ src: [Float], width: Int, height: Int, channels: Int,
        newWidth: Int, newHeight: Int, scaleX: Double, scaleY: Double,
        rounding: Rounding
    ) -> [Float] {
        let xTable = areaWeights(sourceSize: width, destinationSize: newWidth, scale: scaleX)
        let yTable = areaWeights(sourceSize: height, destinationSize: newHeight, scale: scaleY)
        let rowLength = newWidth * channels
        var out = [Float](repeating: 0, count: newHeight * rowLength)
        var rowBuffer = [Float](repeating: 0, count: rowLength)
        var sum = [Float](repeating: 0, count: rowLength)
        var previousDst = yTable.first?.dst ?? 0

        func flush(into dy: Int) {
            for i in 0..<rowLength { out[dy * rowLength + i] = store(sum[i], rounding) }
        }
        for entry in yTable {
            let beta = entry.weight
            let rowStart = entry.src * width * channels
            for i in 0..<rowLength { rowBuffer[i] = 0 }
            for xw in xTable {
                let s = rowStart + xw.src * channels
                let d = xw.dst * channels
                for c in 0..<channels { rowBuffer[d + c] = rowBuffer[d + c] + src[s + c] * xw.weight }
            }
            if entry.dst != previousDst {
                flush(into: previousDst)
                for i in 0..<rowLength { sum[i] = beta * rowBuffer[i] }
                previousDst = entry.dst
            } else {
                for i in 0..<rowLength { sum[i] += beta * rowBuffer[i] }
            }
        }
        flush(into: previousDst)
        return out
    }

    // MARK: Enlarging (bilinear variant)

    /// Source index and fractional weight of OpenCV's INTER_AREA enlargement along one axis.
    static func enlargeCoefficients(
        destinationSize: Int, sourceSize: Int, scale: Double,
        inverseScale: Double
    ) -> [(index: Int, fraction: Float, clamped: Bool)] {
        (0..<destinationSize).map { d in
            var s = Int((Double(d) * scale).rounded(.down))
            var f = Float(Double(d + 1) - Double(s + 1) * inverseScale)
            f = f <= 0 ? 0 : f - f.rounded(.down)
            var clamped = false
            if s < 0 {
                s = 0
                f = 0
            }
            if s + 1 >= sourceSize {
                clamped = true
                if s >= sourceSize - 1 {
                    s = sourceSize - 1
                    f = 0
                }
            }
            return (s, f, clamped)
        }
    }

    /// OpenCV's `saturate_cast<short>(w * 2048)`.
    @inline(__always)
    private static func fixedWeight(_ w: Float) -> Int { Int(roundHalfEven(w * 2048)) }

    /// Output rows with at least this many samples are combined with OpenCV's SIMD formula.
    static let simdBlock = 16

    private static func enlarge(
        _ src: [Float], width: Int, height: Int, channels: Int, newWidth: Int,
        newHeight: Int, scaleX: Double, scaleY: Double, invScaleX: Double,
        invScaleY: Double, rounding: Rounding
    ) -> [Float] {
        let xs = enlargeCoefficients(
            destinationSize: newWidth, sourceSize: width, scale: scaleX, inverseScale: invScaleX)
        let ys = enlargeCoefficients(
            destinationSize: newHeight, sourceSize: height, scale: scaleY, inverseScale: invScaleY)
        let rowLength = newWidth * channels
        var out = [Float](repeating: 0, count: newHeight * rowLength)

        switch rounding {
        case .uint8:
            let alpha = xs.map { (fixedWeight(1 - $0.fraction), fixedWeight($0.fraction)) }
            func horizontal(_ sy: Int) -> [Int] {
                var row = [Int](repeating: 0, count: rowLength)
                let base = sy * width * channels
                for dx in 0..<newWidth {
                    let sx = xs[dx].index
                    for c in 0..<channels {
                        let a = Int(src[base + sx * channels + c])
                        if xs[dx].clamped {
                            row[dx * channels + c] = a * 2048
                        } else {
                            let b = Int(src[base + (sx + 1) * channels + c])
                            row[dx * channels + c] = a * alpha[dx].0 + b * alpha[dx].1
                        }
                    }
                }
                return row
            }
            let simdEnd = rowLength >= simdBlock ? rowLength : 0
            for dy in 0..<newHeight {
                let sy0 = ys[dy].index
                let sy1 = min(sy0 + 1, height - 1)
                let r0 = horizontal(sy0)
                let r1 = sy1 == sy0 ? r0 : horizontal(sy1)
                let b0 = fixedWeight(1 - ys[dy].fraction)
                let b1 = fixedWeight(ys[dy].fraction)
                for i in 0..<rowLength {
                    let v: Int
                    if i < simdEnd {
                        v = ((((r0[i] >> 4) * b0) >> 16) + (((r1[i] >> 4) * b1) >> 16) + 2) >> 2
                    } else {
                        v = (r0[i] * b0 + r1[i] * b1 + (1 << 21)) >> 22
                    }
                    out[dy * rowLength + i] = Float(min(max(v, 0), 255))
                }
            }
        case .none:
            func horizontal(_ sy: Int) -> [Float] {
                var row = [Float](repeating: 0, count: rowLength)
                let base = sy * width * channels
                for dx in 0..<newWidth {
                    let sx = xs[dx].index
                    let f = xs[dx].fraction
                    for c in 0..<channels {
                        let a = src[base + sx * channels + c]
                        row[dx * channels + c] =
                            xs[dx].clamped
                            ? a : a * (1 - f) + src[base + (sx + 1) * channels + c] * f
                    }
                }
                return row
            }
            for dy in 0..<newHeight {
                let sy0 = ys[dy].index
                let sy1 = min(sy0 + 1, height - 1)
                let r0 = horizontal(sy0)
                let r1 = sy1 == sy0 ? r0 : horizontal(sy1)
                let b1 = ys[dy].fraction
                let b0 = 1 - b1
                for i in 0..<rowLength { out[dy * rowLength + i] = r0[i] * b0 + r1[i] * b1 }
            }
        }
        return out
    }
}

extension MedicalImage {
    /// This image resized to `width × height` with cv2 INTER_AREA semantics (see ``AreaResize``).
    ///
    /// 8-bit images follow cv2's `uint8` behaviour (integer results, rounded as OpenCV does);
    /// 16-bit images are resized in `Float` without rounding (as cv2 on a `float32` array).
    public func resizedArea(width newWidth: Int, height newHeight: Int) -> MedicalImage {
        let out = AreaResize.resize(
            pixels, width: width, height: height, channels: channels,
            newWidth: newWidth, newHeight: newHeight,
            rounding: bitDepth == 8 ? .uint8 : .none)
        return MedicalImage(
            uncheckedWidth: newWidth, height: newHeight, channels: channels,
            bitDepth: bitDepth, pixels: out)
    }
}
