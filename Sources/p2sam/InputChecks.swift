import ArgumentParser
import Foundation
import LiteMedSAM
import MedImageIO

/// Checks run before a model loads or an epoch runs, so a bad image, prompt or output path fails in
/// a second instead of after the expensive part.
enum InputChecks {
    /// Reads the PNG at `path` and checks that LiteMedSAM can preprocess it (aspect ratio at most
    /// 512:1).
    static func image(_ path: String) throws -> MedicalImage {
        let picture = try PNG.read(contentsOf: path)
        try LiteMedSAMPreprocessor.validate(width: picture.width, height: picture.height, name: path)
        return picture
    }

    /// Checks that `prompt` lies inside `picture` and has at most `Prompt.maximumPointCount` points,
    /// exactly as the predictor will.
    static func prompt(_ prompt: ImagePrompt, for picture: MedicalImage) throws {
        _ = try Prompt(prompt, imageHeight: picture.height, imageWidth: picture.width)
    }

    /// Checks that a file can be written at `path`: not a folder, its folder created if needed
    /// (`OutputLocation`) and writable.
    static func outputFile(_ path: String, option: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw ValidationError("\(option) \(path) is a folder; give a file path")
        }
        do { try OutputLocation.prepareFiles(path) } catch let error as OutputLocationError {
            throw ValidationError("\(option) \(path): \(error.reason)")
        }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.isWritableFile(atPath: parent) else {
            throw ValidationError("\(option) \(path): the folder \(parent) is not writable")
        }
    }

    /// Creates the output folder `path` (and its parents) if needed (`OutputLocation`) and checks it is
    /// writable.
    static func outputFolder(_ path: String, option: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            throw ValidationError("\(option) \(path) is a file; give a folder")
        }
        do { try OutputLocation.prepareFolder(path) } catch let error as OutputLocationError {
            throw ValidationError("\(option) \(path): \(error.reason)")
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw ValidationError("\(option) \(path): the folder is not writable")
        }
    }
}
