// Loads LiteMedSAM (strictly, every key) and the bundled P²SAM model without naming a file. Prints where
// they were found; exits 1 with the library's error otherwise.
import Foundation
import P2SAMKit

do {
    let checkpoint = try LiteMedSAMCheckpoint.locate()
    let model = try LiteMedSAMModel()
    let p2sam = try P2SAMModel()
    print("checkpoint: \(checkpoint.standardizedFileURL.path)")
    print("p2sam model: \(try P2SAMModelLocation.locate().standardizedFileURL.path)")
    print("p2sam assembling weights: \(p2sam.assemblingWeights.count)")
    print("image encoder: \(model.imageEncoder.configuration.embedDims)")
} catch {
    print("error: \(error)")
    exit(1)
}
