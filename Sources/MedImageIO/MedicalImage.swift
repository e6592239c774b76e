/// A 2-D image with 1 (grey) or 3 (RGB) channels, as read from disk.
///
/// - Layout: `pixels` is row-major HWC, channels interleaved:
///   the sample of channel `c` at row `y`, column `x` is `pixels[(y * width + x) * channels + c]`.
/// - Values are stored as read, without scaling: `0...255` for 8-bit images, `0...65535` for
///   16-bit images. Images produced by computations (for example resizing) may hold any `Float`.
/// - `bitDepth` records the depth of the source (8 or 16); it decides how the image is written
///   back to PNG and how LiteMedSAM preprocessing rounds (see `LiteMedSAMPreprocessor`).
public struct MedicalImage: Sendable, Equatable {
    /// Number of columns.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// 1 (grey) or 3 (RGB).
    public let channels: Int
    /// Bit depth of the stored values: 8 (`0...255`) or 16 (`0...65535`).
    public let bitDepth: Int
    /// Row-major HWC samples, `width * height * channels` of them.
    public var pixels: [Float]

    /// Creates an image, checking that the sizes agree.
    ///
    /// - Throws: ``MedImageIOError/invalidImage(_:)`` if a size is not positive, `channels` is not
    ///   1 or 3, `bitDepth` is not 8 or 16, or `pixels.count != width * height * channels`.
    public init(width: Int, height: Int, channels: Int, bitDepth: Int = 8, pixels: [Float]) throws {
        guard width > 0, height > 0 else {
            throw MedImageIOError.invalidImage("size \(width)x\(height) must be positive")
        }
        guard channels == 1 || channels == 3 else {
            throw MedImageIOError.invalidImage("\(channels) channels; expected 1 or 3")
        }
        guard bitDepth == 8 || bitDepth == 16 else {
            throw MedImageIOError.invalidImage("bit depth \(bitDepth); expected 8 or 16")
        }
        guard pixels.count == width * height * channels else {
            throw MedImageIOError.invalidImage(
                "\(pixels.count) samples for \(width)x\(height)x\(channels) (expected \(width * height * channels))")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.pixels = pixels
    }

    /// Internal unchecked initialiser for code that builds consistent buffers itself.
    init(uncheckedWidth width: Int, height: Int, channels: Int, bitDepth: Int, pixels: [Float]) {
        precondition(pixels.count == width * height * channels)
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.pixels = pixels
    }

    /// The largest value the bit depth can hold: 255 or 65535.
    public var maxValue: Float { bitDepth == 16 ? 65535 : 255 }

    /// The sample at row `y`, column `x`, channel `c`.
    public subscript(y: Int, x: Int, c: Int) -> Float {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// This image with 3 channels: grey is replicated, RGB is returned unchanged.
    public func rgb() -> MedicalImage {
        if channels == 3 { return self }
        var out = [Float](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let v = pixels[i]
            out[3 * i] = v
            out[3 * i + 1] = v
            out[3 * i + 2] = v
        }
        return MedicalImage(uncheckedWidth: width, height: height, channels: 3, bitDepth: bitDepth, pixels: out)
    }

    /// This image with 1 channel. Grey is returned unchanged; RGB is converted with the
    /// ITU-R BT.601 luma weights `0.299 R + 0.587 G + 0.114 B` (not rounded).
    public func grey() -> MedicalImage {
        if channels == 1 { return self }
        var out = [Float](repeating: 0, count: width * height)
        for i in 0..<(width * height) {
            out[i] = 0.299 * pixels[3 * i] + 0.587 * pixels[3 * i + 1] + 0.114 * pixels[3 * i + 2]
        }
        return MedicalImage(uncheckedWidth: width, height: height, channels: 1, bitDepth: bitDepth, pixels: out)
    }
}

/// A binary mask: row-major `[UInt8]` of `width * height` values, 0 (background) or 1 (foreground).
///
/// `pixels[y * width + x]` is the value at row `y`, column `x`. Any non-zero value counts as
/// foreground when a mask is drawn or written.
public struct MaskImage: Sendable, Equatable {
    /// Number of columns.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// Row-major values, 0 or 1.
    public var pixels: [UInt8]

    /// Creates a mask, checking that `pixels.count == width * height`.
    ///
    /// - Throws: ``MedImageIOError/invalidImage(_:)`` if the sizes disagree or are not positive.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0 else {
            throw MedImageIOError.invalidImage("mask size \(width)x\(height) must be positive")
        }
        guard pixels.count == width * height else {
            throw MedImageIOError.invalidImage(
                "mask has \(pixels.count) values for \(width)x\(height) (expected \(width * height))")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Creates a mask whose size the caller has already established (e.g. a model output of known
    /// shape); a size mismatch is a programming error (precondition), not a user error.
    public init(uncheckedWidth width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An empty (all background) mask.
    public init(zerosWidth width: Int, height: Int) {
        self.init(
            uncheckedWidth: max(width, 0), height: max(height, 0),
            pixels: [UInt8](repeating: 0, count: max(width, 0) * max(height, 0)))
    }

    /// The value at row `y`, column `x`.
    public subscript(y: Int, x: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// Number of foreground pixels.
    public var foregroundCount: Int { pixels.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }

    /// The mask as an 8-bit grey image with values 0 and 255, ready for ``PNG/write(_:to:)-(MaskImage,_)``.
    public func image255() -> MedicalImage {
        MedicalImage(
            uncheckedWidth: width, height: height, channels: 1, bitDepth: 8,
            pixels: pixels.map { $0 != 0 ? 255 : 0 })
    }
}
