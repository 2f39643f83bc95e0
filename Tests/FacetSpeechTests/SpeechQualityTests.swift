import FacetSpeech
import FacetTestSupport
import Foundation
import XCTest

/// The analyser's two checks: a transcript that does not match the audio is not aligned, and audio
/// that is not speech (music, noise) gets no phones. Prints the measured scores behind
/// `SpeechQuality`'s thresholds.
final class SpeechQualityTests: XCTestCase {
    func testAMismatchingTranscriptFallsBackToRecognitionWithANote() throws {
        let corpus = try FestivalSpeech.require()
        let analyzer = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel())
        for voice in FestivalSpeech.Voice.allCases {
            let sentences = try XCTUnwrap(corpus.utterances[voice])
            let spoken = sentences[0]  // "The birch canoe slid on the smooth planks."
            let other = sentences[4].text  // "Rice is often served in round bowls."

            let matching = try analyzer.analyze(spoken.samples, sampleRate: 16000, transcript: spoken.text)
            XCTAssertEqual(matching.method, .alignment, "\(voice): \(matching.notes)")
            XCTAssertEqual(matching.notes, [], "\(voice): a matching transcript gives no note")
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(matching.alignmentScore), SpeechQuality.minimumAlignmentScore)

            let wrong = try analyzer.analyze(spoken.samples, sampleRate: 16000, transcript: other)
            XCTAssertEqual(wrong.method, .recognition, "\(voice): \(wrong.notes)")
            XCTAssertTrue(wrong.words.isEmpty)
            let recognised = try analyzer.analyze(spoken.samples, sampleRate: 16000)
            XCTAssertEqual(wrong.phones, recognised.phones, "\(voice): the phones are those recognised without a transcript")
            guard case .transcriptMismatch(let named, let score, let threshold) = try XCTUnwrap(wrong.notes.first) else {
                return XCTFail("\(voice): expected a transcript mismatch note, got \(wrong.notes)")
            }
            XCTAssertEqual(named, other, "the note names the transcript")
            XCTAssertLessThan(score, threshold)
            XCTAssertEqual(wrong.alignmentScore, score)
            let message = wrong.notes[0].description
            XCTAssertTrue(message.contains("\"\(other)\""), message)
            XCTAssertTrue(message.contains("recognised instead"), message)
        }
    }

    /// Every Harvard sentence with its own text and with the next one's, both voices: the matching
    /// ones are aligned and the wrong ones are not. Prints the score ranges of
    /// `SpeechQuality.minimumAlignmentScore`'s table.
    func testAlignmentScoresSeparateMatchingFromWrongTranscripts() throws {
        let corpus = try FestivalSpeech.require()
        let analyzer = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel())
        for voice in FestivalSpeech.Voice.allCases {
            let sentences = try XCTUnwrap(corpus.utterances[voice])
            var matching: [Double] = []
            var noisy: [Double] = []
            var wrong: [Double] = []
            var unplaced = 0
            for (index, utterance) in sentences.enumerated() {
                let own = try analyzer.analyze(utterance.samples, sampleRate: 16000, transcript: utterance.text)
                XCTAssertEqual(own.method, .alignment, "\(voice) \"\(utterance.text)\": \(own.notes)")
                matching.append(try XCTUnwrap(own.alignmentScore))
                let withNoise = Self.withNoise(utterance.samples, snr: 20, seed: UInt64(index + 1))
                let heard = try analyzer.analyze(withNoise, sampleRate: 16000, transcript: utterance.text)
                XCTAssertEqual(heard.method, .alignment, "\(voice) \"\(utterance.text)\" at 20 dB SNR: \(heard.notes)")
                noisy.append(try XCTUnwrap(heard.alignmentScore))
                let next = sentences[(index + 1) % sentences.count].text
                let other = try analyzer.analyze(utterance.samples, sampleRate: 16000, transcript: next)
                XCTAssertEqual(other.method, .recognition, "\(voice) \"\(utterance.text)\" read as \"\(next)\"")
                if let score = other.alignmentScore { wrong.append(score) } else { unplaced += 1 }
            }
            print(
                String(
                    format: "alignment score, %@: matching %.2f … %.2f (median %.2f), at 20 dB SNR %.2f … %.2f; "
                        + "another sentence's %.2f … %.2f (median %.2f; %d could not be placed at all); threshold %.2f",
                    voice.rawValue, matching.min() ?? .nan, matching.max() ?? .nan, SpeechMeasures.median(matching),
                    noisy.min() ?? .nan, noisy.max() ?? .nan,
                    wrong.min() ?? .nan, wrong.max() ?? .nan, SpeechMeasures.median(wrong), unplaced,
                    SpeechQuality.minimumAlignmentScore))
        }
    }

    func testNoiseAndMusicGetLoudnessOnlyWithANote() throws {
        let analyzer = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel())
        for (label, samples) in Self.nonSpeech() {
            for transcript in [nil, "The birch canoe slid on the smooth planks."] {
                let timeline = try analyzer.analyze(samples, sampleRate: 16000, transcript: transcript)
                let rate = try XCTUnwrap(timeline.speechPhoneRate, label)
                print(String(format: "speech phones per loud second, %@: %.1f", label, rate))
                XCTAssertEqual(timeline.method, .loudness, "\(label): \(timeline.notes)")
                XCTAssertEqual(timeline.phones, [], label)
                XCTAssertEqual(
                    timeline.notes, [.notSpeech(phoneRate: rate, threshold: SpeechQuality.minimumSpeechPhoneRate)], label)
                XCTAssertLessThan(rate, SpeechQuality.minimumSpeechPhoneRate, label)
                XCTAssertTrue(timeline.notes[0].description.contains("does not sound like speech"), label)
                XCTAssertGreaterThan(timeline.loudness.values.max() ?? 0, 0.9, "\(label): the envelope is kept")
            }
        }
    }

    /// Festival's speech, clean and with white noise at 20 dB SNR, stays speech. Prints the lowest
    /// rates of `SpeechQuality.minimumSpeechPhoneRate`'s table.
    func testSpeechCleanAndNoisyIsSpeech() throws {
        let corpus = try FestivalSpeech.require()
        let analyzer = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel())
        for voice in FestivalSpeech.Voice.allCases {
            var clean: [Double] = []
            var noisy: [Double] = []
            for (index, utterance) in (corpus.utterances[voice] ?? []).enumerated() {
                for (snr, rates) in [(Double?.none, 0), (20.0, 1)] {
                    let samples = snr.map { Self.withNoise(utterance.samples, snr: $0, seed: UInt64(index + 1)) } ?? utterance.samples
                    let timeline = try analyzer.analyze(samples, sampleRate: 16000)
                    XCTAssertEqual(timeline.method, .recognition, "\(voice) \"\(utterance.text)\" \(snr.map { "\($0) dB" } ?? "clean")")
                    let rate = try XCTUnwrap(timeline.speechPhoneRate)
                    if rates == 0 { clean.append(rate) } else { noisy.append(rate) }
                }
            }
            print(
                String(
                    format: "speech phones per loud second, %@: clean %.1f … %.1f, 20 dB SNR %.1f … %.1f", voice.rawValue,
                    clean.min() ?? .nan, clean.max() ?? .nan, noisy.min() ?? .nan, noisy.max() ?? .nan))
        }
    }

    /// A cache keyed by `cacheIdentity` must not serve a timeline made under other thresholds (or
    /// before the checks existed: format 1).
    func testTheCacheIdentityNamesTheThresholds() throws {
        let identity = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel()).cacheIdentity
        XCTAssertTrue(identity.contains("alignment score ≥ \(SpeechQuality.minimumAlignmentScore)"), identity)
        XCTAssertTrue(identity.contains("speech phones ≥ \(SpeechQuality.minimumSpeechPhoneRate)"), identity)
        XCTAssertTrue(identity.contains("timeline v2"), identity)
    }

    // MARK: - Signals

    /// 3 s each of white noise, brown noise, a held three-tone chord and a melody of chords.
    static func nonSpeech() -> [(String, [Float])] {
        let count = 48000
        var random = SeededRandom(seed: 11)
        let white = (0..<count).map { _ in Float(random.uniform(-0.3, 0.3)) }
        var level = 0.0
        var brown = (0..<count).map { _ -> Float in
            level = level * 0.999 + random.gaussian()
            return Float(level)
        }
        let peak = brown.map(abs).max() ?? 1
        brown = brown.map { $0 / peak * 0.3 }
        let chord = (0..<count).map { index -> Float in
            let t = Double(index) / 16000
            return Float(0.2 * (sin(2 * .pi * 440 * t) + sin(2 * .pi * 554.4 * t) + sin(2 * .pi * 659.3 * t)))
        }
        return [("white noise", white), ("brown noise", brown), ("held chord", chord), ("chord melody", melody(seconds: 3))]
    }

    /// Synthetic music: major chords (root, third, fifth; three harmonics each) changing every
    /// 0.5 s, each note with a 20 ms attack and an exponential decay.
    static func melody(seconds: Double) -> [Float] {
        let roots = [261.6, 329.6, 392.0, 440.0, 349.2, 293.7, 523.3, 196.0]
        let count = Int(seconds * 16000)
        return (0..<count).map { index -> Float in
            let t = Double(index) / 16000
            let note = Int(t / 0.5)
            let local = t - Double(note) * 0.5
            let envelope = min(local / 0.02, 1) * exp(-3 * local)
            var value = 0.0
            for ratio in [1.0, 1.26, 1.5] {
                for harmonic in 1...3 {
                    value += sin(2 * .pi * roots[note % roots.count] * ratio * Double(harmonic) * local) / Double(harmonic)
                }
            }
            return Float(0.1 * envelope * value)
        }
    }

    /// `samples` with white Gaussian noise at `snr` dB below the speech's mean power.
    static func withNoise(_ samples: [Float], snr: Double, seed: UInt64) -> [Float] {
        let power = samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(samples.count, 1))
        let sigma = (power / pow(10, snr / 10)).squareRoot()
        var random = SeededRandom(seed: seed)
        return samples.map { $0 + Float(sigma * random.gaussian()) }
    }
}
