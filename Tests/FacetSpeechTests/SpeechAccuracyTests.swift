import FacetSpeech
import FacetTestSupport
import Foundation
import XCTest

/// The speech module against festival's own segment timings: alignment and recognition accuracy,
/// onset error, closures, pauses, the loudness envelope. Figures are printed; bounds are below what
/// was measured (Docs/Speech.md) by a margin for other builds of the same packages.
final class SpeechAccuracyTests: XCTestCase {
    /// The model, or a skip (a failure under `CI=true`).
    static func requireModel(file: StaticString = #filePath, line: UInt = #line) throws -> SpeechModel {
        do {
            return try SpeechModel.locate()
        } catch {
            if SharedData.isCI { throw FixtureError("CI=true requires the pocketsphinx model: \(error)") }
            throw XCTSkip("no pocketsphinx model: \(error)", file: file, line: line)
        }
    }

    /// Pooled figures of one method and voice over the Harvard sentences.
    struct Figures {
        var agree = 0
        var frames = 0
        var commonest = 0
        var onsets: [Double] = []
        var referencePhones = 0
        var closuresFound = 0
        var closures = 0

        var accuracy: Double { Double(agree) / Double(max(frames, 1)) }
        var baseline: Double { Double(commonest) / Double(max(frames, 1)) }
        var medianOnsetError: Double { SpeechMeasures.median(onsets.map(abs)) }
        var matched: Double { Double(onsets.count) / Double(max(referencePhones, 1)) }

        mutating func add(_ phones: [TimedPhone], reference: [TimedPhone]) {
            let (agree, frames) = SpeechMeasures.agreement(phones, reference: reference)
            self.agree += agree
            self.frames += frames
            commonest += SpeechMeasures.commonestClassFrames(reference)
            let (differences, count) = SpeechMeasures.onsetDifferences(phones, reference: reference)
            onsets += differences
            referencePhones += count
            let (found, total) = SpeechMeasures.closuresFound(phones, reference: reference, tolerance: 0.03)
            closuresFound += found
            closures += total
        }

        func line(_ label: String) -> String {
            String(
                format: "%@: mouth-class accuracy %.3f (commonest class %.3f), onset median error %.1f ms over %.0f%% of phones, "
                    + "closures found %d/%d",
                label, accuracy, baseline, medianOnsetError * 1000, matched * 100, closuresFound, closures)
        }
    }

    func testAlignmentMatchesFestivalTimings() throws {
        let corpus = try FestivalSpeech.require()
        let analyzer = SpeechAnalyzer(model: try Self.requireModel())
        for voice in FestivalSpeech.Voice.allCases {
            var figures = Figures()
            for utterance in corpus.utterances[voice] ?? [] {
                let timeline = try analyzer.analyze(utterance.samples, sampleRate: 16000, transcript: utterance.text)
                XCTAssertEqual(timeline.method, .alignment, "\(voice) \"\(utterance.text)\": \(timeline.notes)")
                XCTAssertEqual(
                    timeline.words.map(\.text), Transcript.expected(utterance.text), "\(voice): every word placed, in order")
                figures.add(timeline.phones, reference: utterance.segments)
            }
            print(figures.line("alignment, \(voice.rawValue)"))
            XCTAssertLessThanOrEqual(figures.medianOnsetError, 0.030, "\(voice): median phone onset error")
            XCTAssertGreaterThanOrEqual(figures.matched, 0.85, "\(voice): share of festival's phones matched by symbol")
            XCTAssertGreaterThanOrEqual(figures.accuracy, 0.85, "\(voice): mouth-class frame accuracy")
            XCTAssertGreaterThanOrEqual(
                Double(figures.closuresFound), 0.9 * Double(figures.closures), "\(voice): P/B/M closures found within 30 ms")
        }
    }

    func testRecognitionBeatsTheCommonestClass() throws {
        let corpus = try FestivalSpeech.require()
        let analyzer = SpeechAnalyzer(model: try Self.requireModel())
        for voice in FestivalSpeech.Voice.allCases {
            var figures = Figures()
            for utterance in corpus.utterances[voice] ?? [] {
                let timeline = try analyzer.analyze(utterance.samples, sampleRate: 16000)
                XCTAssertEqual(timeline.method, .recognition)
                XCTAssertTrue(timeline.words.isEmpty)
                figures.add(timeline.phones, reference: utterance.segments)
            }
            print(figures.line("recognition, \(voice.rawValue)"))
            XCTAssertGreaterThanOrEqual(figures.accuracy, figures.baseline + 0.2, "\(voice): accuracy over the commonest class")
            XCTAssertGreaterThanOrEqual(figures.accuracy, 0.7, "\(voice): mouth-class frame accuracy")
            XCTAssertLessThanOrEqual(figures.medianOnsetError, 0.030, "\(voice): median onset error of matched phones")
            XCTAssertGreaterThanOrEqual(
                Double(figures.closuresFound), 0.6 * Double(figures.closures), "\(voice): P/B/M closures found within 30 ms")
        }
    }
}

/// The words the alignment should place for a text (its own normalisation, restated).
enum Transcript {
    static func expected(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0 == "'") }.map(String.init)
    }
}
