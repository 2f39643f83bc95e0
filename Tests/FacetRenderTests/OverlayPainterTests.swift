import FacetMedia
import FacetRender
import FacetSDK
import XCTest

@testable import FacetAnalysis

final class OverlayPainterTests: XCTestCase {
    private let white = OverlayColor(red: 255, green: 255, blue: 255)

    private func changedPixels(_ before: RGBImage, _ after: RGBImage) -> [(x: Int, y: Int)] {
        var changed: [(x: Int, y: Int)] = []
        for y in 0..<before.height {
            for x in 0..<before.width where before[x, y] != after[x, y] {
                changed.append((x, y))
            }
        }
        return changed
    }

    func testHorizontalLineCoversItsRowOnly() {
        let blank = RGBImage(width: 64, height: 32)
        var painter = OverlayPainter(image: blank, opacity: 1)
        painter.line(from: Point2(x: 10.5, y: 12.5), to: Point2(x: 50.5, y: 12.5), white)
        let changed = changedPixels(blank, painter.image)
        XCTAssertEqual(Set(changed.map(\.y)), [12])
        XCTAssertEqual(changed.map(\.x).min(), 10)
        XCTAssertEqual(changed.map(\.x).max(), 50)
        XCTAssertEqual(painter.image[30, 12].red, 255)
    }

    func testSteepDiagonalLineIsContinuous() {
        let blank = RGBImage(width: 40, height: 40)
        var painter = OverlayPainter(image: blank, opacity: 1)
        painter.line(from: Point2(x: 5, y: 2), to: Point2(x: 15, y: 35), white)
        let rows = Set(changedPixels(blank, painter.image).map(\.y))
        // A steep line touches every row between its ends: no gaps.
        for row in 2...34 { XCTAssertTrue(rows.contains(row), "row \(row) has no line pixel") }
    }

    func testShapesOutsideTheImageChangeNothing() {
        let blank = RGBImage(width: 20, height: 20)
        var painter = OverlayPainter(image: blank)
        painter.line(from: Point2(x: -100, y: -50), to: Point2(x: -10, y: 300), white)
        painter.line(from: Point2(x: .nan, y: 0), to: Point2(x: 5, y: 5), white)
        painter.dot(at: Point2(x: 500, y: 500), radius: 3, white)
        painter.box(FaceBox(x: 100, y: 100, width: 10, height: 10), white)
        XCTAssertTrue(changedPixels(blank, painter.image).isEmpty)
    }

    func testLineCrossingTheImageIsClippedNotDropped() {
        let blank = RGBImage(width: 20, height: 20)
        var painter = OverlayPainter(image: blank, opacity: 1)
        painter.line(from: Point2(x: -1000, y: 10.5), to: Point2(x: 1000, y: 10.5), white)
        XCTAssertEqual(changedPixels(blank, painter.image).count, 20)
    }

    func testDotIsRoundAndBounded() {
        let blank = RGBImage(width: 30, height: 30)
        var painter = OverlayPainter(image: blank, opacity: 1)
        painter.dot(at: Point2(x: 15, y: 15), radius: 3, white)
        let changed = changedPixels(blank, painter.image)
        XCTAssertEqual(painter.image[15, 15].green, 255)
        for pixel in changed {
            let distance =
                ((Float(pixel.x) + 0.5 - 15) * (Float(pixel.x) + 0.5 - 15) + (Float(pixel.y) + 0.5 - 15) * (Float(pixel.y) + 0.5 - 15))
                .squareRoot()
            XCTAssertLessThan(distance, 3.6, "pixel \(pixel) is outside the dot")
        }
        // About pi r^2 fully covered pixels, plus an anti-aliased rim.
        XCTAssertGreaterThan(changed.count, 24)
        XCTAssertLessThan(changed.count, 50)
    }

    func testLabelDrawsGlyphCells() {
        let blank = RGBImage(width: 40, height: 20)
        var painter = OverlayPainter(image: blank, opacity: 1)
        painter.label("1", at: Point2(x: 2, y: 2), scale: 2, white)
        // "1" has 8 lit cells of 2x2 pixels.
        XCTAssertEqual(changedPixels(blank, painter.image).count, 8 * 4)
        var other = OverlayPainter(image: blank, opacity: 1)
        other.label("8", at: Point2(x: 2, y: 2), scale: 1, white)
        XCTAssertEqual(changedPixels(blank, other.image).count, 13)
    }

    func testOpacityBlendsWithThePicture() {
        let grey = RGBImage(width: 8, height: 8, red: 100, green: 100, blue: 100)
        var painter = OverlayPainter(image: grey, opacity: 0.5)
        painter.blend(x: 3, y: 3, OverlayColor(red: 200, green: 0, blue: 100), amount: 1)
        XCTAssertEqual(painter.image[3, 3].red, 150)
        XCTAssertEqual(painter.image[3, 3].green, 50)
        XCTAssertEqual(painter.image[3, 3].blue, 100)
    }
}
