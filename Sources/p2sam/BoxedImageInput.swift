import MedImageIO
import PromptUncertainty

/// The checked inputs of a command that runs on one image and one user box (`ursam`, `medsamu`).
struct BoxedImageInput {
    /// The decoded input image.
    var picture: MedicalImage
    /// The user box, clipped to the image when it was partly outside.
    var box: BoundingBox

    /// Reads `image`, checks `box` against it (clipping a box partly outside, with a printed note) and checks
    /// that `output` can be created, in that order, before any model is loaded.
    static func load(image: String, box: BoxArgument, output: String) throws -> BoxedImageInput {
        let picture = try InputChecks.image(image)
        let checked = try PromptBoxCheck.check(box.box, width: picture.width, height: picture.height)
        try InputChecks.outputFolder(output, option: "--output")
        if checked.wasClipped {
            print("note: box \(box.box.array) is partly outside the image; clipped to \(checked.box.array)")
        }
        return BoxedImageInput(picture: picture, box: checked.box)
    }
}
