import ArgumentParser
import Foundation
import LiteMedSAM
import MedImageIO
import SAMTensor
import TorchCheckpoint

/// `p2sam segment`: one LiteMedSAM mask from a box and/or points.
struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Segment an image with LiteMedSAM from a box and/or points.",
        discussion: """
            Coordinates are pixels of the input image (x = column, y = row). The mask is written at the \
            image's own size (0/255). With --multimask the three multimask tokens are decoded and the one \
            with the highest predicted IoU is written (note: this checkpoint trained only the single-mask \
            token). --logits writes the raw decoder logits in the 256x256 model frame, shape (1, K, 256, 256), \
            K = 3 with --multimask, else 1. --mask-input gives a mask prompt: low-resolution logits (1, 256, 256) \
            in the same model frame (e.g. a previous --logits output, one mask), as SAM's mask_input; with it the \
            box and points become optional. --refine N runs SAM's iterative refinement: N more rounds, each fed \
            the previous round's best logits as the mask input.
            """)

    @Option(help: "Input image (PNG).")
    var image: String

    @Option(parsing: .unconditional, help: "Box prompt x0,y0,x1,y1 in image pixels.")
    var box: BoxArgument?

    @Option(
        name: .customLong("point"), parsing: .unconditionalSingleValue,
        help: "Point prompt x,y,label (label 1 = inside, 0 = outside); repeatable.")
    var points: [PointArgument] = []

    @Flag(help: "Decode the three multimask tokens instead of the single-mask token.")
    var multimask = false

    @Option(help: "Output mask PNG (0/255, image size).")
    var output: String

    @Option(help: "Also write the decoder logits (1, K, 256, 256) as .npy.")
    var logits: String?

    @Option(help: "Also write an overlay PNG (image, mask, prompts). Default: none.")
    var overlay: String?

    @Option(help: "Reuse an embedding written by `p2sam embed` instead of running the encoder.")
    var embedding: String?

    @Option(
        name: .customLong("mask-input"),
        help: "Mask prompt: .npy float logits of shape (1, 256, 256) in the 256x256 model frame (SAM's mask_input).")
    var maskInput: String?

    @Option(help: "Iterative refinement rounds after the first decode, each fed the previous logits (default 0).")
    var refine = 0

    @OptionGroup var model: ModelOptions

    @OptionGroup var precisionOption: PrecisionOption

    func validate() throws {
        if box == nil && points.isEmpty && maskInput == nil {
            throw ValidationError("give a --box, at least one --point, or a --mask-input")
        }
        guard (0...16).contains(refine) else { throw ValidationError("--refine must be 0…16") }
    }

    func run() throws {
        precisionOption.apply()
        let picture = try InputChecks.image(image)
        let prompt = ImagePrompt(box: box?.box, points: points.map(\.point))
        try InputChecks.prompt(prompt, for: picture)
        try InputChecks.outputFile(output, option: "--output")
        if let logits { try InputChecks.outputFile(logits, option: "--logits") }
        if let overlay { try InputChecks.outputFile(overlay, option: "--overlay") }
        let mask = try maskInput.map(Self.readMaskInput)
        let predictor = try model.loadPredictor()
        let embedded: EmbeddedImage
        if let embedding {
            let array = try NPY.read(contentsOf: URL(fileURLWithPath: embedding))
            guard array.dtype == .float32 else {
                throw ValidationError("\(embedding): dtype \(array.dtype.rawValue), expected float32")
            }
            embedded = try EmbeddedImage(
                nchw: Tensor(shape: array.shape, storage: array.floats()),
                originalHeight: picture.height, originalWidth: picture.width)
        } else {
            embedded = try predictor.embed(picture)
        }
        let result = try predictor.refine(
            embedded, prompt: prompt, rounds: refine, maskInput: mask, selection: multimask ? .multimask : .single
        ).last!
        let chosen = result.bestIndex
        try PNG.write(result.masks[chosen], to: output)
        if let logits {
            try NPY.write(
                try NumpyArray(float32: result.logits.storage, shape: [1] + result.logits.shape),
                to: URL(fileURLWithPath: logits))
        }
        if let overlay {
            let drawn = try Visualization.overlay(
                picture, mask: result.masks[chosen], box: prompt.box, points: prompt.points)
            // Small images are enlarged (nearest neighbour) to at least 512 px so the mask can be read.
            let factor = Visualization.displayFactor(width: drawn.width, height: drawn.height)
            try PNG.write(Visualization.enlarged(drawn, factor: factor), to: overlay)
        }
        let area = result.masks[chosen].foregroundCount
        let ious = result.iouPredictions.map { String(format: "%.3f", $0) }.joined(separator: ", ")
        print(
            "wrote \(output): \(area) foreground pixels of \(picture.width * picture.height); predicted IoU \(ious)\(multimask ? " (kept mask \(chosen + 1))" : "")"
        )
    }
}

extension SegmentCommand {
    /// Reads a mask prompt `.npy` (float logits, shape (1, 256, 256)); errors name the file.
    static func readMaskInput(_ path: String) throws -> MaskInput {
        let array = try NPY.read(contentsOf: URL(fileURLWithPath: path))
        guard [.float32, .float64, .float16].contains(array.dtype) else {
            throw ValidationError("--mask-input \(path): dtype \(array.dtype.rawValue), expected float logits")
        }
        do {
            return try MaskInput(logits: array.floats(), shape: array.shape)
        } catch {
            throw ValidationError("--mask-input \(path): \(error)")
        }
    }
}
