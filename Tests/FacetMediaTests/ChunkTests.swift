import Foundation
import XCTest

@testable import FacetMedia

/// A video's chunks: where they start, and that an encoder restarted at one gives the very
/// frames an encoder started there gives (what lets segments be joined into one run's output).
final class ChunkTests: XCTestCase {
    func testChunksStartAtTheFirstKeyframeAtLeastTenSecondsAfterTheLastChunk() {
        // 34 s at 10 fps, a keyframe every 3 s.
        let index = KeyframeIndex(
            framePTS: (0..<340).map { Int64($0) }, keyframes: Array(stride(from: 0, to: 340, by: 30)), timeBase: Rational(1, 10))
        XCTAssertEqual(index.chunkStarts(), [0, 120, 240], "0 s, then 12 s (9 s is too soon), then 24 s")
        XCTAssertEqual(index.chunkStarts(minimumSeconds: 6), [0, 60, 120, 180, 240, 300])
        XCTAssertEqual(index.cuts(segments: 3, minimumFrames: 20), [0, 120, 240], "segments are cut at chunks")
        XCTAssertEqual(index.cuts(segments: 2, minimumFrames: 20), [0, 120], "the chunk nearest the middle (17 s)")
        let short = KeyframeIndex(framePTS: (0..<80).map { Int64($0) }, keyframes: [0, 20, 40, 60], timeBase: Rational(1, 10))
        XCTAssertEqual(short.chunkStarts(), [0], "an 8 s video is one chunk")
        XCTAssertEqual(short.cuts(segments: 3), [0])
    }

    /// Writes `input`'s frames `frames` into `output`, restarting at `restarts`.
    private func write(_ input: URL, frames: Range<Int> = 0..<Int.max, to output: URL, restarts: Set<Int>) throws {
        let reader = try VideoReader(url: input)
        let writer = try VideoWriter(outputURL: output, video: reader.video, audio: nil, restartFrames: restarts)
        while let frame = try reader.nextFrame() {
            if frames.contains(frame.index) { try writer.write(frame) }
        }
        _ = try writer.finish()
    }

    func testAnEncoderRestartedAtAFrameGivesTheFramesOfAnEncoderStartedThere() throws {
        let fixtures = try fixtures()
        let input = fixtures.url("base.mp4")  // 60 frames
        let folder = try fixtures.scratch()
        let url = { (name: String) in folder.appendingPathComponent(name) }
        try write(input, to: url("restarted.mp4"), restarts: [30])
        try write(input, frames: 0..<30, to: url("head.mp4"), restarts: [])
        try write(input, frames: 30..<60, to: url("tail.mp4"), restarts: [])
        try write(input, to: url("continuous.mp4"), restarts: [])
        let whole = try DecodedVideo(url("restarted.mp4"))
        let pieces = try [DecodedVideo(url("head.mp4")), DecodedVideo(url("tail.mp4"))]
        let continuous = try DecodedVideo(url("continuous.mp4"))
        XCTAssertEqual(whole.times.count, 60)
        XCTAssertEqual(whole.times, continuous.times, "a restart keeps every frame's time")
        let joined = pieces[0].images + pieces[1].images
        XCTAssertEqual(joined.count, 60)
        let differing = zip(whole.images, joined).enumerated().filter { $0.element.0.pixels != $0.element.1.pixels }.map(\.offset)
        XCTAssertEqual(differing, [], "every frame is the picture of the encoder that ran only that chunk")
        // Without the restart the frames are coded otherwise (so the check above can fail).
        let unrestarted = zip(continuous.images, joined).filter { $0.0.pixels != $0.1.pixels }.count
        XCTAssertGreaterThan(unrestarted, 10, "one encoder over both chunks codes them otherwise")
    }
}
