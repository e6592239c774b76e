import FuzzSupport
import LiteMedSAM
import MedImageIO

// PNG decode, then LiteMedSAM preprocessing of what decodes (up to 1 Mpixel, to keep runs fast).
FuzzDriver.run { bytes in
    guard let image = try? PNG.decode(bytes, name: "fuzz.png") else { return }
    guard image.width * image.height <= 1 << 20 else { return }
    _ = try? LiteMedSAMPreprocessor.preprocess(image)
}
