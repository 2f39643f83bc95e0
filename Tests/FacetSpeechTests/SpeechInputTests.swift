import FacetSpeech
import Foundation
import XCTest

/// Bad input gives the documented errors, with no model or festival needed.
final class SpeechInputTests: XCTestCase {
    private let missing = URL(fileURLWithPath: "/nonexistent/facet-speech-model")

    func testAnotherSampleRateIsRefused() {
        let analyzer = SpeechAnalyzer(model: SpeechModel(acousticModel: missing, dictionary: missing, phoneLanguageModel: missing))
        let samples = [Float](repeating: 0.1, count: 44100)
        XCTAssertThrowsError(try analyzer.analyze(samples, sampleRate: 44100)) { error in
            let error = error as? SpeechError
            XCTAssertEqual(error?.code, .unsupportedAudio)
            XCTAssertTrue(error?.message.contains("16000 Hz") == true, error?.message ?? "")
            XCTAssertTrue(error?.message.contains("44100 Hz") == true, error?.message ?? "")
        }
        XCTAssertThrowsError(try SpeechAnalyzer.loudnessOnly(samples, sampleRate: 8000)) { error in
            XCTAssertEqual((error as? SpeechError)?.code, .unsupportedAudio)
        }
    }

    func testEmptyAndNonFiniteAudioIsRefused() {
        let analyzer = SpeechAnalyzer(model: SpeechModel(acousticModel: missing, dictionary: missing, phoneLanguageModel: missing))
        XCTAssertThrowsError(try analyzer.analyze([], sampleRate: 16000, transcript: "hello")) { error in
            let error = error as? SpeechError
            XCTAssertEqual(error?.code, .unsupportedAudio)
            XCTAssertTrue(error?.message.contains("no samples") == true, error?.message ?? "")
        }
        var samples = [Float](repeating: 0, count: 16000)
        samples[8000] = .nan
        XCTAssertThrowsError(try analyzer.analyze(samples, sampleRate: 16000)) { error in
            let error = error as? SpeechError
            XCTAssertEqual(error?.code, .unsupportedAudio)
            XCTAssertTrue(error?.message.contains("sample 8000 (at 0.500 s)") == true, error?.message ?? "")
        }
    }

    func testAMissingModelFolderIsNamedWithWhereItCameFrom() {
        XCTAssertThrowsError(try SpeechModel.locate(missing)) { error in
            let error = error as? SpeechError
            XCTAssertEqual(error?.code, .modelNotFound)
            let message = error?.message ?? ""
            XCTAssertTrue(message.contains(missing.path + " (the folder given)"), message)
            for file in ["en-us/mdef", "cmudict-en-us.dict", "en-us-phone.lm.bin"] {
                XCTAssertTrue(message.contains(missing.appendingPathComponent(file).path), "\(file): \(message)")
            }
        }
        let environment = [SpeechModel.environmentVariable: "/nonexistent/from-env"]
        XCTAssertThrowsError(try SpeechModel.locate(environment: environment)) { error in
            let message = (error as? SpeechError)?.message ?? ""
            XCTAssertTrue(message.contains("/nonexistent/from-env ($FACET_SPEECH_MODEL_DIR)"), message)
        }
    }

    func testAFolderWithoutAModelDefinitionIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("facet-speech-fake-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let acoustic = folder.appendingPathComponent("en-us")
        try FileManager.default.createDirectory(at: acoustic, withIntermediateDirectories: true)
        for file in ["en-us/mdef", "en-us/means", "en-us/variances", "cmudict-en-us.dict", "en-us-phone.lm.bin"] {
            try Data("not a model".utf8).write(to: folder.appendingPathComponent(file))
        }
        XCTAssertThrowsError(try SpeechModel.locate(folder)) { error in
            let error = error as? SpeechError
            XCTAssertEqual(error?.code, .modelNotFound)
            XCTAssertTrue(error?.message.contains("is not a pocketsphinx acoustic model definition") == true, error?.message ?? "")
        }
    }

    func testAModelThatWillNotLoadIsADecoderErrorWithPocketSphinxsReason() throws {
        let installed = try SpeechAccuracyTests.requireModel()
        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("facet-speech-garbage-\(getpid()).lm.bin")
        defer { try? FileManager.default.removeItem(at: garbage) }
        try Data("not a language model".utf8).write(to: garbage)
        // The real acoustic model and dictionary with a phone language model that is not one.
        let broken = SpeechModel(
            acousticModel: installed.acousticModel, dictionary: installed.dictionary, phoneLanguageModel: garbage)
        let analyzer = SpeechAnalyzer(model: broken)
        let samples = (0..<16000).map { Float(sin(Double($0) * 0.2)) * 0.3 }
        XCTAssertThrowsError(try analyzer.analyze(samples, sampleRate: 16000)) { error in
            let error = error as? SpeechError
            XCTAssertEqual(error?.code, .decoderFailed, "\(String(describing: error))")
            let log = error?.cause as? PocketSphinxLog
            XCTAssertTrue(log?.errors.contains { $0.contains(garbage.path) } == true, "\(String(describing: error))")
            XCTAssertTrue(error?.message.contains("phone recognition") == true, error?.message ?? "")
        }
        // Alignment is judged against phone recognition (SpeechQuality), so it needs the phone
        // language model too: the same error with a transcript.
        XCTAssertThrowsError(try analyzer.analyze(samples, sampleRate: 16000, transcript: "ah")) { error in
            XCTAssertEqual((error as? SpeechError)?.code, .decoderFailed, "\(error)")
        }
    }
}
