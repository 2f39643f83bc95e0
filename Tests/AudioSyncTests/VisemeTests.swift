import AudioSync
import FacetSDK
import XCTest

/// The mouth shapes at the phones' times: closures, openings, rounding, pauses, loudness.
final class VisemeTests: XCTestCase {
    /// The parameters of a mouth-only run: no head motion, no blinks, the default lag.
    private let mouthOnly: [String: Any] = ["head-motion": 0.0, "blinks": 0.0]
    private let lag = -0.03

    /// "ham, a pea, bee, a bah": every P/B/M closes the lips while it is heard (±1 frame).
    func testTheLipsCloseDuringEveryBilabialAtItsTime() throws {
        let speech = Fixture.speech([
            ("SIL", 0.3), ("HH", 0.08), ("AA", 0.16), ("M", 0.1), ("AH", 0.12), ("P", 0.08), ("IY", 0.16), ("B", 0.09),
            ("AA", 0.18), ("SIL", 0.5),
        ])
        let result = try Fixture.processed(mouthOnly, Fixture.source(duration: 1.9), speech: speech)
        let closures = speech.phones.filter { ["P", "B", "M"].contains($0.symbol) }
        for phone in closures {
            let frames = result.firstFrames.filter { $0.time >= phone.start + lag && $0.time <= phone.end + lag - 0.01 }
            XCTAssertFalse(frames.isEmpty, "\(phone.symbol) at \(phone.start)")
            for frame in frames {
                let e = frame.coefficients.expression
                XCTAssertLessThanOrEqual(e[Fixture.jaw], 0.02, "\(phone.symbol) at \(frame.time): jaw")
                XCTAssertGreaterThanOrEqual(e[Fixture.press], 0.9, "\(phone.symbol) at \(frame.time): press")
            }
            // Held for at least two frames.
            let closed = result.firstFrames.filter { $0.coefficients.expression[Fixture.press] >= 0.9 && abs($0.time - phone.start) < 0.2 }
            XCTAssertGreaterThanOrEqual(closed.count, 2, "\(phone.symbol) closed frames")
        }
        // Between the closures the mouth opens again: released on time (the mouth runs `lag` ahead).
        for vowel in speech.phones where vowel.symbol == "AA" {
            let middle = (vowel.start + vowel.end) / 2 + lag
            let frame = result.firstFrames.min { abs($0.time - middle) < abs($1.time - middle) }!
            XCTAssertGreaterThan(frame.coefficients.expression[Fixture.jaw], 0.3, "AA at \(middle)")
            XCTAssertLessThan(frame.coefficients.expression[Fixture.press], 0.2, "AA at \(middle)")
        }
    }

    /// On a model without a press control (the Surrey model) the closure closes the jaw a little
    /// past neutral, pressing the lips, at the same times.
    func testWithoutAPressControlTheJawClosesPastNeutral() throws {
        let speech = Fixture.speech([("SIL", 0.3), ("AA", 0.2), ("M", 0.1), ("AA", 0.2), ("SIL", 0.5)])
        let result = try Fixture.processed(
            mouthOnly, Fixture.source(duration: 1.3), speech: speech, model: Fixture.faceModel(lipControls: false))
        let closure = Fixture.phones("M", in: speech)[0]
        let frames = result.firstFrames.filter { $0.time >= closure.start + lag && $0.time <= closure.end + lag - 0.01 }
        XCTAssertGreaterThanOrEqual(frames.count, 2)
        for frame in frames { XCTAssertLessThan(frame.coefficients.expression[Fixture.jaw], -0.2, "pressed at \(frame.time)") }
        XCTAssertGreaterThan(middle("AA", speech, result)[Fixture.jaw], 0.5)
    }

    /// `lag` shifts the whole mouth curve in time: 0.1 s more anticipation is the same curve
    /// three frames (at 30 fps) earlier.
    func testLagShiftsTheMouthCurve() throws {
        let speech = Fixture.speech([
            ("SIL", 0.5), ("HH", 0.08), ("AA", 0.16), ("M", 0.1), ("UW", 0.2), ("S", 0.1), ("IY", 0.2), ("SIL", 0.8),
        ])
        let source = Fixture.source(duration: 2.2)
        let plain = try Fixture.processed(mouthOnly.merging(["lag": 0.0]) { $1 }, source, speech: speech).firstFrames
        let early = try Fixture.processed(mouthOnly.merging(["lag": -0.1]) { $1 }, source, speech: speech).firstFrames
        var largest: Float = 0
        for index in 0..<(plain.count - 3) {
            for coefficient in Fixture.mouth {
                let difference = abs(
                    early[index].coefficients.expression[coefficient] - plain[index + 3].coefficients.expression[coefficient])
                largest = max(largest, difference)
            }
        }
        XCTAssertLessThan(largest, 1e-3)
        let unshifted = zip(early, plain).map { abs($0.coefficients.expression[Fixture.jaw] - $1.coefficients.expression[Fixture.jaw]) }
        XCTAssertGreaterThan(unshifted.max() ?? 0, 0.2, "the curves differ where they are not shifted")
    }

    /// AA and AE open the jaw wide, more than IY; IY spreads the lips more than AA.
    func testOpenVowelsOpenTheJawAndNarrowOnesSpread() throws {
        let speech = Fixture.speech([
            ("SIL", 0.3), ("AA", 0.25), ("SIL", 0.5), ("AE", 0.25), ("SIL", 0.5), ("IY", 0.25), ("SIL", 0.5),
        ])
        let result = try Fixture.processed(mouthOnly, Fixture.source(duration: 2.6), speech: speech)
        let aa = middle("AA", speech, result), ae = middle("AE", speech, result), iy = middle("IY", speech, result)
        XCTAssertGreaterThan(aa[Fixture.jaw], 0.5)
        XCTAssertGreaterThan(ae[Fixture.jaw], 0.5)
        XCTAssertGreaterThan(aa[Fixture.jaw], iy[Fixture.jaw] + 0.2)
        XCTAssertGreaterThan(iy[Fixture.smile], aa[Fixture.smile] + 0.2)
    }

    /// UW and OW round the lips (a model with its own rounding); on the Surrey-like model without
    /// one they spread less than IY and open less than AA.
    func testBackVowelsRoundTheLips() throws {
        let speech = Fixture.speech([
            ("SIL", 0.3), ("UW", 0.25), ("SIL", 0.5), ("OW", 0.25), ("SIL", 0.5), ("AA", 0.25), ("SIL", 0.5), ("IY", 0.25),
            ("SIL", 0.5),
        ])
        let source = Fixture.source(duration: 3.4)
        let own = try Fixture.processed(mouthOnly, source, speech: speech)
        for vowel in ["UW", "OW"] {
            XCTAssertGreaterThan(middle(vowel, speech, own)[Fixture.round], 0.6, vowel)
        }
        XCTAssertLessThan(middle("AA", speech, own)[Fixture.round], 0.1)
        let made = try Fixture.processed(mouthOnly, source, speech: speech, model: Fixture.faceModel(lipControls: false))
        for vowel in ["UW", "OW"] {
            let shape = middle(vowel, speech, made)
            XCTAssertLessThan(shape[Fixture.smile], middle("IY", speech, made)[Fixture.smile] - 0.2, vowel)
            XCTAssertLessThan(shape[Fixture.jaw], middle("AA", speech, made)[Fixture.jaw] - 0.2, vowel)
            XCTAssertGreaterThan(shape[Fixture.jaw], 0.1, vowel)
        }
    }

    /// A vowel's rounding starts before it is heard, over the consonants leading to it.
    func testVowelsAreAnticipatedAcrossConsonants() throws {
        let speech = Fixture.speech([("SIL", 0.4), ("S", 0.1), ("T", 0.08), ("UW", 0.3), ("SIL", 0.5)])
        let result = try Fixture.processed(mouthOnly, Fixture.source(duration: 1.4), speech: speech)
        let onset = Fixture.phones("UW", in: speech)[0].start
        let before = result.firstFrames.last { $0.time <= onset - 0.06 }!
        let early = result.firstFrames.last { $0.time <= 0.3 }!
        XCTAssertGreaterThan(before.coefficients.expression[Fixture.round], 0.2, "rounding 60 ms before UW")
        XCTAssertLessThan(early.coefficients.expression[Fixture.round], 0.05, "no rounding in the silence before")
    }

    /// A long pause rests (the source's own mouth); a pause under 120 ms holds the shape.
    func testLongPausesRestAndShortOnesHold() throws {
        let neutralMouth: [Float] = [0.1, 0.05, 0, 0, 0.2, 0.2, 0.1]
        let speech = Fixture.speech([
            ("SIL", 0.3), ("AA", 0.2), ("SIL", 0.08), ("AA", 0.2), ("SIL", 1.2), ("AA", 0.2), ("SIL", 0.4),
        ])
        let result = try Fixture.processed(
            mouthOnly, Fixture.source(duration: 2.6) { _ in Fixture.coefficients(expression: neutralMouth) }, speech: speech)
        let pauses = Fixture.phones("SIL", in: speech)
        let long = pauses[2], short = pauses[1]
        for frame in result.firstFrames where frame.time > long.start + 0.45 && frame.time < long.end - 0.25 {
            for index in Fixture.mouth {
                XCTAssertEqual(frame.coefficients.expression[index], neutralMouth[index], accuracy: 0.02, "rest at \(frame.time)")
            }
        }
        for frame in result.firstFrames where frame.time >= short.start && frame.time < short.end {
            XCTAssertGreaterThan(frame.coefficients.expression[Fixture.jaw], neutralMouth[Fixture.jaw] + 0.3, "held at \(frame.time)")
        }
    }

    /// Without phones the jaw follows loudness (correlation above 0.8) and rests in silence.
    func testWithoutPhonesTheJawFollowsLoudness() throws {
        var random = TestRandom(seed: 7)
        var loudness: [Float] = []
        var syllable = 0.0
        for index in 0..<600 {
            let time = Double(index) / 100
            if index % 20 == 0 { syllable = 0.3 + 0.7 * random.unit() }
            let pause = (2.0..<2.8).contains(time) || time >= 5.2
            loudness.append(pause ? 0 : Float(syllable * (0.5 - 0.5 * cos(2 * .pi * time / 0.2))))
        }
        let speech = SpeechInput(method: .loudness, phones: [], loudness: loudness, duration: 6)
        let result = try Fixture.processed(mouthOnly, Fixture.source(duration: 6), speech: speech)
        let jaw = result.firstFrames.map { Double($0.coefficients.expression[Fixture.jaw]) }
        let heard = result.firstFrames.map { Double(speech.loudness(at: $0.time - lag)) }
        XCTAssertGreaterThan(correlation(jaw, heard), 0.8)
        for frame in result.firstFrames where frame.time > 2.3 && frame.time < 2.7 {
            XCTAssertLessThan(frame.coefficients.expression[Fixture.jaw], 0.02, "silence at \(frame.time)")
        }
        XCTAssertGreaterThan(jaw.max() ?? 0, 0.4)
    }

    /// `strength` 0 leaves the mouth as it was; a keyframed strength scales it over time.
    func testStrengthScalesTheMouth() throws {
        let speech = Fixture.speech([("SIL", 0.3), ("AA", 0.3), ("SIL", 0.6), ("AA", 0.3), ("SIL", 0.5)])
        let source = Fixture.source(duration: 2)
        let none = try Fixture.processed(mouthOnly.merging(["strength": 0.0]) { $1 }, source, speech: speech)
        XCTAssertEqual(none, source)
        let ramp = try KeyframeTrack([Keyframe(time: 0, value: 0.5), Keyframe(time: 2, value: 1.5)])
        let ramped = try Fixture.processed(mouthOnly.merging(["strength": ramp]) { $1 }, source, speech: speech)
        let plain = try Fixture.processed(mouthOnly, source, speech: speech)
        let vowels = Fixture.phones("AA", in: speech)
        let first = middle(vowels[0], ramped)[Fixture.jaw] / middle(vowels[0], plain)[Fixture.jaw]
        let second = middle(vowels[1], ramped)[Fixture.jaw] / middle(vowels[1], plain)[Fixture.jaw]
        XCTAssertLessThan(first, 1)
        XCTAssertGreaterThan(second, 1)
    }

    // MARK: - Helpers

    /// The expression of the frame nearest the middle of the first `symbol` phone.
    private func middle(_ symbol: String, _ speech: SpeechInput, _ motion: SceneMotion) -> [Float] {
        middle(Fixture.phones(symbol, in: speech)[0], motion)
    }

    /// The expression of the frame nearest the middle of `phone`.
    private func middle(_ phone: SpeechPhone, _ motion: SceneMotion) -> [Float] {
        let time = (phone.start + phone.end) / 2
        return motion.firstFrames.min { abs($0.time - time) < abs($1.time - time) }!.coefficients.expression
    }
}

/// Pearson's correlation of two equally long series.
func correlation(_ a: [Double], _ b: [Double]) -> Double {
    let meanA = a.reduce(0, +) / Double(a.count), meanB = b.reduce(0, +) / Double(b.count)
    var ab = 0.0, aa = 0.0, bb = 0.0
    for (x, y) in zip(a, b) {
        ab += (x - meanA) * (y - meanB)
        aa += (x - meanA) * (x - meanA)
        bb += (y - meanB) * (y - meanB)
    }
    return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
}
