import FacetMedia
import FacetSDK
import FacetTestSupport
import XCTest

@testable import FacetAnalysis

/// A tracker restarted at a frame forgets how it got there: tracked from the video's start or
/// from a warm-up just before that frame, the landmarks from it on are the same. That is what
/// lets a long video be analysed in segments and still give one run's motion.
final class TrackerRestartTests: XCTestCase {
    /// The raw landmarks (not smoothed) of the carphone face, by frame, tracked from `first`
    /// with restarts at `restarts`.
    private func landmarks(from first: Int, restarts: Set<Int>) throws -> [Int: [Point2]] {
        let url = try SharedData.require("media/carphone_pristine.mp4")
        let tracker = try FaceTracker(predictor: TestModels.predictor())
        tracker.restartFrames = restarts
        let reader = try VideoReader(url: url)
        while let frame = try reader.nextFrame() {
            if frame.index >= first { try tracker.process(frame) }
        }
        let tracks = try tracker.finish(smoothing: false)
        XCTAssertEqual(tracks.count, 1, "the one carphone face")
        var byFrame: [Int: [Point2]] = [:]
        for face in tracks.first?.frames ?? [] { byFrame[face.frameIndex] = face.landmarks }
        return byFrame
    }

    /// The largest landmark distance, in pixels, between two trackings on frames `frames`.
    private func largestOffset(_ a: [Int: [Point2]], _ b: [Int: [Point2]], frames: Range<Int>) -> Float {
        var largest: Float = 0
        for frame in frames {
            guard let first = a[frame], let second = b[frame] else { return .infinity }
            for (p, q) in zip(first, second) {
                largest = max(largest, ((p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y)).squareRoot())
            }
        }
        return largest
    }

    func testFromARestartFrameOnTheLandmarksDoNotDependOnWhereTrackingStarted() throws {
        let whole = try landmarks(from: 0, restarts: [60])
        let warmedUp = try landmarks(from: 30, restarts: [60])
        XCTAssertEqual(largestOffset(whole, warmedUp, frames: 60..<120), 0, "the same landmarks on every frame from the restart on")
        // Without the restart the two trackings stay apart: the property comes from the restart.
        let unrestarted = try landmarks(from: 30, restarts: [])
        let wholeUnrestarted = try landmarks(from: 0, restarts: [])
        XCTAssertGreaterThan(
            largestOffset(wholeUnrestarted, unrestarted, frames: 60..<120), 0.05,
            "two trackings started 30 frames apart, never restarted, differ")
        // Before the restart, the restarted tracking is the unrestarted one.
        XCTAssertEqual(largestOffset(whole, wholeUnrestarted, frames: 0..<60), 0)
    }
}
