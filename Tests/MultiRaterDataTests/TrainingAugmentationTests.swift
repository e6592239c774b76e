import MultiRaterData
import MultiRaterMetrics
import XCTest

/// `--augment`: the eight views of the pixel grid, checked against hand-written results on a 3 × 2 image.
final class TrainingAugmentationTests: XCTestCase {
    /// Values 0...5 row-major on a 3-wide, 2-high grid:
    /// ```
    /// 0 1 2
    /// 3 4 5
    /// ```
    func grid() throws -> CaseImage { try CaseImage(width: 3, height: 2, pixels: (0..<6).map(Float.init)) }

    func testEachViewMovesPixelsAsStated() throws {
        let expected: [GeometricView: (width: Int, pixels: [Float])] = [
            .identity: (3, [0, 1, 2, 3, 4, 5]),
            .flipHorizontal: (3, [2, 1, 0, 5, 4, 3]),
            .flipVertical: (3, [3, 4, 5, 0, 1, 2]),
            .rotate180: (3, [5, 4, 3, 2, 1, 0]),
            // 0 3 / 1 4 / 2 5
            .transpose: (2, [0, 3, 1, 4, 2, 5]),
            // clockwise: 3 0 / 4 1 / 5 2
            .rotate90: (2, [3, 0, 4, 1, 5, 2]),
            // counter-clockwise: 2 5 / 1 4 / 0 3
            .rotate270: (2, [2, 5, 1, 4, 0, 3]),
            // 5 2 / 4 1 / 3 0
            .antiTranspose: (2, [5, 2, 4, 1, 3, 0]),
        ]
        XCTAssertEqual(Set(expected.keys), Set(GeometricView.allCases))
        for (view, want) in expected {
            let seen = try view.apply(to: try grid())
            XCTAssertEqual(seen.width, want.width, "\(view)")
            XCTAssertEqual(seen.height, 6 / want.width, "\(view)")
            XCTAssertEqual(seen.pixels, want.pixels, "\(view)")
        }
    }

    func testChannelsMoveTogetherAndMasksFollowTheImage() throws {
        // RGB: channel k of pixel p holds 10·p + k.
        let rgb = try CaseImage(
            width: 3, height: 2, channels: 3, pixels: (0..<6).flatMap { p in (0..<3).map { Float(10 * p + $0) } })
        let turned = try GeometricView.rotate90.apply(to: rgb)
        XCTAssertEqual(Array(turned.pixels.prefix(6)), [30, 31, 32, 0, 1, 2])
        // A mask marking the pixels 1 and 5 of the grid lands where the image's values 1 and 5 land, in every view.
        let mask = try BinaryMask(width: 3, height: 2, bools: [false, true, false, false, false, true])
        for view in GeometricView.allCases {
            let image = try view.apply(to: try grid())
            let seen = try view.apply(to: mask)
            XCTAssertEqual(seen.width, image.width)
            let marked = (0..<image.pixels.count).filter { seen[$0 % seen.width, $0 / seen.width] }
            XCTAssertEqual(marked.map { image.pixels[$0] }.sorted(), [1, 5], "\(view)")
        }
    }

    func testExpansionKeepsCaseOrderGroupsAndNamesEachView() throws {
        let mask = try BinaryMask(width: 3, height: 2, bools: [true, false, false, false, false, false])
        let cases = try ["a", "b"].enumerated().map { index, id in
            try MultiRaterCase(
                image: try grid(), raters: [mask, BinaryMask(width: 3, height: 2)],
                metadata: CaseMetadata(caseID: id, groupID: "patient-\(id)", sourceIndex: index))
        }
        XCTAssertEqual(try TrainingAugmentation.none.expand(cases).map(\.metadata.caseID), ["a", "b"])
        let flips = try TrainingAugmentation.flips.expand(cases)
        XCTAssertEqual(
            flips.map(\.metadata.caseID),
            ["a", "a~flip-h", "a~flip-v", "a~rot180", "b", "b~flip-h", "b~flip-v", "b~rot180"])
        XCTAssertEqual(
            flips.map(\.metadata.groupID),
            Array(repeating: "patient-a", count: 4) + Array(repeating: "patient-b", count: 4))
        XCTAssertEqual(flips[1].raters[0].foregroundCount, 1)
        XCTAssertTrue(flips[1].raters[0][2, 0], "the top-left pixel moves to the top right")
        XCTAssertTrue(flips[1].raters[1].isEmpty, "an empty rater stays empty")
        XCTAssertEqual(try TrainingAugmentation.dihedral.expand(cases).count, 16)
        XCTAssertEqual(Set(try TrainingAugmentation.dihedral.expand(cases).map(\.metadata.caseID)).count, 16)
    }

    func testLabelMapViewsMoveClassIdsWithTheImageAndNameEachView() throws {
        // Class 2 at the grid's value 1, class 7 at its value 5: wherever a view moves those pixels, the ids follow.
        let slice = try LabelMapCase(caseID: "s1", image: try grid(), labels: [0, 2, 0, 0, 0, 7])
        let views = try TrainingAugmentation.dihedral.expand([slice])
        XCTAssertEqual(views.map(\.caseID), GeometricView.allCases.map { $0 == .identity ? "s1" : "s1~\($0.rawValue)" })
        for (view, seen) in zip(GeometricView.allCases, views) {
            XCTAssertEqual(seen.labels.count, seen.width * seen.height, "\(view)")
            XCTAssertEqual(seen.width, try view.apply(to: try grid()).width, "\(view)")
            for (index, id) in seen.labels.enumerated() where id != 0 {
                XCTAssertEqual(seen.image.pixels[index], id == 2 ? 1 : 5, "\(view)")
            }
            XCTAssertEqual(seen.presentClasses, [2, 7], "\(view)")
        }
        XCTAssertEqual(try TrainingAugmentation.flips.expand([slice, slice]).count, 8)
        XCTAssertThrowsError(try LabelMapCase(caseID: "short", image: try grid(), labels: [0, 1])) { error in
            XCTAssertTrue("\(error)".contains("2 class ids for a 3x2 image"), "\(error)")
        }
    }
}
