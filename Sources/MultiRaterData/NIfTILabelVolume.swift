import Foundation

/// Segmenting a NIfTI volume slice by slice and writing the labels back with the input's geometry:
/// the checks a volume must pass first (`checkSegmentable`), and the label volume's bytes
/// (`labelVolumeBytes`), which keep the input's header (affine, qform/sform, pixdim, units, description)
/// and change only the data type (uint8), scaling and display range, so viewers (3D Slicer, ITK-SNAP)
/// open it aligned with the image.
extension NIfTIVolume {
    /// The largest slice side and slice count accepted for slice-by-slice segmentation.
    public static let maximumSliceSide = 8192
    public static let maximumSliceCount = 4096

    /// The voxel-to-world matrix's 3x3 part: the sform rows when `sform_code > 0`, else the qform's
    /// rotation times the pixel spacing (`pixdim[1…3]`, with `qfac`), else the spacing alone (method 1).
    public var spatialMatrix: [[Double]] {
        let little = isLittleEndian
        func float(_ at: Int) -> Double { Double(Self.float32(header, at, little: little)) }
        let sformCode = Self.int16(header, 254, little: little)
        let qformCode = Self.int16(header, 252, little: little)
        let spacing = (1...3).map { float(76 + 4 * $0) }
        if sformCode > 0 { return (0..<3).map { r in (0..<3).map { float(280 + 16 * r + 4 * $0) } } }
        guard qformCode > 0 else { return [[spacing[0], 0, 0], [0, spacing[1], 0], [0, 0, spacing[2]]] }
        let (b, c, d) = (float(256), float(260), float(264))
        let a = max(0, 1 - (b * b + c * c + d * d)).squareRoot()
        let qfac = float(76) < 0 ? -1.0 : 1.0
        let rotation = [
            [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
            [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
            [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
        ]
        return (0..<3).map { r in
            [rotation[r][0] * spacing[0], rotation[r][1] * spacing[1], rotation[r][2] * spacing[2] * qfac]
        }
    }

    /// The determinant of ``spatialMatrix``: a voxel's signed volume in the header's spatial unit cubed.
    public var spatialDeterminant: Double {
        let m = spatialMatrix
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    }

    /// Checks that the volume can be segmented slice by slice and written back aligned: slices of at most
    /// `maximumSliceSide` per side, at most `maximumSliceCount` slices, and an invertible, finite
    /// voxel-to-world matrix.
    ///
    /// - Throws: `DataError.invalidFile` naming `path` and the problem.
    public func checkSegmentable(path: String) throws {
        guard dims.0 <= Self.maximumSliceSide, dims.1 <= Self.maximumSliceSide, dims.2 <= Self.maximumSliceCount
        else {
            throw DataError.invalidFile(
                path: path,
                reason:
                    "dimensions \(dims.0)x\(dims.1)x\(dims.2) are beyond the limits (\(Self.maximumSliceSide) per slice side, \(Self.maximumSliceCount) slices)"
            )
        }
        let m = spatialMatrix
        let determinant = spatialDeterminant
        guard m.allSatisfy({ $0.allSatisfy(\.isFinite) }), determinant.isFinite, abs(determinant) > 1e-12 else {
            throw DataError.invalidFile(
                path: path,
                reason:
                    "the voxel-to-world affine is not invertible (determinant \(determinant)); the labels could not be placed"
            )
        }
    }

    /// An uncompressed `.nii` of `labels` (uint8, one per voxel in the volume's Fortran order) with this
    /// volume's header: datatype 2 (uint8), bitpix 8, `vox_offset` 352, `scl_slope` 1, `scl_inter` 0,
    /// `cal_min` 0 and `cal_max` the largest label; everything else (dimensions, pixdim, qform, sform,
    /// units, intent, description) as read.
    public func labelVolumeBytes(_ labels: [UInt8]) -> [UInt8] {
        precondition(labels.count == dims.0 * dims.1 * dims.2, "one label per voxel")
        return derivedVolumeBytes(
            datatype: 2, bitpix: 8, displayRange: 0...Float(labels.max() ?? 0), payload: labels)
    }

    /// An uncompressed `.nii` of `values` (float32, one per voxel in the volume's Fortran order, in the
    /// header's byte order) with this volume's header: datatype 16 (float32), bitpix 32, `vox_offset` 352,
    /// `scl_slope` 1, `scl_inter` 0, `cal_min`/`cal_max` the smallest and largest value; everything else as
    /// read (as `labelVolumeBytes`).
    ///
    /// - Parameter values: one finite value per voxel, x fastest.
    /// - Returns: the `.nii` file's bytes.
    public func floatVolumeBytes(_ values: [Float]) -> [UInt8] {
        precondition(values.count == dims.0 * dims.1 * dims.2, "one value per voxel")
        return derivedVolumeBytes(
            datatype: 16, bitpix: 32, displayRange: (values.min() ?? 0)...(values.max() ?? 0),
            payload: Self.float32Payload(values, little: isLittleEndian))
    }

    /// `values` as float32 voxel bytes in the given byte order.
    static func float32Payload(_ values: [Float], little: Bool) -> [UInt8] {
        var payload = [UInt8](repeating: 0, count: 4 * values.count)
        for (e, value) in values.enumerated() {
            let v = value.bitPattern
            for i in 0..<4 { payload[4 * e + (little ? i : 3 - i)] = UInt8((v >> (8 * UInt32(i))) & 0xff) }
        }
        return payload
    }

    /// This volume's header with the data type, bitpix, `vox_offset` (352), unit scaling and display range
    /// replaced, the 4-byte extension flag (none) and `payload`.
    func derivedVolumeBytes(datatype: Int16, bitpix: Int16, displayRange: ClosedRange<Float>, payload: [UInt8])
        -> [UInt8]
    {
        Self.derivedBytes(
            header: header, little: isLittleEndian, datatype: datatype, bitpix: bitpix, displayRange: displayRange,
            payload: payload)
    }

    /// `header` with the data type, bitpix, `vox_offset` (352), unit scaling and display range replaced, the
    /// 4-byte extension flag (none) and `payload`.
    static func derivedBytes(
        header: [UInt8], little: Bool, datatype: Int16, bitpix: Int16, displayRange: ClosedRange<Float>,
        payload: [UInt8]
    ) -> [UInt8] {
        var out = header
        func put16(_ value: Int16, _ at: Int) {
            let v = UInt16(bitPattern: value)
            let bytes = [UInt8(v & 0xff), UInt8(v >> 8)]
            out[at] = little ? bytes[0] : bytes[1]
            out[at + 1] = little ? bytes[1] : bytes[0]
        }
        func putFloat(_ value: Float, _ at: Int) {
            let v = value.bitPattern
            for i in 0..<4 { out[at + (little ? i : 3 - i)] = UInt8((v >> (8 * UInt32(i))) & 0xff) }
        }
        put16(datatype, 70)
        put16(bitpix, 72)
        putFloat(352, 108)
        putFloat(1, 112)
        putFloat(0, 116)
        putFloat(displayRange.upperBound, 124)
        putFloat(displayRange.lowerBound, 128)
        out.reserveCapacity(352 + payload.count)
        out += [0, 0, 0, 0]
        out += payload
        return out
    }

    /// The bytes to store at `url`: `bytes` gzip-compressed when `url` ends in `.gz`, else as they are.
    ///
    /// - Parameters:
    ///   - bytes: an uncompressed `.nii` file's bytes.
    ///   - url: where they will be written (its extension decides).
    /// - Throws: `DataError.invalidFile` when compression fails.
    public static func fileBytes(_ bytes: [UInt8], for url: URL) throws -> [UInt8] {
        url.pathExtension == "gz" ? try Gzip.compress(bytes, path: url.path) : bytes
    }

    /// Writes `labels` as a label volume next to nothing half-written: gzip-compressed when `url` ends in
    /// `.gz`, through a temporary file renamed into place.
    public func writeLabelVolume(_ labels: [UInt8], to url: URL) throws {
        try Self.writeAtomically(try Self.fileBytes(labelVolumeBytes(labels), for: url), to: url)
    }

    /// Writes `bytes` to `url` through a temporary file renamed into place (nothing half-written).
    ///
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - url: the destination.
    /// - Throws: `DataError.invalidFile` naming `url` when it cannot be written.
    public static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        do { try Data(bytes).write(to: url, options: .atomic) } catch {
            throw DataError.invalidFile(path: url.path, reason: "cannot be written (\(error.localizedDescription))")
        }
    }
}
