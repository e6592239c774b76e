import Foundation

extension NIfTIVolume {
    /// One voxel's volume in millilitres: |det| of ``spatialMatrix`` in the header's spatial unit
    /// (`xyzt_units & 7`: 1 metre, 2 millimetre, 3 micrometre), converted to mL (1 mL = 1000 mm³).
    /// `nil` when the unit is unknown (0 or another code) or the volume is not a finite positive number,
    /// so nothing is reported in a unit the file does not state.
    public var voxelMillilitres: Double? {
        let millimetres: Double
        switch header[123] & 7 {
        case 1: millimetres = 1000
        case 2: millimetres = 1
        case 3: millimetres = 0.001
        default: return nil
        }
        let cubicMillimetres = abs(spatialDeterminant) * millimetres * millimetres * millimetres
        guard cubicMillimetres.isFinite, cubicMillimetres > 0 else { return nil }
        return cubicMillimetres / 1000
    }
}
