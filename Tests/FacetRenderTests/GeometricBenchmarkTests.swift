import FacetMedia
import FacetRender
import FacetTestSupport
import Foundation
import XCTest

/// The renderer's benchmark (`GeometricRenderer.benchmark`, what `make bench-apply` and the docs'
/// per-face costs rest on) times a real render of the face it was asked for: the pixels it changes
/// on a 1280x720 YUV 4:2:0 frame form one region around the frame's centre whose size follows the
/// requested face height, and nothing beyond it changes. The timings are printed, not asserted
/// (they depend on the machine and the build configuration).
final class GeometricBenchmarkTests: XCTestCase {
    /// The bounding box of the luma samples that differ between two frames, and their count.
    private struct Changes {
        var count = 0
        var minX = Int.max, maxX = Int.min, minY = Int.max, maxY = Int.min
        var width: Int { maxX - minX + 1 }
        var height: Int { maxY - minY + 1 }
        var centre: (x: Double, y: Double) { (Double(minX + maxX) / 2, Double(minY + maxY) / 2) }
    }

    /// Runs the benchmark on a fresh textured 1280x720 frame (every warp shows in it) and returns
    /// the timings with the luma changes it left.
    private func benchmark(faceHeight: Float, renders: Int) throws -> (GeometricRenderTimings, Changes) {
        let model = try SurreyModel.load()
        let scene = GeometricTestScene(model: model, width: 1280, height: 720)
        let frame = try TestFrames.yuvFrame(scene.texturedImage())
        let width = try TestFrames.geometry(frame)[0].width
        let before = try TestFrames.planes(frame)[0]
        let timings = try GeometricRenderer(model: model).benchmark(frame: frame, faceHeight: faceHeight, renders: renders)
        let after = try TestFrames.planes(frame)[0]
        var changes = Changes()
        for index in before.indices where before[index] != after[index] {
            let (x, y) = (index % width, index / width)
            changes.count += 1
            changes.minX = min(changes.minX, x); changes.maxX = max(changes.maxX, x)
            changes.minY = min(changes.minY, y); changes.maxY = max(changes.maxY, y)
        }
        return (timings, changes)
    }

    func testBenchmarkRendersTheFaceItWasGivenAt720p() throws {
        let (timings, changes) = try benchmark(faceHeight: 175, renders: 20)
        print(timings)
        XCTAssertEqual(timings.renders, 20)
        XCTAssertGreaterThan(timings.medianMilliseconds, 0)
        XCTAssertLessThanOrEqual(timings.medianMilliseconds, timings.p95Milliseconds)

        // A turned head moves a region around the centre of the frame, about as tall as the face
        // and the hair and neck that follow it (the head region ends within 2.5 face sizes).
        XCTAssertGreaterThan(changes.count, 175 * 175 / 2, "the benchmark's edit moved almost nothing: \(changes)")
        XCTAssertEqual(changes.centre.x, 640, accuracy: 0.2 * 175, "\(changes)")
        XCTAssertEqual(changes.centre.y, 360, accuracy: 0.2 * 175, "\(changes)")
        XCTAssertGreaterThan(changes.height, 175, "\(changes)")
        XCTAssertLessThan(changes.height, Int(2.5 * 175), "\(changes)")
        XCTAssertLessThan(changes.width, Int(2.5 * 175), "\(changes)")
        print("benchmark changes at 175 px:", changes)
    }

    func testBenchmarkFaceHeightSetsTheSizeOfWhatIsRendered() throws {
        let (_, large) = try benchmark(faceHeight: 175, renders: 1)
        let (_, small) = try benchmark(faceHeight: 100, renders: 1)
        print("benchmark changes at 175 px:", large, "at 100 px:", small)
        XCTAssertEqual(Double(large.height) / Double(small.height), 1.75, accuracy: 0.2, "\(large) vs \(small)")
        XCTAssertEqual(Double(large.width) / Double(small.width), 1.75, accuracy: 0.2, "\(large) vs \(small)")
    }
}
