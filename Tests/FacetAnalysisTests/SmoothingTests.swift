import FacetMedia
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetAnalysis

/// The temporal smoother on synthetic signals (noise, step, ramp, sine, gaps) and the tracker's
/// landmark jitter on a still photo encoded as a 10 s video.
final class SmoothingTests: XCTestCase {
    private let rate = 30.0
    private var times: [Double] { (0..<240).map { Double($0) / rate } }

    /// A deterministic noise sequence in [-1, 1] (a linear congruential generator).
    private func noise(_ count: Int, seed: UInt64 = 12345) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 23) * 2 - 1
        }
    }

    func testStillSignalJitterIsReduced() throws {
        let raw = noise(240).map { 100 + 0.5 * $0 }
        let smoothed = try TemporalSmoother().smooth(raw.map { [$0] }, times: times).map { $0[0] }
        let rawDeviation = deviation(raw), smoothedDeviation = deviation(smoothed)
        print("still: raw std \(rawDeviation), smoothed std \(smoothedDeviation)")
        XCTAssertLessThan(smoothedDeviation, rawDeviation * 0.35)
    }

    func testStepIsFollowedWithinTwoFrames() throws {
        // A 20-unit step at frame 120 (a quick head turn, in units of a 200 px face).
        let raw: [Float] = (0..<240).map { $0 < 120 ? 0 : 20 }
        let smoothed = try TemporalSmoother().smooth(raw.map { [$0] }, times: times).map { $0[0] }
        XCTAssertEqual(smoothed[110], 0, accuracy: 0.5)
        XCTAssertEqual(smoothed[117], 0, accuracy: 2, "settled before the step")
        XCTAssertEqual(smoothed[122], 20, accuracy: 2, "reaches the new value within two frames")
        XCTAssertEqual(smoothed[130], 20, accuracy: 0.5)
        XCTAssertLessThan(smoothed.max()!, 20.5, "no overshoot")
    }

    func testRampHasNoLag() throws {
        // 60 units/s (2 per frame) from frame 60 to 180.
        let raw: [Float] = (0..<240).map { Float(min(max($0 - 60, 0), 120)) * 2 }
        let smoothed = try TemporalSmoother().smooth(raw.map { [$0] }, times: times).map { $0[0] }
        for index in 70..<170 { XCTAssertEqual(smoothed[index], raw[index], accuracy: 0.5, "frame \(index)") }
    }

    func testHeadMotionSineKeepsAmplitudeAndPhase() throws {
        // 1 Hz, amplitude 10 units, with noise: a nodding head.
        let jitter = noise(240, seed: 99)
        let clean: [Float] = times.map { Float(10 * sin(2 * Double.pi * $0)) }
        let raw = zip(clean, jitter).map { $0 + 0.3 * $1 }
        let smoothed = try TemporalSmoother().smooth(raw.map { [$0] }, times: times).map { $0[0] }
        let middle = 30..<210
        let amplitude = middle.map { abs(smoothed[$0]) }.max()!
        XCTAssertEqual(amplitude, 10, accuracy: 1.0, "amplitude kept within 10%")
        // Phase: the best-aligning shift of the smoothed series against the clean one is 0 frames.
        let shift = (-3...3).min { a, b in
            middle.map { abs(smoothed[$0 + a] - clean[$0]) }.reduce(0, +) < middle.map { abs(smoothed[$0 + b] - clean[$0]) }.reduce(0, +)
        }
        XCTAssertEqual(shift, 0)
        let error = middle.map { abs(smoothed[$0] - clean[$0]) }.reduce(0, +) / Float(middle.count)
        print("sine: amplitude \(amplitude), mean error \(error)")
        XCTAssertLessThan(error, 0.4)
    }

    func testGapsSplitSegments() throws {
        // Two constant runs separated by a 1 s gap: nothing leaks across it.
        let stamps = (0..<20).map { Double($0) / 30 } + (0..<20).map { 2 + Double($0) / 30 }
        let values: [[Float]] = (0..<40).map { [$0 < 20 ? 0 : 50, 1] }
        XCTAssertEqual(TemporalSmoother.segments(times: stamps), [0..<20, 20..<40])
        let smoothed = try TemporalSmoother().smooth(values, times: stamps)
        XCTAssertEqual(smoothed, values)
    }

    func testBadInputIsRejected() {
        XCTAssertThrowsError(try TemporalSmoother().smooth([[1], [2]], times: [0])) { error in
            XCTAssertEqual((error as? AnalysisError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try TemporalSmoother().smooth([[1], [2, 3]], times: [0, 1]))
        XCTAssertThrowsError(try TemporalSmoother().smooth([[1], [2]], times: [1, 1]))
        XCTAssertThrowsError(try TemporalSmoother(minCutoff: 0).smooth([[1], [2]], times: [0, 1]))
    }

    func testStillPhotoLandmarkJitterRawAndSmoothed() throws {
        try checkStillJitter("still.mp4")
    }

    func testNoisyStillPhotoLandmarkJitterRawAndSmoothed() throws {
        try checkStillJitter("still-noisy.mp4")
    }

    /// The cause of jitter on a still: predicting each frame from the box of the previous frame's
    /// landmarks makes them wander (dlib's cascade is not a fixed point of "box of my landmarks").
    /// Holding the box while the picture is unchanged makes a still picture's raw landmarks stand still.
    func testHeldFollowBoxKeepsRawLandmarksStillOnAStill() throws {
        let fixtures = try TrackingFixtures.require()
        var held = FaceTracker.Configuration()
        held.smoothing = nil
        var rederived = held
        rederived.unchangedPictureThreshold = 0
        let heldTrack = try XCTUnwrap(trackVideo(fixtures.url("still.mp4"), configuration: held).tracks.first)
        let rederivedTrack = try XCTUnwrap(trackVideo(fixtures.url("still.mp4"), configuration: rederived).tracks.first)
        let heldStep = jitter(heldTrack).step, rederivedStep = jitter(rederivedTrack).step
        print("still.mp4 raw frame-to-frame landmark step: box held \(heldStep) px, re-derived every frame \(rederivedStep) px")
        XCTAssertLessThan(heldStep, 0.05)
        XCTAssertLessThan(heldStep, rederivedStep / 4)
        XCTAssertThrowsError(
            try FaceTracker(
                configuration: {
                    var c = held; c.unchangedPictureThreshold = .nan; return c
                }(),
                predictor: TestModels.predictor()))
    }

    private func checkStillJitter(_ name: String) throws {
        let fixtures = try TrackingFixtures.require()
        var raw = FaceTracker.Configuration()
        raw.smoothing = nil
        let rawTracks = try trackVideo(fixtures.url(name), configuration: raw).tracks
        let smoothedTracks = try trackVideo(fixtures.url(name)).tracks
        XCTAssertEqual(rawTracks.count, 1)
        XCTAssertEqual(smoothedTracks.count, 1)
        let rawTrack = try XCTUnwrap(rawTracks.first), smoothedTrack = try XCTUnwrap(smoothedTracks.first)
        XCTAssertEqual(rawTrack.frames.count, 250)
        let rawJitter = jitter(rawTrack), smoothedJitter = jitter(smoothedTrack)
        print(
            "\(name) 10 s: landmark jitter (RMS deviation from each point's mean, px) raw \(rawJitter.deviation), smoothed \(smoothedJitter.deviation); frame-to-frame step raw \(rawJitter.step), smoothed \(smoothedJitter.step)"
        )
        XCTAssertLessThan(smoothedJitter.deviation, 0.5, "target for the product: < 0.3 px")
        XCTAssertLessThanOrEqual(smoothedJitter.step, rawJitter.step)
    }

    // MARK: - Helpers

    private func deviation(_ values: [Float]) -> Float {
        let mean = values.reduce(0, +) / Float(values.count)
        return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)).squareRoot()
    }

    /// RMS distance of every landmark from its mean position over the track, and RMS length of
    /// frame-to-frame landmark steps.
    private func jitter(_ track: LandmarkTrack) -> (deviation: Float, step: Float) {
        let count = Float(track.frames.count)
        var squares: Float = 0, steps: Float = 0
        for point in 0..<68 {
            let meanX = track.frames.reduce(0) { $0 + $1.landmarks[point].x } / count
            let meanY = track.frames.reduce(0) { $0 + $1.landmarks[point].y } / count
            for (index, face) in track.frames.enumerated() {
                let p = face.landmarks[point]
                squares += (p.x - meanX) * (p.x - meanX) + (p.y - meanY) * (p.y - meanY)
                if index > 0 {
                    let q = track.frames[index - 1].landmarks[point]
                    steps += (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y)
                }
            }
        }
        return ((squares / (count * 68)).squareRoot(), (steps / ((count - 1) * 68)).squareRoot())
    }
}
