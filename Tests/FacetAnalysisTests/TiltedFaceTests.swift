import FacetMedia
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetAnalysis

/// A head tilted far (40°) is followed with the shape it has, not the upright shape the landmark
/// model starts from: the tracker turns the picture upright around the face before predicting.
final class TiltedFaceTests: XCTestCase {
    /// The raw landmarks of the one face on the first frame of `video`.
    private func firstLandmarks(_ video: URL) throws -> [Point2] {
        let (tracks, _, _) = try trackVideo(video)
        XCTAssertEqual(tracks.count, 1, "one face in \(video.lastPathComponent)")
        return try XCTUnwrap(tracks.first?.frames.first?.landmarks)
    }

    /// The residual of the best similarity transform (rotation, scale, shift) taking `a` onto
    /// `b`, as the mean point distance over the eye distance of `b`, and the transform's angle
    /// in degrees.
    private func similarityFit(_ a: [Point2], onto b: [Point2]) -> (residual: Float, degrees: Float) {
        let n = Float(a.count)
        let ca = Point2(x: a.map(\.x).reduce(0, +) / n, y: a.map(\.y).reduce(0, +) / n)
        let cb = Point2(x: b.map(\.x).reduce(0, +) / n, y: b.map(\.y).reduce(0, +) / n)
        var (dot, cross, norm): (Float, Float, Float) = (0, 0, 0)
        for (p, q) in zip(a, b) {
            let (px, py, qx, qy) = (p.x - ca.x, p.y - ca.y, q.x - cb.x, q.y - cb.y)
            dot += px * qx + py * qy
            cross += px * qy - py * qx
            norm += px * px + py * py
        }
        let (s, t) = (dot / norm, cross / norm)  // scale·cos, scale·sin
        var total: Float = 0
        for (p, q) in zip(a, b) {
            let (px, py) = (p.x - ca.x, p.y - ca.y)
            let (x, y) = (s * px - t * py + cb.x, t * px + s * py + cb.y)
            total += ((x - q.x) * (x - q.x) + (y - q.y) * (y - q.y)).squareRoot()
        }
        let eye = { (points: [Point2], range: Range<Int>) in
            Point2(x: points[range].map(\.x).reduce(0, +) / 6, y: points[range].map(\.y).reduce(0, +) / 6)
        }
        let (left, right) = (eye(b, 36..<42), eye(b, 42..<48))
        let eyes = ((left.x - right.x) * (left.x - right.x) + (left.y - right.y) * (left.y - right.y)).squareRoot()
        return (total / n / eyes, atan2(t, s) * 180 / .pi)
    }

    func testAFaceTiltedFortyDegreesIsTrackedWithItsOwnShape() throws {
        let fixtures = try TrackingFixtures.require()
        let astronaut = try SharedData.require("media/astronaut.png")
        let tilted = fixtures.url("tilted-40.mp4")
        if !FileManager.default.fileExists(atPath: tilted.path) {
            try FFmpegCLI.run(
                [
                    "-loop", "1", "-framerate", "25", "-t", "0.4", "-i", astronaut.path, "-vf",
                    "rotate=40*PI/180:ow=720:oh=720:fillcolor=gray,format=yuv420p",
                    "-c:v", "libx264", "-preset", "ultrafast", "tilted-40.mp4",
                ], in: fixtures.directory)
        }
        let upright = try firstLandmarks(fixtures.url("still.mp4"))
        let turned = try firstLandmarks(tilted)
        let fit = similarityFit(upright, onto: turned)
        XCTAssertEqual(abs(fit.degrees), 40, accuracy: 4, "the tracked face is turned as the picture is")
        XCTAssertLessThan(fit.residual, 0.05, "the same shape as upright, turned (mean distance over eye distance)")
        XCTAssertEqual(abs(FaceTracker.roll(of: turned)) * 180 / .pi, 40, accuracy: 4)
    }
}
