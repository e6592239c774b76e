import ArgumentParser
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import PromptUncertainty
import SeededSampling

extension UncertaintyRectification.LowerBound: ExpressibleByArgument {}

/// `p2sam ursam`: UR-SAM on one image and box (prompt augmentation, entropy, rectification).
struct URSAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ursam",
        abstract: "UR-SAM: ensemble of shifted boxes, entropy map and uncertainty-rectified mask.",
        discussion: """
            Each box coordinate is shifted by U[-r·L, r·L] with L = max(H, W) (the 256 model side in image \
            pixels), n times; the boxes are clipped to the image. A box partly outside the image is clipped \
            first (a note is printed); a box entirely outside, or with zero width/height, is an error (negative coordinates: write --box=-5,10,40,60). \
            Writes DIR/ensemble.png and DIR/rectified.png (0/255), DIR/entropy.png (entropy of the mean in \
            bits, 0..1, as a heat map), DIR/uncertain.png (M_unc, 0/255) and DIR/overlay.png. \
            T_unc = min(u) + min((S_ŷ + S_b) / 2 S_b, 1)·(max(u) - min(u)); uncertain pixels are kept iff \
            lower < x < alpha·I_t, lower = (I_t - I_b)/2 (literal) or (I_t + I_b)/2 (midpoint), x the \
            min-max normalised grey image, I_b taken inside the box dilated by 10 model pixels.
            """)

    @Option(help: "Input image (PNG).")
    var image: String

    @Option(parsing: .unconditional, help: "Box prompt x0,y0,x1,y1 in image pixels.")
    var box: BoxArgument

    @Option(help: "Number of shifted boxes n (>= 1).")
    var count = 3

    @Option(help: "Shift ratio r of the model side.")
    var ratio = 0.01

    @Option(parsing: .unconditional, help: "Random seed (GSL mt19937).")
    var seed: UInt64 = 1

    @Option(name: .customLong("lower-bound"), help: "Rectification lower bound: literal | midpoint.")
    var lowerBound: UncertaintyRectification.LowerBound = .literal

    @Option(help: "Upper factor alpha_h on I_t.")
    var alpha: Float = 1.2

    @Flag(
        name: .customLong("whole-image-background"), help: "Take I_b over the whole image instead of the dilated box.")
    var wholeImageBackground = false

    @Option(help: "Output folder (created).")
    var output: String

    @OptionGroup var model: ModelOptions

    func validate() throws {
        if count < 1 { throw ValidationError("--count must be at least 1 (got \(count))") }
        if !(ratio >= 0) { throw ValidationError("--ratio must be >= 0") }
    }

    func run() throws {
        try runWithExit {
            let input = try BoxedImageInput.load(image: image, box: box, output: output)
            let (picture, checkedBox) = (input.picture, input.box)
            let predictor = try model.loadPredictor()
            let segmenter = try LiteMedSAMSegmenter(predictor: predictor, picture: picture)
            let method = URSAM(
                count: count, ratio: ratio,
                rectification: UncertaintyRectification(
                    lowerBound: lowerBound, upperFactor: alpha,
                    background: wholeImageBackground ? .wholeImage : .dilatedBox(modelPixels: 10)))
            let result = try method.run(
                segmenter, intensity: IntensityMap(picture), box: checkedBox, random: SeededRandom(seed: seed))
            let dir = try URSAMCommandOutput.folder(output)
            let (w, h) = (picture.width, picture.height)
            try PNG.write(result.ensemble.maskImage(), to: dir + "/ensemble.png")
            try PNG.write(result.rectified.mask.maskImage(), to: dir + "/rectified.png")
            try PNG.write(result.rectified.uncertain.maskImage(), to: dir + "/uncertain.png")
            try PNG.write(
                Visualization.heatMapFigure(
                    result.statistics.entropy, width: w, height: h, over: picture, scale: .entropy,
                    colorMap: .magmaLike), to: dir + "/entropy.png")
            try PNG.write(
                Visualization.enlarged(
                    try Visualization.overlay(picture, mask: result.rectified.mask.maskImage(), box: checkedBox),
                    factor: Visualization.displayFactor(width: picture.width, height: picture.height)),
                to: dir + "/overlay.png")
            let r = result.rectified
            print(
                String(
                    format: "T_unc = %.4f bits (area factor %.3f; entropy range %.4f-%.4f bits)", r.threshold,
                    r.areaFactor,
                    result.statistics.entropy.min() ?? 0, result.statistics.entropy.max() ?? 0))
            print(
                "uncertain pixels: \(r.uncertain.foregroundCount); ensemble \(result.ensemble.foregroundCount) px -> rectified \(r.mask.foregroundCount) px"
                    + (r.applied
                        ? ""
                        : " (rectification not applied: uniform image, or no certain target/background or uncertain pixel)")
            )
            print("wrote \(dir)/ensemble.png, entropy.png, rectified.png, uncertain.png, overlay.png")
        }
    }
}

/// Output helpers shared by `ursam` and `medsamu`.
enum URSAMCommandOutput {
    /// Creates `path` (and parents) and returns it.
    static func folder(_ path: String) throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
