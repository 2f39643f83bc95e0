import FacetNeural
import XCTest

@testable import FacetPIRender

/// The 73 × 27 driving window (SPEC 8.1–8.3): layout, clamping at both ends, validation.
final class DrivingWindowTests: XCTestCase {
    /// Frame f's vector: channel c holds f·1000 + c, so every value names its frame and channel.
    func frames(_ count: Int) -> [[Float]] {
        (0..<count).map { frame in (0..<73).map { Float(frame * 1000 + $0) } }
    }

    func testWindowIsChannelsByTimeWithClampedEnds() throws {
        let all = frames(40)
        // (centre, expected frame at each of the 27 positions)
        let cases: [(Int, [Int])] = [
            (20, Array(7...33)),
            (0, [Int](repeating: 0, count: 13) + Array(0...13)),
            (39, Array(26...39) + [Int](repeating: 39, count: 13)),
            (5, [Int](repeating: 0, count: 8) + Array(0...18)),
        ]
        for (centre, expectedFrames) in cases {
            let window = try DrivingWindow.window(frames: all, center: centre)
            XCTAssertEqual(window.shape, [1, 73, 27])
            for t in 0..<27 {
                for channel in [0, 63, 64, 69, 72] {
                    XCTAssertEqual(
                        window.data[channel * 27 + t], Float(expectedFrames[t] * 1000 + channel), "centre \(centre) t \(t) c \(channel)")
                }
            }
        }
        // A single frame (an image) is repeated 27 times.
        let single = try DrivingWindow.window(frames: frames(1), center: 0)
        XCTAssertEqual(Set((0..<27).map { single.data[70 * 27 + $0] }), [70])
    }

    func testCoefficientPartsAreLaidOutInOrder() throws {
        let vector = try DrivingWindow.coefficients(
            expression: [Float](repeating: 0.5, count: 64), angles: [0.1, 0.2, 0.3],
            translation: [1, 2, 3], crop: [1, 128, 127])
        XCTAssertEqual(vector.count, 73)
        XCTAssertEqual(Array(vector[DrivingWindow.angles]), [0.1, 0.2, 0.3])
        XCTAssertEqual(Array(vector[DrivingWindow.translation]), [1, 2, 3])
        XCTAssertEqual(Array(vector[DrivingWindow.crop]), [1, 128, 127])
        XCTAssertThrowsError(try DrivingWindow.coefficients(expression: [0], angles: [0, 0, 0], translation: [0, 0, 0], crop: [0, 0, 0])) {
            XCTAssertEqual(($0 as? NeuralError)?.message, "expression must hold 64 values; got 1")
        }
    }

    func testRejectsBadFramesAndCentres() {
        XCTAssertThrowsError(try DrivingWindow.window(frames: frames(3), center: 3))
        XCTAssertThrowsError(try DrivingWindow.window(frames: [], center: 0))
        var bad = frames(3)
        bad[1].removeLast()
        XCTAssertThrowsError(try DrivingWindow.window(frames: bad, center: 0)) {
            XCTAssertEqual(($0 as? NeuralError)?.message, "frame 1 holds 72 coefficients; expected 73")
        }
    }
}
