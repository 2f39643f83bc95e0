import FacetSDK
import Reenactment
import XCTest

/// Time mapping (fit, offset), smoothing and face loss. Absolute mode on a frontal source makes
/// the output yaw the driving sample's yaw, so each test reads d(τ) directly.
final class TimingTests: XCTestCase {
    /// A driver 1 s long (30 frames) whose yaw is 0.3 rad per second of driver time.
    private let ramp = Fixture.driver(frames: 30) { t in Fixture.coefficients(yaw: 0.3 * Float(t)) }

    /// The output yaw of each frame of a 2 s source driven by `driving` with `given`.
    private func yaws(_ given: [String: Any], driving: DrivingInput? = nil, frames: Int = 60) throws -> (yaw: [Float], warnings: [String]) {
        var motion = Fixture.source(frames: frames)
        var all: [String: Any] = ["mode": "absolute"]
        all.merge(given) { $1 }
        let warnings = try Fixture.run(all, on: &motion, driving: driving ?? ramp)
        return (motion.tracks[0].frames.map(\.coefficients.pose.yaw), warnings)
    }

    func testHoldKeepsTheDriversLastFrameAfterItEnds() throws {
        let (yaw, warnings) = try yaws(["fit": "hold"])
        XCTAssertEqual(yaw[15], 0.15, accuracy: 1e-6)
        XCTAssertEqual(yaw[45], 0.3 * 29 / 30, accuracy: 1e-6)
        XCTAssertEqual(yaw[59], 0.3 * 29 / 30, accuracy: 1e-6)
        XCTAssertTrue(warnings.isEmpty, "\(warnings)")
    }

    func testLoopRepeatsTheDriver() throws {
        let (yaw, _) = try yaws(["fit": "loop"])
        XCTAssertEqual(yaw[45], 0.15, accuracy: 1e-6)  // t = 1.5 → τ = 0.5
        XCTAssertEqual(yaw[30], 0, accuracy: 1e-6)  // t = 1 → τ = 0
        XCTAssertEqual(yaw[59], 0.3 * 29 / 30, accuracy: 1e-6)
    }

    func testStretchScalesTheDriverOverTheSourcesLength() throws {
        let (yaw, _) = try yaws(["fit": "stretch"])
        XCTAssertEqual(yaw[45], 0.3 * 0.75, accuracy: 1e-6)  // t = 1.5 → τ = 1.5 · 1 / 2
        XCTAssertEqual(yaw[20], 0.3 * 20 / 60, accuracy: 1e-6)
    }

    func testTrimDrivesOnlyWhereTheDriverHasFramesEasesBackAndWarns() throws {
        let (yaw, warnings) = try yaws(["fit": "trim"])
        XCTAssertEqual(yaw[15], 0.15, accuracy: 1e-6)
        XCTAssertEqual(yaw[29], 0.3 * 29 / 30, accuracy: 1e-6)
        XCTAssertGreaterThan(yaw[31], 0.01, "eases back to the source's own motion over 0.25 s")
        XCTAssertLessThan(yaw[31], 0.3 * 29 / 30)
        for index in 38..<60 { XCTAssertEqual(yaw[index], 0, "frame \(index) follows the source's own motion") }
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("fit=trim") && warnings[0].contains("talk.mp4"), warnings[0])
        XCTAssertTrue(warnings[0].contains("from 1 s to 2 s"), warnings[0])
    }

    func testOffsetShiftsDriverTime() throws {
        let (later, _) = try yaws(["offset": 0.5])
        XCTAssertEqual(later[0], 0.15, accuracy: 1e-6)  // τ = 0 + 0.5
        XCTAssertEqual(later[10], 0.3 * (10.0 / 30 + 0.5), accuracy: 1e-6)
        let (earlier, warnings) = try yaws(["offset": -0.5, "fit": "trim"])
        XCTAssertEqual(earlier[30], 0.15, accuracy: 1e-6)  // t = 1 → τ = 0.5
        XCTAssertEqual(earlier[0], 0, "before the driver starts, trim leaves the source alone")
        XCTAssertTrue(warnings[0].contains("from 0 s to 0.5 s, 1.5 s to 2 s"), warnings[0])
    }

    func testSmoothingKeepsAConstantConstantOnIrregularFrameTimes() throws {
        var times: [Double] = [0]
        for index in 1..<80 { times.append(times[index - 1] + (index % 3 == 0 ? 0.05 : 0.011)) }
        let constant = Fixture.driving(Fixture.scene(times, [Fixture.track(frameTimes: times) { _ in Fixture.coefficients(yaw: 0.2) }]))
        let (yaw, warnings) = try yaws(["smooth": 0.3], driving: constant)
        for value in yaw { XCTAssertEqual(value, 0.2, accuracy: 1e-6) }
        XCTAssertTrue(warnings.isEmpty, "variable frame rate is not a lost face: \(warnings)")
    }

    func testSmoothingIsZeroPhaseASymmetricBumpStaysCentred() throws {
        let bump = Fixture.driver(frames: 61) { t in Fixture.coefficients(yaw: Float(max(0, 0.4 - abs(t - 1)))) }
        let (raw, _) = try yaws(["fit": "hold"], driving: bump, frames: 61)
        let (smoothed, _) = try yaws(["smooth": 0.11], driving: bump, frames: 61)
        XCTAssertEqual(raw[30], 0.4, accuracy: 1e-6)
        XCTAssertLessThan(smoothed[30], 0.39, "the peak is smoothed")
        XCTAssertEqual(smoothed.firstIndex(of: smoothed.max()!), 30, "the peak stays at 1 s")
        for k in 1...20 { XCTAssertEqual(smoothed[30 - k], smoothed[30 + k], accuracy: 1e-5, "symmetric at ±\(k) frames") }
    }

    func testSmoothingWeighsIrregularFramesByTheTimeTheyStandFor() throws {
        // Dense frames (120 fps) before 1 s, sparse ones (15 fps) after; yaw = time.
        let times = (0..<120).map { Double($0) / 120 } + (0..<15).map { 1 + Double($0) / 15 }
        let driving = Fixture.driving(
            Fixture.scene(times, [Fixture.track(frameTimes: times) { t in Fixture.coefficients(yaw: Float(t) * 0.3) }]))
        let (yaw, warnings) = try yaws(["smooth": 0.1], driving: driving)
        // Source frame 30 is at 1 s: a plain (unweighted) mean would be pulled towards the dense side.
        XCTAssertEqual(yaw[30], 0.3, accuracy: 0.002)
        XCTAssertTrue(warnings.isEmpty, "\(warnings)")
    }

    /// A 5 s driver whose face is seen before `lostFrom` and from `backAt` (frame indices):
    /// yaw 0 in frames 0–5 (the reference), 0.4 until the loss, 0.2 after it.
    private func losing(_ lostFrom: Int, _ backAt: Int) -> DrivingInput {
        let present = Array(0..<lostFrom) + Array(backAt..<150)
        return Fixture.driver(frames: 150, indices: present) { t in
            Fixture.coefficients(yaw: t < 0.2 ? 0 : t < 2.0 ? 0.4 : 0.2)
        }
    }

    func testALongFaceLossHoldsEasesToTheReferenceAndBackAndWarnsOnce() throws {
        // Seen until frame 30 (1 s), back at frame 84 (2.8 s): a 1.8 s gap.
        let (yaw, warnings) = try yaws(["reference": "first"], driving: losing(31, 84), frames: 150)
        XCTAssertEqual(yaw[36], 0.4, accuracy: 1e-6, "held for 0.25 s")  // 1.2 s
        XCTAssertEqual(yaw[45], 0.2, accuracy: 1e-6, "half way to the reference")  // 1.5 s: smoothstep(0.5)
        XCTAssertEqual(yaw[60], 0, accuracy: 1e-6, "at the reference")  // 2 s
        XCTAssertEqual(yaw[75], 0.2 * 0.352, accuracy: 1e-4, "easing back")  // 2.5 s: smoothstep(0.4)
        XCTAssertEqual(yaw[84], 0.2, accuracy: 1e-6, "back")
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertTrue(warnings[0].hasPrefix("driver face lost in talk.mp4 for 1.77 s from 1.03 s"), warnings[0])
        XCTAssertTrue(warnings[0].contains("held, then eased to its reference"), warnings[0])
    }

    func testAShortFaceLossIsInterpolatedAcross() throws {
        // Seen until frame 30 (1 s, yaw 0.4), back at frame 60 (2 s, yaw 0.2): a 1 s gap.
        let (yaw, warnings) = try yaws(["reference": "first"], driving: losing(31, 60), frames: 150)
        XCTAssertEqual(yaw[45], 0.3, accuracy: 1e-6)  // 1.5 s, half way
        XCTAssertEqual(yaw[33], 0.4 - 0.2 * 0.1, accuracy: 1e-6)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("interpolated across"), warnings[0])
    }
}
