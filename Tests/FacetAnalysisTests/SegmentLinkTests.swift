import FacetSDK
import XCTest

@testable import FacetAnalysis

/// Joining the tracks of a video analysed in pieces: the same face across a cut is one track,
/// with no jump where the two trackings meet; another face is another track.
final class SegmentLinkTests: XCTestCase {
    /// A face with its 68 landmarks on a 10-pixel grid at `x`, on `frames`.
    private func track(_ id: Int, frames: Range<Int>, x: Float) -> LandmarkTrack {
        LandmarkTrack(
            id: id,
            frames: frames.map { index in
                TrackedFace(
                    frameIndex: index, time: Double(index) / 25, box: FaceBox(x: x, y: 100, width: 100, height: 100),
                    landmarks: (0..<68).map { Point2(x: x + Float($0 % 10) * 10, y: 100 + Float($0 / 10) * 10) },
                    detectionScore: nil, confidence: 1)
            })
    }

    private func piece(_ range: Range<Int>, warmUp: Int, tracks: [LandmarkTrack]) -> SegmentTracking {
        SegmentTracking(
            firstFrame: range.lowerBound, endFrame: range.upperBound, warmUpFrame: range.lowerBound - warmUp,
            frameTimes: range.map { Double($0) / 25 }, tracks: tracks, width: 640, height: 480, frameRate: 25, trackingSeconds: 0)
    }

    func testTheSameFaceAcrossACutIsOneTrackAndTheCutIsBlended() {
        // The later piece tracked the face 4 px to the right of where the earlier one had it.
        let first = piece(0..<50, warmUp: 0, tracks: [track(0, frames: 0..<50, x: 100)])
        let second = piece(50..<100, warmUp: 10, tracks: [track(0, frames: 40..<100, x: 104), track(1, frames: 60..<100, x: 400)])
        let joined = FaceAnalyzer.link([first, second])
        XCTAssertEqual(joined.count, 2, "the face that continues, and the one that appears later")
        let face = joined[0]
        XCTAssertEqual(face.frames.map(\.frameIndex), Array(0..<100), "one track over the whole video, no gap")
        XCTAssertEqual(face.frames[39].landmarks[0].x, 100, "before the warm-up: the earlier piece's")
        XCTAssertEqual(face.frames[50].landmarks[0].x, 104, "after the cut: the later piece's")
        let steps = (40..<51).map { face.frames[$0].landmarks[0].x - face.frames[$0 - 1].landmarks[0].x }
        XCTAssertLessThanOrEqual(steps.max() ?? 99, 0.41, "the 4 px move is spread over the 10 shared frames: \(steps)")
        XCTAssertEqual(joined[1].frames.first?.frameIndex, 60)
        XCTAssertEqual(joined[1].id, 1)
    }

    func testAFaceFoundAgainAtTheCutKeepsBothPiecesLandmarksUnblended() {
        // The later piece's tracker restarted at the cut (a chunk start) and found the face
        // again there from a detection: from the cut on its landmarks are one whole run's, and
        // before it the earlier piece's are; nothing is blended.
        let first = piece(0..<50, warmUp: 0, tracks: [track(0, frames: 0..<50, x: 100)])
        var later = track(0, frames: 40..<100, x: 104)
        later.frames[10].detectionScore = 1.2  // frame 50
        let joined = FaceAnalyzer.link([first, piece(50..<100, warmUp: 10, tracks: [later])])
        XCTAssertEqual(joined.count, 1)
        XCTAssertEqual(joined[0].frames.map(\.frameIndex), Array(0..<100))
        XCTAssertEqual(Set(joined[0].frames[0..<50].map(\.landmarks[0].x)), [100], "the earlier piece's, up to the cut")
        XCTAssertEqual(Set(joined[0].frames[50..<100].map(\.landmarks[0].x)), [104], "the later piece's, from the cut")
    }

    func testAFaceTheLaterPieceFoundOnlyAtTheCutContinuesTheTrackThatReachesIt() {
        // A small face only the thorough search finds: the later piece found it by the restart's
        // detection at the cut, with no warm-up frames; it is the face the earlier piece had.
        let first = piece(0..<50, warmUp: 0, tracks: [track(0, frames: 0..<50, x: 100)])
        var found = track(0, frames: 50..<100, x: 101)
        found.frames[0].detectionScore = 0.9
        XCTAssertEqual(FaceAnalyzer.link([first, piece(50..<100, warmUp: 10, tracks: [found])]).map(\.frames.count), [100])
        // Without the detection at the cut, or elsewhere, it is another face.
        let followed = track(0, frames: 50..<100, x: 101)
        XCTAssertEqual(FaceAnalyzer.link([first, piece(50..<100, warmUp: 10, tracks: [followed])]).map(\.frames.count), [50, 50])
        var elsewhere = track(0, frames: 50..<100, x: 300)
        elsewhere.frames[0].detectionScore = 0.9
        XCTAssertEqual(FaceAnalyzer.link([first, piece(50..<100, warmUp: 10, tracks: [elsewhere])]).map(\.frames.count), [50, 50])
    }

    func testAFaceElsewhereOnTheWarmUpIsNotLinked() {
        let first = piece(0..<50, warmUp: 0, tracks: [track(0, frames: 0..<50, x: 100)])
        let second = piece(50..<100, warmUp: 10, tracks: [track(0, frames: 40..<100, x: 300)])
        let joined = FaceAnalyzer.link([first, second])
        XCTAssertEqual(joined.map(\.frames.count), [50, 50], "boxes that do not overlap are two faces")
    }
}
