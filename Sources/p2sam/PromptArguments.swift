import ArgumentParser
import Foundation
import MedImageIO

/// `x0,y0,x1,y1` in pixels of the input image.
struct BoxArgument: ExpressibleByArgument {
    let box: BoundingBox

    init?(argument: String) {
        let parts = argument.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, let x0 = parts[0], let y0 = parts[1], let x1 = parts[2], let y1 = parts[3],
            [x0, y0, x1, y1].allSatisfy({ $0.isFinite })
        else { return nil }
        box = BoundingBox(x0: x0, y0: y0, x1: x1, y1: y1)
    }

    static var defaultValueDescription: String { "x0,y0,x1,y1" }
}

/// `x,y,label` in pixels of the input image; label 1 = positive (inside), 0 = negative.
struct PointArgument: ExpressibleByArgument {
    let point: PromptPoint

    init?(argument: String) {
        let parts = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 3, let x = Double(parts[0]), let y = Double(parts[1]), x.isFinite, y.isFinite,
            parts[2] == "0" || parts[2] == "1"
        else { return nil }
        point = PromptPoint(x: x, y: y, isPositive: parts[2] == "1")
    }
}

extension String {
    /// `path` with `suffix` inserted before the extension: `a/b.png` + `_overlay` → `a/b_overlay.png`.
    func insertingSuffix(_ suffix: String) -> String {
        let url = URL(fileURLWithPath: self)
        let ext = url.pathExtension
        let base = url.deletingPathExtension().path
        return ext.isEmpty ? base + suffix : "\(base)\(suffix).\(ext)"
    }
}
