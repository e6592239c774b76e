import CPNG
import FileErrors
import Foundation

/// PNG reading and writing through libpng's *simplified* API (`png_image`).
///
/// libpng's classic API reports errors with `longjmp`, which Swift cannot survive; the
/// simplified API catches them internally and returns a failure code with a message in
/// `png_image.message`. Every failure is turned into a ``MedImageIOError`` naming the file.
///
/// ## Reading
/// - 8-bit (and 1/2/4-bit, expanded) grey, grey+alpha, RGB, RGBA and palette files are read as
///   8-bit samples, `0...255`, unchanged. libpng treats 8-bit data as sRGB-encoded; a file
///   that carries an unusual `gAMA` chunk (for example 1.0) would be re-encoded to sRGB by libpng.
/// - 16-bit files are read in libpng's *linear* 16-bit format. A 16-bit file without `gAMA`,
///   `sRGB` or `iCCP` chunks is assumed linear by libpng (the reader leaves
///   `PNG_IMAGE_FLAG_16BIT_sRGB` unset), so its raw values `0...65535` come back exactly; files
///   written by ``PNG/write(_:to:)-(MedicalImage,_)`` carry `gAMA` 1.0 and also round-trip exactly. A 16-bit
///   file whose chunks declare a non-linear encoding is converted to linear by libpng.
/// - Alpha is dropped: grey+alpha → grey, RGBA → RGB, palette with `tRNS` → RGB.
///   For 8-bit output libpng returns straight (non-premultiplied) colour, which is kept as is.
///   For 16-bit linear output libpng premultiplies colour by alpha; this reader divides it back
///   out (rounded). Pixels with alpha 0 read as 0, and partially transparent 16-bit pixels
///   may differ from the stored value by up to `65535 / alpha` levels.
/// - Grey files (no colour flag) give 1-channel images; colour and palette files give 3 channels.
/// - Images larger than ``PNG/maxSide`` pixels on a side are refused.
///
/// ## Writing
/// 8-bit grey, 8-bit RGB, 16-bit grey and 16-bit RGB ``MedicalImage``s, chosen by `channels`
/// and `bitDepth`. Values are rounded to the nearest integer and clamped to the bit depth's
/// range. 16-bit files are written linear (libpng adds `gAMA` 1.0).
public enum PNG {
    /// The largest accepted width or height, in pixels.
    public static let maxSide = 8192

    // png.h's PNG_FORMAT_FLAG_* values (written out: Swift does not import every macro).
    private static let flagAlpha: UInt32 = 0x01
    private static let flagColor: UInt32 = 0x02
    private static let flagLinear: UInt32 = 0x04
    private static let flagColormap: UInt32 = 0x08
    private static let imageVersion: UInt32 = 1  // PNG_IMAGE_VERSION

    /// Reads the PNG file at `path`.
    ///
    /// - Returns: an image with 1 or 3 channels and `bitDepth` 8 or 16 (see the type's notes).
    /// - Throws: ``MedImageIOError/fileAccess(path:reason:)`` if the file cannot be read or is empty,
    ///   ``MedImageIOError/pngDecode(path:message:)`` for non-PNG, corrupt or truncated data,
    ///   ``MedImageIOError/imageTooLarge(path:width:height:limit:)`` above ``maxSide``.
    public static func read(contentsOf path: String) throws -> MedicalImage {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw MedImageIOError.fileAccess(path: path, reason: FileErrorText.reading(error))
        }
        if data.isEmpty {
            throw MedImageIOError.fileAccess(path: path, reason: "file is empty")
        }
        return try decode([UInt8](data), name: path)
    }

    /// Decodes PNG bytes held in memory. `name` is used in error messages.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>") throws -> MedicalImage {
        if bytes.isEmpty {
            throw MedImageIOError.pngDecode(path: name, message: "no data")
        }
        var image = png_image()
        image.version = imageVersion
        let began = bytes.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count)
        }
        guard began != 0 else {
            let message = libpngMessage(&image)
            png_image_free(&image)
            throw MedImageIOError.pngDecode(path: name, message: message)
        }
        let width = Int(image.width)
        let height = Int(image.height)
        guard width <= maxSide, height <= maxSide else {
            png_image_free(&image)
            throw MedImageIOError.imageTooLarge(path: name, width: width, height: height, limit: maxSide)
        }
        if image.format & flagColormap != 0 {
            do { try checkPaletteIndices(bytes, width: width, height: height, name: name) } catch {
                png_image_free(&image)
                throw error
            }
        }
        let hasColor = image.format & flagColor != 0
        let hasAlpha = image.format & flagAlpha != 0
        let is16 = image.format & flagLinear != 0
        let colorChannels = hasColor ? 3 : 1
        let components = colorChannels + (hasAlpha ? 1 : 0)
        image.format = (is16 ? flagLinear : 0) | (hasColor ? flagColor : 0) | (hasAlpha ? flagAlpha : 0)
        let count = width * height * components
        var pixels = [Float](repeating: 0, count: width * height * colorChannels)

        if is16 {
            let buffer: [UInt16] = try finishRead(&image, count: count, name: name)
            for p in 0..<(width * height) {
                let base = p * components
                if hasAlpha {
                    let alpha = UInt32(buffer[base + colorChannels])
                    for c in 0..<colorChannels {
                        pixels[p * colorChannels + c] = Float(unpremultiply(UInt32(buffer[base + c]), alpha: alpha))
                    }
                } else {
                    for c in 0..<colorChannels { pixels[p * colorChannels + c] = Float(buffer[base + c]) }
                }
            }
        } else {
            let buffer: [UInt8] = try finishRead(&image, count: count, name: name)
            for p in 0..<(width * height) {
                let base = p * components
                for c in 0..<colorChannels { pixels[p * colorChannels + c] = Float(buffer[base + c]) }
            }
        }
        png_image_free(&image)
        return MedicalImage(
            uncheckedWidth: width, height: height, channels: colorChannels,
            bitDepth: is16 ? 16 : 8, pixels: pixels)
    }

    /// Writes `image` as a PNG file at `path` (8-bit or 16-bit, grey or RGB, per the image).
    ///
    /// - Throws: ``MedImageIOError/pngEncode(path:message:)`` or ``MedImageIOError/fileAccess(path:reason:)``.
    public static func write(_ image: MedicalImage, to path: String) throws {
        let bytes = try encode(image, name: path)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw MedImageIOError.fileAccess(path: path, reason: FileErrorText.writing(error))
        }
    }

    /// Writes `mask` as an 8-bit grey PNG with values 0 (background) and 255 (foreground).
    public static func write(_ mask: MaskImage, to path: String) throws {
        try write(mask.image255(), to: path)
    }

    /// Encodes `image` as PNG bytes in memory. `name` is used in error messages.
    public static func encode(_ image: MedicalImage, name: String = "<memory>") throws -> [UInt8] {
        guard image.width <= maxSide, image.height <= maxSide else {
            throw MedImageIOError.imageTooLarge(path: name, width: image.width, height: image.height, limit: maxSide)
        }
        var png = png_image()
        png.version = imageVersion
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        let is16 = image.bitDepth == 16
        png.format = (is16 ? flagLinear : 0) | (image.channels == 3 ? flagColor : 0)

        var size: png_alloc_size_t = 0
        var output: [UInt8] = []
        var ok: Int32 = 0
        func run(_ buffer: UnsafeRawPointer?) {
            // One pass into a buffer of libpng's worst-case size; should libpng still need more, it says how much
            // (and compresses again into that).
            let bound = encodedSizeBound(
                width: image.width, height: image.height, channels: image.channels, is16: is16)
            for _ in 0..<2 {
                output = [UInt8](repeating: 0, count: max(bound, Int(size)))
                size = png_alloc_size_t(output.count)
                ok = output.withUnsafeMutableBytes { raw in
                    png_image_write_to_memory(&png, raw.baseAddress, &size, 0, buffer, 0, nil)
                }
                if ok != 0 || Int(size) <= output.count { break }
            }
            if ok != 0 { output.removeLast(output.count - Int(size)) }
        }
        if is16 {
            let samples = image.pixels.map { UInt16(clamping: Int(($0.isFinite ? $0 : 0).rounded())) }
            samples.withUnsafeBytes { run($0.baseAddress) }
        } else {
            let samples = image.pixels.map { UInt8(clamping: Int(($0.isFinite ? $0 : 0).rounded())) }
            samples.withUnsafeBytes { run($0.baseAddress) }
        }
        guard ok != 0 else {
            let message = libpngMessage(&png)
            png_image_free(&png)
            throw MedImageIOError.pngEncode(path: name, message: message)
        }
        return output
    }

    /// An upper bound on the PNG file size libpng's simplified writer can produce for a grey or RGB image without
    /// alpha or a colour map (its `PNG_IMAGE_PNG_SIZE_MAX`: the filtered rows, zlib's worst-case expansion of them,
    /// one chunk header per 8 KiB zlib buffer, and the fixed chunks), with 1 KiB to spare.
    ///
    /// - Parameters:
    ///   - width: pixels per row.
    ///   - height: rows.
    ///   - channels: samples per pixel (1 grey, 3 RGB).
    ///   - is16: 16-bit samples (else 8-bit).
    public static func encodedSizeBound(width: Int, height: Int, channels: Int, is16: Bool) -> Int {
        let rows = height * (width * channels * (is16 ? 2 : 1) + 1)
        let compressed = rows + (rows + 7) / 8 + (rows + 63) / 64 + 11
        let fixedChunks = 8 + 25 + 16 + 44 + 12 + 12
        return fixedChunks + 12 * (compressed / 8192 + 1) + compressed + 1024
    }

    /// Inverse of libpng's 16-bit premultiplication `(v * a + 32767) / 65535`, rounded.
    private static func unpremultiply(_ value: UInt32, alpha: UInt32) -> UInt32 {
        if alpha == 0 { return 0 }
        if alpha == 65535 { return value }
        return min(65535, (value * 65535 + alpha / 2) / alpha)
    }

    /// Refuses a palette file whose pixels use an index past the end of its `PLTE` chunk (libpng
    /// would expand such pixels to black without a word).
    ///
    /// Reads the file a second time in libpng's colour-map mode, which keeps the raw indices.
    private static func checkPaletteIndices(_ bytes: [UInt8], width: Int, height: Int, name: String) throws {
        var image = png_image()
        image.version = imageVersion
        let began = bytes.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count)
        }
        guard began != 0 else {
            let message = libpngMessage(&image)
            png_image_free(&image)
            throw MedImageIOError.pngDecode(path: name, message: message)
        }
        image.format = flagColormap | flagColor | flagAlpha
        var colormap = [UInt8](repeating: 0, count: 256 * 4)
        var indices = [UInt8](repeating: 0, count: width * height)
        let ok = indices.withUnsafeMutableBytes { pixels in
            colormap.withUnsafeMutableBytes { map in
                png_image_finish_read(&image, nil, pixels.baseAddress, 0, map.baseAddress)
            }
        }
        guard ok != 0 else {
            let message = libpngMessage(&image)
            png_image_free(&image)
            throw MedImageIOError.pngDecode(path: name, message: message)
        }
        let entries = Int(image.colormap_entries)
        png_image_free(&image)
        if let bad = indices.firstIndex(where: { Int($0) >= entries }) {
            throw MedImageIOError.pngDecode(
                path: name,
                message: "pixel (\(bad % width), \(bad / width)) uses palette "
                    + "index \(indices[bad]), but the palette has only \(entries) entries")
        }
    }

    /// libpng's NUL-terminated message from `png_image.message`.
    /// Decodes the pixels of a begun read into `count` samples; frees the image and throws on failure.
    private static func finishRead<Sample: FixedWidthInteger>(_ image: inout png_image, count: Int, name: String) throws
        -> [Sample]
    {
        var buffer = [Sample](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBytes { raw in
            png_image_finish_read(&image, nil, raw.baseAddress, 0, nil)
        }
        guard ok != 0 else {
            let message = libpngMessage(&image)
            png_image_free(&image)
            throw MedImageIOError.pngDecode(path: name, message: message)
        }
        return buffer
    }

    private static func libpngMessage(_ image: inout png_image) -> String {
        let text = withUnsafeBytes(of: &image.message) { raw -> String in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        return text.isEmpty ? "unknown libpng error" : text
    }
}
