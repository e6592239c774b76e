import ArgumentParser
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import PromptUncertainty
import SeededSampling

/// `p2sam medsamu`: MedSAM-U's training-free part (UGMP + UGPA) on one image and box.
struct MedSAMUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medsamu",
        abstract: "MedSAM-U: uncertainty-guided multi-prompt (UGMP) and prompt adaptation (UGPA).",
        discussion: """
            UGMP decodes --box-count boxes drawn from N(box, σ²) per coordinate (σ = --jitter × side, at \
            least one model pixel; clipped) and takes the mean probability and its entropy (bits). UGPA \
            refines the box to the bounding box of entropy > 0.5·max, adds the --points most uncertain \
            pixels as positive points (default 0: LiteMedSAM was trained on boxes only), re-runs UGMP and \
            accepts the result only if the mean entropy drops (--rounds rounds at most). Writes \
            DIR/initial.png, DIR/refined.png (the refined attempt of the last round), DIR/final.png (the \
            accepted output), DIR/entropy_initial.png, DIR/entropy_refined.png and DIR/prompts.png (initial \
            box cyan, refined box orange, points green). A box partly outside the image is clipped (a note \
            is printed); entirely outside or zero width/height is an error (negative coordinates are accepted: --box -5,10,40,60).
            """)

    @Option(help: "Input image (PNG).")
    var image: String

    @Option(parsing: .unconditional, help: "Box prompt x0,y0,x1,y1 in image pixels.")
    var box: BoxArgument

    @Option(help: "Top-k uncertain points added when refining (0 = boxes only).")
    var points = 0

    @Option(
        name: .customLong("point-spacing"),
        help: "Minimum distance between points, in model (256) pixels; 0 = literal top-k.")
    var pointSpacing = 0.0

    @Option(name: .customLong("box-count"), help: "Boxes per UGMP ensemble.")
    var boxCount = 3

    @Option(help: "Box jitter σ as a fraction of the box side.")
    var jitter = 0.05

    @Option(help: "Maximum refinement rounds.")
    var rounds = 1

    @Option(parsing: .unconditional, help: "Random seed (GSL mt19937).")
    var seed: UInt64 = 1

    @Option(help: "Output folder (created).")
    var output: String

    @OptionGroup var model: ModelOptions

    func validate() throws {
        if boxCount < 1 { throw ValidationError("--box-count must be at least 1 (got \(boxCount))") }
        if !(0...Prompt.maximumPointCount).contains(points) {
            throw ValidationError("--points must be 0…\(Prompt.maximumPointCount) (got \(points))")
        }
        if rounds < 0 { throw ValidationError("--rounds must be >= 0") }
    }

    func run() throws {
        try runWithExit {
            let input = try BoxedImageInput.load(image: image, box: box, output: output)
            let (picture, checkedBox) = (input.picture, input.box)
            let segmenter = try LiteMedSAMSegmenter(predictor: try model.loadPredictor(), picture: picture)
            let adaptation = PromptAdaptation(
                ensemble: MultiPromptEnsemble(boxCount: boxCount, jitterFraction: jitter),
                pointCount: points, pointSpacing: pointSpacing, maxRounds: rounds)
            let result = try adaptation.run(segmenter, box: checkedBox, random: SeededRandom(seed: seed))
            let dir = try URSAMCommandOutput.folder(output)
            let (w, h) = (picture.width, picture.height)
            let attempt = result.rounds.last?.result ?? result.initial
            try PNG.write(result.initial.mask.maskImage(), to: dir + "/initial.png")
            try PNG.write(attempt.mask.maskImage(), to: dir + "/refined.png")
            try PNG.write(result.final.mask.maskImage(), to: dir + "/final.png")
            var initialScale = Visualization.HeatMapScale.entropy
            var refinedScale = Visualization.HeatMapScale.entropy
            initialScale.title = "ENTROPY, INITIAL BOXES (BITS)"
            refinedScale.title = "ENTROPY, REFINED PROMPTS (BITS)"
            try PNG.write(
                Visualization.heatMapFigure(
                    result.initial.statistics.entropy, width: w, height: h, over: picture,
                    scale: initialScale, colorMap: .magmaLike), to: dir + "/entropy_initial.png")
            try PNG.write(
                Visualization.heatMapFigure(
                    attempt.statistics.entropy, width: w, height: h, over: picture,
                    scale: refinedScale, colorMap: .magmaLike), to: dir + "/entropy_refined.png")
            try PNG.write(try MedSAMUCommandDrawing.prompts(picture, result: result), to: dir + "/prompts.png")
            print(String(format: "initial mean entropy %.5f bits", result.initial.meanEntropy))
            for (i, round) in result.rounds.enumerated() {
                print(
                    String(
                        format: "round %d: box [%.1f, %.1f, %.1f, %.1f]%@, %d points, mean entropy %.5f bits: %@",
                        i + 1,
                        round.box.x0, round.box.y0, round.box.x1, round.box.y1,
                        round.keptPreviousBox ? " (no uncertainty region: previous box kept)" : "",
                        round.points.count, round.result.meanEntropy, round.accepted ? "accepted" : "rejected"))
            }
            print(
                "refinement \(result.accepted ? "accepted" : "not accepted"); final mask \(result.final.mask.foregroundCount) px"
            )
            print(
                "wrote \(dir)/initial.png, refined.png, final.png, entropy_initial.png, entropy_refined.png, prompts.png"
            )
        }
    }
}

/// The prompts picture of `medsamu`.
enum MedSAMUCommandDrawing {
    /// The image with the final mask (yellow), the initial box (cyan) and the last refined box (orange)
    /// with its points, enlarged to at least 512 px, with a legend.
    static func prompts(_ picture: MedicalImage, result: PromptAdaptation.Result) throws -> MedicalImage {
        var style = Visualization.OverlayStyle()
        var drawn = try Visualization.overlay(
            picture, mask: result.final.mask.maskImage(), box: result.initialBox, style: style)
        var legend: [(String, RGBColor)] = [
            ("FINAL MASK (\(result.accepted ? "REFINED" : "INITIAL"))", .yellow), ("INITIAL BOX", .cyan),
        ]
        if let round = result.rounds.last {
            style.boxColor = .orange
            drawn = try Visualization.overlay(drawn, box: round.box, points: round.points, style: style)
            legend.append(("REFINED BOX", .orange))
            if !round.points.isEmpty {
                legend.append(("+ POINT", .green))
                legend.append(("- POINT", .red))
            }
        }
        return Visualization.legendFigure(drawn, entries: legend)
    }
}
