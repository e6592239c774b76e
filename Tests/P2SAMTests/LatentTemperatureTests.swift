import Foundation
import LiteMedSAM
import P2SAM
import SAMLayers
import SAMTensor
import XCTest

/// The latent temperature (metadata `latent_temperature`, `P2SAMConfiguration.latentTemperature`): the sampler
/// draws z = μ + τ σ ε with the same ε for every τ, files without the key keep τ = 1, bad values are refused, and
/// `scripts/scale-latent-deviation.py` changes only that key (multiplying it) and the notes.
final class LatentTemperatureTests: XCTestCase {
    let base = ["format": "p2sam-v1", "injection": "sparse", "prompt": "full-box"]

    func testLatentsScaleTheDeviationByTheTemperatureWithTheSameNoise() {
        let mean: [Float] = [0.5, -1, 2, 0]
        let sigma: [Float] = [1, 148, 0.01, 3]
        let one = P2SAMSampler.latents(mean: mean, standardDeviation: sigma, count: 3, seed: 9)
        let cooled = P2SAMSampler.latents(mean: mean, standardDeviation: sigma, temperature: 0.1, count: 3, seed: 9)
        XCTAssertEqual(one.count, 3)
        XCTAssertNotEqual(one[0], one[1], "samples draw their own noise")
        for k in 0..<3 {
            for d in 0..<4 {
                XCTAssertEqual(cooled[k][d] - mean[d], 0.1 * (one[k][d] - mean[d]), accuracy: 1e-4 * max(1, sigma[d]))
            }
        }
    }

    func testConfigurationReadsWritesAndRefusesTheTemperature() throws {
        XCTAssertEqual(try P2SAMConfiguration(metadata: base).latentTemperature, 1)
        XCTAssertNil(try P2SAMConfiguration(metadata: base).metadata["latent_temperature"])
        var cooled = base
        cooled["latent_temperature"] = "0.05"
        let configuration = try P2SAMConfiguration(metadata: cooled)
        XCTAssertEqual(configuration.latentTemperature, 0.05)
        XCTAssertEqual(try P2SAMConfiguration(metadata: configuration.metadata), configuration)
        let decoded = try JSONDecoder().decode(P2SAMConfiguration.self, from: JSONEncoder().encode(configuration))
        XCTAssertEqual(decoded, configuration)
        for bad in ["0", "-1", "abc", "inf", "nan", ""] {
            cooled["latent_temperature"] = bad
            XCTAssertThrowsError(try P2SAMConfiguration(metadata: cooled), bad) { error in
                XCTAssertTrue("\(error)".contains("latent_temperature"), "\(error)")
            }
        }
    }

    /// A model file with `latent_temperature` makes `P2SAMSampler.latents(for:count:seed:)` scale σ (needs
    /// Models/lite_medsam.pth, like the other sampler tests).
    func testSamplerUsesTheModelFilesTemperature() throws {
        let encoder = try IdentityModel.encoder()
        let tensors = try IdentityModel.tensors(injection: .sparse)
        var metadata = IdentityModel.metadata(injection: .sparse)
        let plain = P2SAMSampler(
            model: try P2SAMModel(file: try P2SAMModelFile(tensors: tensors, metadata: metadata), imageEncoder: encoder)
        )
        metadata["latent_temperature"] = "0.25"
        let cooled = P2SAMSampler(
            model: try P2SAMModel(file: try P2SAMModelFile(tensors: tensors, metadata: metadata), imageEncoder: encoder)
        )
        XCTAssertEqual(cooled.model.configuration.latentTemperature, 0.25)
        let prepared = try plain.prepare(P2SAMSamplerTests.image)
        let z1 = plain.latents(for: prepared, count: 2, seed: 4)
        let z2 = cooled.latents(for: prepared, count: 2, seed: 4)
        for k in 0..<2 {
            for d in [0, 17, 255] {
                XCTAssertEqual(z2[k][d] - prepared.mean[d], 0.25 * (z1[k][d] - prepared.mean[d]), accuracy: 1e-5)
            }
        }
        // A caller's temperature (`sample --latent-temperature`) overrides the file's: τ = 1 gives the plain
        // model's latents, τ = 0.5 half its deviation.
        var overridden = cooled
        overridden.latentTemperature = 1
        XCTAssertEqual(overridden.latents(for: prepared, count: 2, seed: 4), z1)
        overridden.latentTemperature = 0.5
        let z3 = overridden.latents(for: prepared, count: 2, seed: 4)
        for k in 0..<2 {
            for d in [0, 17, 255] {
                XCTAssertEqual(z3[k][d] - prepared.mean[d], 0.5 * (z1[k][d] - prepared.mean[d]), accuracy: 1e-5)
            }
        }
    }

    /// Runs the script (skipped where python3 is missing) on a small safetensors file.
    func testScriptMultipliesTheTemperatureAndCopiesTheTensors() throws {
        guard
            let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { throw XCTSkip("python3 not found") }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/scale-latent-deviation.py")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("latent-temperature-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bias: [Float] = [1, 2, -2.3, -1]
        let other: [Float] = [5, 6]
        let headerJSON =
            #"{"__metadata__":{"format":"p2sam-v1","notes":"n","latent_temperature":"0.5"},"#
            + #""other":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
            + #""pgn.head.bias":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#
        var file = Data()
        var length = UInt64(headerJSON.utf8.count).littleEndian
        file.append(Data(bytes: &length, count: 8))
        file.append(Data(headerJSON.utf8))
        for v in other + bias {
            var bits = v.bitPattern.littleEndian
            file.append(Data(bytes: &bits, count: 4))
        }
        let input = folder.appendingPathComponent("in.safetensors")
        try file.write(to: input)

        func run(_ tau: String, output: URL) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script.path, input.path, output.path, tau]
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        let output = folder.appendingPathComponent("out.safetensors")
        XCTAssertEqual(try run("0.5", output: output), 0)
        let written = try Data(contentsOf: output)
        let headerLength = Int(written.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian)
        let header = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: written.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        let metadata = try XCTUnwrap(header["__metadata__"] as? [String: String])
        XCTAssertEqual(metadata["latent_temperature"].flatMap(Double.init), 0.25)
        XCTAssertEqual(metadata["format"], "p2sam-v1")
        XCTAssertTrue(metadata["notes"]?.hasPrefix("n; latent temperature 0.25") == true, metadata["notes"] ?? "")
        XCTAssertEqual(
            written.subdata(in: (8 + headerLength)..<written.count),
            file.subdata(in: (8 + headerJSON.utf8.count)..<file.count))

        // A non-positive temperature is refused and writes nothing.
        let refused = folder.appendingPathComponent("refused.safetensors")
        XCTAssertNotEqual(try run("0", output: refused), 0)
        XCTAssertNotEqual(try run("abc", output: refused), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refused.path))
    }
}
