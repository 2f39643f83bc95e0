import FacetExamples
import FacetSDK
import Foundation
import XCTest

/// Collects the warnings an effect gives.
final class Warnings: @unchecked Sendable {
    // Safe to share: only appended to under the lock.
    private let lock = NSLock()
    private var messages: [String] = []
    var all: [String] { lock.withLock { messages } }
    func add(_ message: String) { lock.withLock { messages.append(message) } }
}

/// `seconds` of silence at 16 kHz with a 10 ms burst of 1 kHz tone at each of `clicks`.
func clickTrack(seconds: Double, clicks: [Double], amplitude: Float = 0.5) -> AudioClip {
    let rate = 16_000
    var samples = [Float](repeating: 0, count: Int(seconds * Double(rate)))
    for click in clicks {
        let start = Int(click * Double(rate))
        for offset in 0..<(rate / 100) where start + offset < samples.count {
            samples[start + offset] = amplitude * sin(2 * .pi * 1000 * Float(offset) / Float(rate))
        }
    }
    return AudioClip(sampleRate: rate, samples: samples)
}

final class BeatNodTests: XCTestCase {
    private func run(
        _ given: [String: ParameterValue] = [:], audio: AudioClip?, on input: SceneMotion, warnings: Warnings = Warnings()
    ) throws -> SceneMotion {
        let effect = try BeatNod(parameters: EffectParameters(for: BeatNod.self, given: given))
        var output = input
        try effect.process(&output, context: EffectContext(audio: audio, warn: { warnings.add($0) }))
        return output
    }

    private let still = motion(count: 75) { _ in HeadPose(yawDegrees: 5, pitchDegrees: 2, rollDegrees: 0) }

    func testOnsetsAreFoundAtTheClicks() {
        let found = BeatNod.onsets(in: clickTrack(seconds: 3, clicks: [0.5, 1.3, 2.2]), sensitivity: 0.5)
        XCTAssertEqual(found.count, 3, "\(found)")
        for (onset, click) in zip(found, [0.5, 1.3, 2.2]) { XCTAssertEqual(onset, click, accuracy: 0.015) }
    }

    func testTheChinIsLowestOnEachClickAndAtRestBetween() throws {
        let clicks = [0.52, 1.52, 2.28]
        let output = try run(["depth": .number(10)], audio: clickTrack(seconds: 3, clicks: clicks), on: still)
        let nods = zip(output.tracks[0].frames, still.tracks[0].frames).map {
            degrees($0.coefficients.pose.pitch - $1.coefficients.pose.pitch)
        }
        for click in clicks {
            let frame = Int((click * 25).rounded())
            XCTAssertGreaterThan(nods[frame], 8.5, "a nod of about 10° at \(click) s: \(nods[frame])")
            XCTAssertEqual(
                nods[(frame - 3)...(frame + 3)].max() ?? 0, nods[frame], accuracy: 0.2,
                "lowest at the click \(click) s, not before or after")
        }
        XCTAssertEqual(nods[0], 0, "at rest before the first beat")
        XCTAssertEqual(nods[25], 0, "at rest between beats (1 s)")
        XCTAssertTrue(nods.allSatisfy { $0 >= 0 && $0 <= 10.001 }, "never above the depth: \(nods)")
        let yaws = output.tracks[0].frames.map(\.coefficients.pose.yaw)
        XCTAssertEqual(yaws, still.tracks[0].frames.map(\.coefficients.pose.yaw), "only pitch changes")
    }

    func testANodEasesInAndOut() throws {
        let output = try run(["depth": .number(10)], audio: clickTrack(seconds: 3, clicks: [1.0]), on: still)
        let nods = zip(output.tracks[0].frames, still.tracks[0].frames).map {
            degrees($0.coefficients.pose.pitch - $1.coefficients.pose.pitch)
        }
        let steps = zip(nods, nods.dropFirst()).map { abs($1 - $0) }
        XCTAssertLessThan(steps.max() ?? 0, 7, "no jump from rest to the full depth within one frame: \(nods[20...36])")
        XCTAssertGreaterThan(nods[27], 0, "still settling after the beat (1.08 s)")
        XCTAssertEqual(nods[36], 0, "at rest again 0.44 s after the beat")
    }

    func testSensitivityDecidesWhetherQuietHitsCount() throws {
        let quiet = clickTrack(seconds: 2, clicks: [1.0], amplitude: 0.02)
        XCTAssertEqual(BeatNod.onsets(in: quiet, sensitivity: 1).count, 1)
        XCTAssertEqual(BeatNod.onsets(in: quiet, sensitivity: 0).count, 0)
    }

    func testNoAudioLeavesTheMotionAndWarns() throws {
        let warnings = Warnings()
        XCTAssertEqual(try run(audio: nil, on: still, warnings: warnings), still)
        XCTAssertEqual(warnings.all.count, 1)
        XCTAssertTrue(warnings.all.first?.contains("no audio") == true, "\(warnings.all)")
    }

    func testSilenceLeavesTheMotionAndWarns() throws {
        let warnings = Warnings()
        XCTAssertEqual(try run(audio: clickTrack(seconds: 3, clicks: []), on: still, warnings: warnings), still)
        XCTAssertTrue(warnings.all.first?.contains("found no beat") == true, "\(warnings.all)")
    }

    func testTheDescriptorAsksForAudio() {
        XCTAssertTrue(BeatNod.descriptor.inputs.contains(.audio))
        XCTAssertEqual(BeatNod.descriptor.shortName, "beat-nod")
    }
}
