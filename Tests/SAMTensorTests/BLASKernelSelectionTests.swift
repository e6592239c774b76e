import SAMTensor
import XCTest

final class BLASKernelSelectionTests: XCTestCase {
    let avx512: Set<String> = ["fma", "avx2", "avx512f", "avx512dq", "avx512bw", "avx512vl"]

    func testRecommendsAVX512KernelsOnlyWhenUseful() {
        XCTAssertEqual(
            BLASKernelSelection.recommendedCoreType(environment: [:], runningCore: "Haswell", cpuFlags: avx512),
            "SKYLAKEX")
        XCTAssertNil(
            BLASKernelSelection.recommendedCoreType(environment: [:], runningCore: "SkylakeX", cpuFlags: avx512))
        XCTAssertNil(
            BLASKernelSelection.recommendedCoreType(
                environment: [:], runningCore: "Haswell", cpuFlags: ["fma", "avx2"]))
        XCTAssertNil(
            BLASKernelSelection.recommendedCoreType(
                environment: [BLASKernelSelection.reexecMarker: "SKYLAKEX"], runningCore: "Haswell", cpuFlags: avx512))
        XCTAssertNil(
            BLASKernelSelection.recommendedCoreType(
                environment: ["P2SAM_KEEP_BLAS_CORETYPE": "1"], runningCore: "Haswell", cpuFlags: avx512))
    }

    func testReportsTheRunningOpenBLAS() {
        XCTAssertTrue(BLASKernelSelection.configuration().contains("OpenBLAS"))
        XCTAssertNotEqual(BLASKernelSelection.coreName(), "unknown")
    }
}
