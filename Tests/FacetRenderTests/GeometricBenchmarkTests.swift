import FacetMedia
import FacetRender
import FacetTestSupport
import Foundation
import XCTest

/// Runs the renderer's benchmark on the astronaut placed in a 1280x720 YUV 4:2:0 frame; prints the
/// timings (no timed assertion: the numbers depend on the machine and the build configuration).
final class GeometricBenchmarkTests: XCTestCase {
    func testBenchmarkRendersTheAstronautAt720p() throws {
        let model = try SurreyModel.load()
        let astronaut = try ImageIO.readImage(try SharedData.require("media/astronaut.png"))
        var canvas = RGBImage(width: 1280, height: 720, red: 90, green: 100, blue: 110)
        let left = (1280 - astronaut.width) / 2, top = (720 - astronaut.height) / 2
        for y in 0..<min(astronaut.height, 720) { for x in 0..<astronaut.width { canvas[left + x, max(0, top) + y] = astronaut[x, y] } }
        let frame = try TestFrames.yuvFrame(canvas)
        let timings = try GeometricRenderer(model: model).benchmark(frame: frame, faceHeight: 175, renders: 20)
        print(timings)
        XCTAssertEqual(timings.renders, 20)
        XCTAssertGreaterThan(timings.meanMilliseconds, 0)
        XCTAssertTrue(timings.description.contains("ms per face"))
    }
}
