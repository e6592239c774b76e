import ArgumentParser
import Foundation
import LiteMedSAM
import MedImageIO
import TorchCheckpoint

/// `p2sam embed`: the LiteMedSAM image embedding of one image, as a NumPy file.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Write the LiteMedSAM image embedding of an image.",
        discussion: "The output is a NumPy v1 .npy file, little-endian float32, shape (1, 256, 64, 64), readable by numpy.load.")

    @Option(help: "Input image (PNG: 8/16-bit grey, RGB or RGBA).")
    var image: String

    @Option(help: "Output .npy file.")
    var output: String

    @OptionGroup var model: ModelOptions

    func run() throws {
        let predictor = try model.loadPredictor()
        let picture = try PNG.read(contentsOf: image)
        let embedded = try predictor.embed(picture)
        let tensor = embedded.embeddingNCHW()
        try NPY.write(try NumpyArray(float32: tensor.storage, shape: tensor.shape), to: URL(fileURLWithPath: output))
        print("wrote \(output): float32 (1, 256, 64, 64) embedding of \(image) (\(picture.width)x\(picture.height))")
    }
}
