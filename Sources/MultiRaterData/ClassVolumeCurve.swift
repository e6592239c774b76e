import Foundation

/// One class's volume over the frames of a 4-D segmentation (cine MR: x, y, slice, time), with the frames of
/// largest and smallest volume and the ejection fraction between them.
///
/// Convention: the end-diastolic frame (ED) is the frame of **largest** volume and the end-systolic frame (ES) the
/// frame of **smallest** volume (the first such frame on ties), and the ejection fraction is
/// `(EDV − ESV) / EDV` over the frames given. This is a ventricle's convention (the left or right ventricular
/// cavity fills at end-diastole); for any other class (myocardium, background structures) the same numbers are
/// computed but are no clinical ejection fraction. With frames from only part of the cycle the true ED or ES
/// may be missing, and the fraction underestimates.
public struct ClassVolumeCurve: Sendable, Equatable {
    /// The class id (label value).
    public var classID: Int
    /// The class's name.
    public var name: String
    /// The frames (0-based indices along the input's 4th dimension), in the order written.
    public var frames: [Int]
    /// Voxels labelled `classID` in each of ``frames``.
    public var voxels: [Int]
    /// One voxel's volume in mL, or `nil` when the header states no spatial unit.
    public var voxelMillilitres: Double?

    /// The curve of `classID` counted in label volumes.
    ///
    /// - Parameters:
    ///   - classID: the label value counted.
    ///   - name: the class's name.
    ///   - frames: the 0-based frame index of each label volume (at least one).
    ///   - labelFrames: one label volume per frame (class id per voxel).
    ///   - voxelMillilitres: one voxel's volume in mL (`NIfTIVolume.voxelMillilitres`), or `nil`.
    public init(classID: Int, name: String, frames: [Int], labelFrames: [[UInt8]], voxelMillilitres: Double?) {
        precondition(!frames.isEmpty && frames.count == labelFrames.count, "one label volume per frame")
        let value = UInt8(truncatingIfNeeded: classID)
        self.init(
            classID: classID, name: name, frames: frames,
            voxels: labelFrames.map { labels in labels.reduce(0) { $0 + ($1 == value ? 1 : 0) } },
            voxelMillilitres: voxelMillilitres)
    }

    /// A curve from voxel counts.
    ///
    /// - Parameters:
    ///   - classID: the class id.
    ///   - name: the class's name.
    ///   - frames: the 0-based frame indices (at least one).
    ///   - voxels: the class's voxels in each frame.
    ///   - voxelMillilitres: one voxel's volume in mL, or `nil`.
    public init(classID: Int, name: String, frames: [Int], voxels: [Int], voxelMillilitres: Double?) {
        precondition(!frames.isEmpty && frames.count == voxels.count, "one count per frame")
        self.classID = classID
        self.name = name
        self.frames = frames
        self.voxels = voxels
        self.voxelMillilitres = voxelMillilitres
    }

    /// The volume in mL per frame, or `nil` without a spatial unit.
    public var millilitres: [Double]? { voxelMillilitres.map { unit in voxels.map { Double($0) * unit } } }

    /// Position in ``frames`` of the largest volume (first on ties).
    var largest: Int { voxels.indices.max { voxels[$0] < voxels[$1] || (voxels[$0] == voxels[$1] && $0 > $1) }! }
    /// Position in ``frames`` of the smallest volume (first on ties).
    var smallest: Int { voxels.indices.min { voxels[$0] < voxels[$1] || (voxels[$0] == voxels[$1] && $0 < $1) }! }

    /// The end-diastolic frame: the frame index of the largest volume (first on ties).
    public var endDiastolicFrame: Int { frames[largest] }
    /// The end-systolic frame: the frame index of the smallest volume (first on ties).
    public var endSystolicFrame: Int { frames[smallest] }
    /// `(EDV − ESV) / EDV` from the voxel counts, or `nil` when the class is empty in every frame or only one
    /// frame was segmented.
    public var ejectionFraction: Double? {
        let (diastolic, systolic) = (voxels[largest], voxels[smallest])
        return diastolic > 0 && frames.count > 1 ? Double(diastolic - systolic) / Double(diastolic) : nil
    }

    /// `volumes.csv` for `curves`: a header line `frame,class_id,class_name,voxels,ml`, then one row per frame
    /// and class (frames in the order written, classes in the order given); `ml` is empty without a spatial unit
    /// (6 decimals otherwise). Class names are quoted when they hold a comma or a quote.
    ///
    /// - Parameter curves: the classes' curves, all over the same frames.
    /// - Returns: the CSV text, lines ending in `\n`.
    public static func csv(_ curves: [ClassVolumeCurve]) -> String {
        var lines = ["frame,class_id,class_name,voxels,ml"]
        for position in (curves.first?.frames ?? []).indices {
            for curve in curves {
                let name =
                    curve.name.contains(where: { $0 == "," || $0 == "\"" })
                    ? "\"" + curve.name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : curve.name
                let millilitres = curve.millilitres.map { String(format: "%.6f", $0[position]) } ?? ""
                lines.append(
                    "\(curve.frames[position]),\(curve.classID),\(name),\(curve.voxels[position]),\(millilitres)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
