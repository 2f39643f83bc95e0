import AudioSync
import FacetSDK
import XCTest

/// The living head of a still portrait: seeded drift, nods and blinks.
final class LivingHeadTests: XCTestCase {
    private let degrees = Float.pi / 180

    /// The same seed gives identical motion; another seed gives another.
    func testTheSameSeedGivesTheSameMotionAndAnotherSeedAnother() throws {
        let (speech, _) = Self.talk(seconds: 12, seed: 1)
        let source = Fixture.source(duration: 12)
        let first = try Fixture.processed(["seed": 4], source, speech: speech)
        let again = try Fixture.processed(["seed": 4], source, speech: speech)
        let other = try Fixture.processed(["seed": 5], source, speech: speech)
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first, other)
        let yawDifference = zip(first.firstFrames, other.firstFrames).map { abs($0.coefficients.pose.yaw - $1.coefficients.pose.yaw) }
        XCTAssertGreaterThan(yawDifference.max() ?? 0, 0.5 * degrees, "other seed, other drift")
    }

    /// Over a minute of talk: 10–25 blinks per minute, more of them at the starts of pauses than
    /// chance would put there, each 150–250 ms long.
    func testBlinksComeAtANaturalRateAndPreferPauseStarts() throws {
        let (speech, pauses) = Self.talk(seconds: 60, seed: 2)
        let result = try Fixture.processed(["seed": 11], Fixture.source(duration: 60), speech: speech)
        let eyes = result.firstFrames.map { ($0.time, $0.coefficients.expression[Fixture.leftEye]) }
        var starts: [Double] = [], lengths: [Double] = []
        var closedSince: Double?
        var wasClosed = false
        for (time, value) in eyes {
            if value > 0.05, !wasClosed { closedSince = time }
            if value <= 0.05, wasClosed, let since = closedSince { lengths.append(time - since) }
            if value > 0.5, starts.last.map({ time - $0 > 0.3 }) ?? true { starts.append(time) }
            wasClosed = value > 0.05
        }
        let perMinute = Double(starts.count)
        XCTAssertGreaterThanOrEqual(perMinute, 10)
        XCTAssertLessThanOrEqual(perMinute, 25)
        for length in lengths { XCTAssertLessThanOrEqual(length, 0.3, "blink length") }
        XCTAssertLessThanOrEqual(result.firstFrames.map { $0.coefficients.expression[Fixture.leftEye] }.max() ?? 0, 1.01)
        // Within 0.35 s after a pause starts.
        let window = 0.35
        let atPause = starts.filter { start in pauses.contains { start >= $0 && start < $0 + window } }.count
        let chance = Double(pauses.count) * window / 60
        let share = Double(atPause) / Double(max(1, starts.count))
        XCTAssertGreaterThan(share, 2 * chance, "\(atPause) of \(starts.count) blinks at pause starts; chance \(chance)")
        // No blinks at all with blinks=0.
        let none = try Fixture.processed(["blinks": 0.0], Fixture.source(duration: 60), speech: speech)
        XCTAssertEqual(none.firstFrames.map { $0.coefficients.expression[Fixture.leftEye] }.max(), 0)
    }

    /// The head drifts by a few degrees, never jumps more than 1.5° between frames, and stays
    /// still with head-motion 0.
    func testTheHeadDriftsSmoothlyByAFewDegrees() throws {
        let (speech, _) = Self.talk(seconds: 30, seed: 3)
        let source = Fixture.source(duration: 30) { _ in Fixture.coefficients(yaw: 0.1, pitch: -0.05) }
        for seed in [0, 1, 2] {
            let result = try Fixture.processed(["seed": seed], source, speech: speech)
            let frames = result.firstFrames
            let yaw = frames.map { ($0.coefficients.pose.yaw - 0.1) / degrees }
            let pitch = frames.map { ($0.coefficients.pose.pitch + 0.05) / degrees }
            let roll = frames.map { $0.coefficients.pose.roll / degrees }
            for (axis, values, limit) in [("yaw", yaw, Float(3.2)), ("pitch", pitch, 4), ("roll", roll, 1.7)] {
                XCTAssertLessThanOrEqual(values.map(abs).max() ?? 0, limit, "\(axis), seed \(seed)")
                XCTAssertGreaterThan((values.max() ?? 0) - (values.min() ?? 0), limit / 4, "\(axis) moves, seed \(seed)")
                for (a, b) in zip(values, values.dropFirst()) { XCTAssertLessThanOrEqual(abs(b - a), 1.5, "\(axis) jump") }
            }
        }
        let still = try Fixture.processed(["head-motion": 0.0], source, speech: speech)
        XCTAssertEqual(still.firstFrames.map(\.coefficients.pose), source.firstFrames.map(\.coefficients.pose))
    }

    /// Nods: the pitch dips soon after loudness onsets more than elsewhere.
    func testTheHeadNodsOnLoudnessOnsets() throws {
        let speech = Fixture.speech([("SIL", 1.0), ("AA", 0.4), ("SIL", 1.5), ("AA", 0.4), ("SIL", 1.5), ("AA", 0.4), ("SIL", 1)])
        let source = Fixture.source(duration: 6.2)
        let nodding = try Fixture.processed(["blinks": 0.0, "seed": 3], source, speech: speech)
        let calm = try Fixture.processed(["blinks": 0.0, "seed": 3, "head-motion": 0.0], source, speech: speech)
        // Pitch with the same drift but without the nods is not available, so compare the pitch
        // change over each onset's 0.45 s with the change over the 0.45 s before it.
        for vowel in Fixture.phones("AA", in: speech) {
            func pitch(_ time: Double) -> Float {
                nodding.firstFrames.min { abs($0.time - time) < abs($1.time - time) }!.coefficients.pose.pitch
            }
            let rise = pitch(vowel.start + 0.22) - (pitch(vowel.start - 0.05) + pitch(vowel.start + 0.5)) / 2
            XCTAssertGreaterThan(rise, 0.5 * degrees, "nod at \(vowel.start)")
        }
        XCTAssertEqual(calm.firstFrames.map(\.coefficients.pose.pitch), source.firstFrames.map(\.coefficients.pose.pitch))
    }

    // MARK: - Helpers

    /// A synthetic talk of `seconds`: phrases of 1.5–4 s of consonant–vowel syllables, separated
    /// by pauses of 0.4–1.2 s; returns the speech and the pause start times.
    static func talk(seconds: Double, seed: UInt64) -> (SpeechInput, [Double]) {
        var random = TestRandom(seed: seed)
        let consonants = ["T", "D", "S", "K", "N", "L", "R", "M", "P", "B", "F"]
        let vowels = ["AA", "AE", "IY", "UW", "OW", "AH", "EH"]
        var sequence: [(String, Double)] = [("SIL", 0.5)]
        var pauses: [Double] = []
        var time = 0.5
        while time < seconds - 5 {
            let phrase = 1.5 + 2.5 * random.unit()
            var spoken = 0.0
            while spoken < phrase {
                let syllable = 0.15 + 0.15 * random.unit()
                sequence.append((consonants[Int(random.unit() * Double(consonants.count))], 0.35 * syllable))
                sequence.append((vowels[Int(random.unit() * Double(vowels.count))], 0.65 * syllable))
                spoken += syllable
            }
            time += spoken
            pauses.append(time)
            let pause = 0.4 + 0.8 * random.unit()
            sequence.append(("SIL", pause))
            time += pause
        }
        sequence.append(("SIL", seconds - time))
        return (Fixture.speech(sequence), pauses)
    }
}
