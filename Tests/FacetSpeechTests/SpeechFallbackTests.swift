import FacetSpeech
import FacetTestSupport
import Foundation
import XCTest

/// What the analyser does when it cannot do what it was asked: silence, pauses, unknown words, a
/// transcript that does not fit, no model.
final class SpeechFallbackTests: XCTestCase {
    func testSilenceGivesNoPhonesAndAFlatEnvelope() throws {
        let analyzer = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel())
        let zeros = [Float](repeating: 0, count: 32000)
        // Room noise at -80 dBFS: quieter than the speech floor.
        var random = SeededRandom(seed: 7)
        let hiss = (0..<32000).map { _ in Float(random.uniform(-1e-4, 1e-4)) }
        for (label, samples) in [("zeros", zeros), ("-80 dBFS noise", hiss)] {
            for transcript in [nil, "hello there"] {
                let timeline = try analyzer.analyze(samples, sampleRate: 16000, transcript: transcript)
                XCTAssertEqual(timeline.method, .loudness, label)
                XCTAssertEqual(timeline.phones, [], label)
                XCTAssertEqual(timeline.notes, [.noSpeech], label)
                XCTAssertEqual(timeline.loudness.values.count, 200, "\(label): 2 s at 100 frames per second")
                XCTAssertEqual(timeline.loudness.values.max(), 0, label)
                XCTAssertEqual(timeline.duration, 2, accuracy: 1e-9)
            }
        }
    }

    func testPausesAroundSpeechHoldNoSpeechPhones() throws {
        let corpus = try FestivalSpeech.require()
        let analyzer = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel())
        let pause = [Float](repeating: 0, count: 24000)  // 1.5 s
        for voice in FestivalSpeech.Voice.allCases {
            let utterance = try XCTUnwrap(corpus.utterances[voice]?.first)
            let padded = pause + utterance.samples + pause
            let duration = Double(padded.count) / 16000
            for transcript in [nil, utterance.text] {
                let timeline = try analyzer.analyze(padded, sampleRate: 16000, transcript: transcript)
                let label = "\(voice), \(timeline.method)"
                let speech = timeline.phones.filter { $0.phone != .sil }
                let first = try XCTUnwrap(speech.first, label)
                let last = try XCTUnwrap(speech.last, label)
                // festival's own leading and trailing pauses are part of the utterance
                let spokenStart = 1.5 + (utterance.segments.first { $0.phone != .sil }?.start ?? 0)
                let spokenEnd = 1.5 + (utterance.segments.last { $0.phone != .sil }?.end ?? 0)
                XCTAssertEqual(first.start, spokenStart, accuracy: 0.05, "\(label): the first speech phone starts with the speech")
                XCTAssertEqual(last.end, spokenEnd, accuracy: 0.05, "\(label): the last speech phone ends with it")
                // the timeline covers the clip without gaps or overlaps
                XCTAssertEqual(timeline.phones.first?.start, 0)
                XCTAssertEqual(try XCTUnwrap(timeline.phones.last?.end), duration, accuracy: 1e-9)
                for (a, b) in zip(timeline.phones, timeline.phones.dropFirst()) {
                    XCTAssertEqual(a.end, b.start, accuracy: 1e-9, label)
                    XCTAssertFalse(a.phone == .sil && b.phone == .sil, "\(label): touching pauses are merged")
                }
            }
        }
    }

    func testLoudnessFollowsSpeechAndPauses() throws {
        let corpus = try FestivalSpeech.require()
        for voice in FestivalSpeech.Voice.allCases {
            var envelope: [Double] = []
            var speaking: [Double] = []
            var pauseMeans: [Double] = []
            for utterance in corpus.utterances[voice] ?? [] {
                // no model needed: the fallback when there is none
                let timeline = try SpeechAnalyzer.loudnessOnly(utterance.samples, sampleRate: 16000)
                XCTAssertEqual(timeline.method, .loudness)
                XCTAssertTrue(timeline.phones.isEmpty)
                let values = timeline.loudness.values
                XCTAssertEqual(values.count, (utterance.samples.count + 159) / 160)
                XCTAssertEqual(values.max(), 1, "normalised per clip")
                XCTAssertGreaterThanOrEqual(values.min() ?? -1, 0)
                let classes = SpeechMeasures.classes(utterance.segments, frames: values.count)
                envelope += values.map(Double.init)
                speaking += classes.map { $0 == .rest ? 0 : 1 }
                let pauses = zip(values, classes).filter { $0.1 == .rest }.map { Double($0.0) }
                pauseMeans.append(pauses.reduce(0, +) / Double(max(pauses.count, 1)))
            }
            let r = SpeechMeasures.correlation(envelope, speaking)
            print(String(format: "loudness, %@: correlation with festival's speech/pause %.3f", voice.rawValue, r))
            XCTAssertGreaterThanOrEqual(r, 0.6, "\(voice): the envelope rises in speech and falls in pauses")
            XCTAssertLessThan(SpeechMeasures.median(pauseMeans), 0.2, "\(voice): pauses are quiet")
        }
    }

    func testUnknownWordsAreRecognisedBetweenAlignedNeighbours() throws {
        let corpus = try FestivalSpeech.require()
        let analyzer = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel())
        for voice in FestivalSpeech.Voice.allCases {
            let utterance = try XCTUnwrap(corpus.unknownWord[voice])
            let timeline = try analyzer.analyze(utterance.samples, sampleRate: 16000, transcript: utterance.text)
            XCTAssertEqual(timeline.method, .alignment, "\(voice): \(timeline.notes)")
            XCTAssertEqual(timeline.notes, [.unknownWords(["zorblaxian"])])
            XCTAssertEqual(timeline.unknownWords, ["zorblaxian"])
            let words = timeline.words
            XCTAssertEqual(words.map(\.text), ["the", "zorblaxian", "canoe", "slid", "on", "the", "smooth", "planks"])
            XCTAssertEqual(words.map(\.inDictionary), [true, false, true, true, true, true, true, true])
            // The unknown word's phones are recognised inside its own span, and it has several.
            let unknown = words[1]
            let itsPhones = timeline.phones.filter { $0.word == "zorblaxian" }
            XCTAssertGreaterThanOrEqual(itsPhones.count, 4, "\(voice): \(itsPhones.map(\.symbol))")
            XCTAssertTrue(itsPhones.allSatisfy { $0.start >= unknown.start && $0.end <= unknown.end })
            // The rest still aligns: onsets of the known words' phones stay close to festival's.
            let known = timeline.phones.filter { $0.word != "zorblaxian" }
            let (differences, _) = SpeechMeasures.onsetDifferences(known, reference: utterance.segments)
            let median = SpeechMeasures.median(differences.map(abs))
            XCTAssertLessThanOrEqual(median, 0.03, "\(voice): median onset error of the known words")
            // festival's rendering of the word starts where ours does
            let festivalStart = try XCTUnwrap(utterance.segments.first { $0.phone == .z }).start
            XCTAssertEqual(unknown.start, festivalStart, accuracy: 0.05, "\(voice): the unknown word starts with festival's Z")
        }
    }

    func testATranscriptTooLongForTheSpeechFallsBackToRecognition() throws {
        let corpus = try FestivalSpeech.require()
        let analyzer = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel())
        let utterance = try XCTUnwrap(corpus.utterances[.kal]?.first)
        // Every Harvard sentence for one sentence's audio: more phones than the clip has frames for.
        let transcript = FestivalSpeech.sentences.joined(separator: " ")
        let timeline = try analyzer.analyze(utterance.samples, sampleRate: 16000, transcript: transcript)
        XCTAssertEqual(timeline.method, .recognition)
        XCTAssertTrue(timeline.words.isEmpty)
        guard case .alignmentIncomplete(let aligned, let total)? = timeline.notes.last else {
            return XCTFail("expected an alignmentIncomplete note, got \(timeline.notes)")
        }
        XCTAssertLessThan(aligned, total)
        XCTAssertEqual(total, FestivalSpeech.sentences.map { Transcript.expected($0).count }.reduce(0, +))
        let (agree, frames) = SpeechMeasures.agreement(timeline.phones, reference: utterance.segments)
        XCTAssertGreaterThan(Double(agree) / Double(frames), 0.7, "the recognised phones are the fallback's")
    }

    func testATranscriptWithoutWordsMeansRecognition() throws {
        let corpus = try FestivalSpeech.require()
        let analyzer = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel())
        let utterance = try XCTUnwrap(corpus.utterances[.slt]?.first)
        let timeline = try analyzer.analyze(utterance.samples, sampleRate: 16000, transcript: " ... -- ! ")
        XCTAssertEqual(timeline.method, .recognition)
        XCTAssertEqual(timeline.notes, [.emptyTranscript])
        XCTAssertGreaterThan(timeline.phones.filter { $0.phone != .sil }.count, 10)
    }

    func testTheTimelineRoundTripsThroughJSON() throws {
        let corpus = try FestivalSpeech.require()
        let analyzer = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel())
        let utterance = try XCTUnwrap(corpus.unknownWord[.slt])
        let timeline = try analyzer.analyze(utterance.samples, sampleRate: 16000, transcript: utterance.text)
        let data = try JSONEncoder().encode(timeline)
        let decoded = try JSONDecoder().decode(SpeechTimeline.self, from: data)
        XCTAssertEqual(decoded, timeline)
        XCTAssertEqual(decoded.formatVersion, SpeechTimeline.currentFormatVersion)
        // What a cache relies on: the same audio and settings give the same timeline, whatever
        // the analyser decoded before.
        let other = try XCTUnwrap(corpus.utterances[.kal]?.last)
        _ = try analyzer.analyze(other.samples, sampleRate: 16000, transcript: other.text)
        _ = try analyzer.analyze(other.samples, sampleRate: 16000)
        XCTAssertEqual(try analyzer.analyze(utterance.samples, sampleRate: 16000, transcript: utterance.text), timeline)
        let recognised = try analyzer.analyze(utterance.samples, sampleRate: 16000)
        _ = try analyzer.analyze(other.samples, sampleRate: 16000)
        XCTAssertEqual(try analyzer.analyze(utterance.samples, sampleRate: 16000), recognised)
        XCTAssertEqual(try SpeechAnalyzer(model: analyzer.model).analyze(utterance.samples, sampleRate: 16000), recognised)
        let canoe = try XCTUnwrap(timeline.words.first { $0.text == "canoe" }, "\(timeline.notes)")
        XCTAssertEqual(timeline.phone(at: canoe.start + 0.001)?.word, "canoe")
        XCTAssertNil(timeline.phone(at: timeline.duration + 0.1))
    }

    func testAnalysersOnTwoThreadsGiveWhatOneGives() throws {
        let corpus = try FestivalSpeech.require()
        let model = try SpeechAccuracyTests.requireModel()
        let clips = try FestivalSpeech.Voice.allCases.map { try XCTUnwrap(corpus.utterances[$0]?[2]) }
        let sequential = try clips.map { try SpeechAnalyzer(model: model).analyze($0.samples, sampleRate: 16000, transcript: $0.text) }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var timelines: [Int: SpeechTimeline] = [:]
            var errors: [any Error] = []
        }
        let results = Results()
        let inputs = clips.map { ($0.samples, $0.text) }
        DispatchQueue.concurrentPerform(iterations: inputs.count * 2) { index in
            let (samples, text) = inputs[index % inputs.count]
            do {
                // one analyser per thread, as documented
                let timeline = try SpeechAnalyzer(model: model).analyze(samples, sampleRate: 16000, transcript: text)
                results.lock.withLock { results.timelines[index] = timeline }
            } catch {
                results.lock.withLock { results.errors.append(error) }
            }
        }
        XCTAssertTrue(results.errors.isEmpty, "\(results.errors)")
        for index in 0..<(inputs.count * 2) {
            XCTAssertEqual(results.timelines[index], sequential[index % inputs.count], "run \(index)")
        }
    }
}
