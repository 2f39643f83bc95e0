// The host's speech service: effects that declare `EffectInputs.speech` get the timed phones of
// their audio (aligned to a transcript given as words or as a file, else recognised), analysed
// once and cached by content; no audio gives no speech, no model gives loudness with a warning.

import FacetMedia
import FacetSDK
import FacetSpeech
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetHost

/// An effect that records the context it was given and changes nothing.
private struct SpeechProbe: FaceEffect {
    static let transcript = TranscriptParameter("transcript", "What the audio says (words or a text file).")
    static let descriptor = EffectDescriptor(
        id: "org.facet.test.speech-probe", version: EffectVersion(1), summary: "Records its speech.", parameters: [transcript],
        temporalAccess: .wholeSequence, inputs: [.speech])
    init(parameters: EffectParameters) throws {}
    func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        SpeechRecorder.shared.record(context)
    }
}

/// What `SpeechProbe` saw, in order (the tests run one at a time).
private final class SpeechRecorder: @unchecked Sendable {
    // Safe to share: every access takes `lock`.
    static let shared = SpeechRecorder()
    private let lock = NSLock()
    private var contexts: [EffectContext] = []

    func record(_ context: EffectContext) {
        lock.lock()
        defer { lock.unlock() }
        contexts.append(context)
    }

    /// The contexts recorded since the last call.
    func take() -> [EffectContext] {
        lock.lock()
        defer { lock.unlock() }
        defer { contexts = [] }
        return contexts
    }
}

/// A sentence spoken by festival, as a WAV and as a small video with that sound, and a video
/// without sound; made once for the whole class.
private struct SpeechFixture {
    static let sentence = "Glue the sheet to the dark blue background."
    static let shared: Result<SpeechFixture, any Error> = Result { try SpeechFixture() }

    let directory: URL
    let wav: URL
    let talking: URL
    let silent: URL

    private init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-host-speech-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        wav = directory.appendingPathComponent("speech.wav")
        try FestivalCLI.say(Self.sentence, to: wav)
        talking = directory.appendingPathComponent("talking.mp4")
        try FFmpegCLI.run(
            [
                "-f", "lavfi", "-i", "color=c=gray:size=64x64:rate=10", "-i", wav.path, "-c:v", "libx264", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-shortest", talking.path,
            ], in: directory)
        silent = directory.appendingPathComponent("silent.mp4")
        try FFmpegCLI.run(
            ["-f", "lavfi", "-i", "color=c=gray:size=64x64:rate=10:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", silent.path],
            in: directory)
    }

    static func require() throws -> SpeechFixture { try shared.get() }
}

final class SpeechInputServiceTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-speech-service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = SpeechRecorder.shared.take()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Skips (fails under `CI=true`) when the pocketsphinx model is not installed.
    private func requireModel() throws {
        do { _ = try SpeechModel.locate() } catch {
            if SharedData.isCI { throw FixtureError("CI=true requires the speech model: \(ErrorChain.describe(error))") }
            throw XCTSkip("no speech model: \(ErrorChain.describe(error)) (apt install pocketsphinx-en-us)")
        }
    }

    /// Runs the probe over `input` with `transcript` and returns the speech it got and the report.
    private func run(
        _ input: URL, transcript: String = "", audio: URL? = nil, service: AnalysedSpeechInputs
    ) throws -> (context: EffectContext, report: ApplyReport) {
        let invocation = try EffectInvocation(effect: EffectFactory(SpeechProbe.self), given: ["transcript": .text(transcript)])
        let chain = EffectChain(invocations: [invocation])
        var pipeline = Pipeline()
        pipeline.speechInputs = service
        let output = directory.appendingPathComponent("out-\(UUID().uuidString).mp4")
        let report = try pipeline.apply(ApplyRequest(input: input, output: output, chain: chain, audio: audio))
        let contexts = SpeechRecorder.shared.take()
        XCTAssertEqual(contexts.count, 1, "the probe runs once per run")
        return (try XCTUnwrap(contexts.first), report)
    }

    private static func spokenWords(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter }.map(String.init)
    }

    /// The phones lie in the audio's span, cover it in order, and include speech.
    private func checkPhones(_ speech: SpeechInput, audio: AudioClip, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(speech.startTime, audio.startTime, accuracy: 1e-9, file: file, line: line)
        XCTAssertEqual(speech.duration, audio.duration, accuracy: 0.02, file: file, line: line)
        XCTAssertGreaterThan(speech.phones.filter { !$0.isSilence }.count, 10, "a sentence has many phones", file: file, line: line)
        let end = audio.startTime + audio.duration + 1e-6
        for phone in speech.phones {
            XCTAssertTrue(
                phone.start >= audio.startTime - 1e-6 && phone.end <= end && phone.start < phone.end,
                "\(phone) lies outside \(audio.startTime)…\(end)", file: file, line: line)
        }
        XCTAssertEqual(zip(speech.phones, speech.phones.dropFirst()).filter { $0.end > $1.start + 1e-9 }.count, 0, file: file, line: line)
        XCTAssertFalse(speech.loudness.isEmpty, file: file, line: line)
    }

    func testATranscriptIsAlignedAndThePhonesLieInTheAudio() throws {
        try requireModel()
        let fixture = try SpeechFixture.require()
        let service = AnalysedSpeechInputs(cache: nil)
        let (context, report) = try run(fixture.talking, transcript: SpeechFixture.sentence, service: service)
        let audio = try XCTUnwrap(context.audio, ".speech implies .audio")
        let speech = try XCTUnwrap(context.speech)
        XCTAssertEqual(speech.method, .alignment)
        checkPhones(speech, audio: audio)
        XCTAssertEqual(speech.words.map(\.text), Self.spokenWords(SpeechFixture.sentence))
        XCTAssertTrue(speech.phones.contains { $0.word == "background" })
        XCTAssertEqual(report.speech.count, 1)
        XCTAssertEqual(report.speech.first?.method, .alignment)
        XCTAssertEqual(report.speech.first?.phones, speech.phones.filter { !$0.isSilence }.count)
        XCTAssertEqual(report.speech.first?.fromCache, false)
    }

    func testATranscriptFileIsReadAndWithoutATranscriptThePhonesAreRecognised() throws {
        try requireModel()
        let fixture = try SpeechFixture.require()
        let file = directory.appendingPathComponent("words.txt")
        try (SpeechFixture.sentence + "\n").write(to: file, atomically: true, encoding: .utf8)
        let service = AnalysedSpeechInputs(cache: nil)
        let fromFile = try XCTUnwrap(try run(fixture.talking, transcript: file.path, service: service).context.speech)
        XCTAssertEqual(fromFile.method, .alignment)
        XCTAssertEqual(fromFile.words.map(\.text), Self.spokenWords(SpeechFixture.sentence), "the file's words, not its path")

        let (context, _) = try run(fixture.talking, service: service)
        let recognised = try XCTUnwrap(context.speech)
        XCTAssertEqual(recognised.method, .recognition)
        XCTAssertTrue(recognised.words.isEmpty)
        checkPhones(recognised, audio: try XCTUnwrap(context.audio))
        XCTAssertEqual(service.analysesRun, 2)
    }

    func testTheSecondRunIsServedFromTheCacheAndAnotherTranscriptIsNot() throws {
        try requireModel()
        let fixture = try SpeechFixture.require()
        let cache = SpeechTimelineCache(directory: directory.appendingPathComponent("speech"))
        let first = AnalysedSpeechInputs(cache: cache)
        let analysed = try XCTUnwrap(try run(fixture.talking, transcript: SpeechFixture.sentence, service: first).context.speech)
        XCTAssertEqual(first.analysesRun, 1)
        XCTAssertEqual(first.reports.map(\.fromCache), [false])
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.directory.path)
        XCTAssertEqual(entries.count, 1, "one timeline stored: \(entries)")

        let second = AnalysedSpeechInputs(cache: cache)
        let (context, report) = try run(fixture.talking, transcript: SpeechFixture.sentence, service: second)
        XCTAssertEqual(second.analysesRun, 0, "the second run must not analyse again")
        XCTAssertEqual(report.speech.map(\.fromCache), [true])
        XCTAssertEqual(context.speech, analysed)

        let other = AnalysedSpeechInputs(cache: cache)
        let shorter = try XCTUnwrap(try run(fixture.talking, transcript: "Glue the sheet.", service: other).context.speech)
        XCTAssertEqual(other.analysesRun, 1, "another transcript is another entry")
        XCTAssertNotEqual(shorter.words, analysed.words)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.directory.path).count, 2)

        let uncached = AnalysedSpeechInputs(cache: nil)
        _ = try run(fixture.talking, transcript: SpeechFixture.sentence, service: uncached)
        XCTAssertEqual(uncached.analysesRun, 1, "without a cache (--no-cache) every run analyses")
    }

    func testAWrongTranscriptIsRecognisedWithAWarningAlsoFromTheCache() throws {
        try requireModel()
        let fixture = try SpeechFixture.require()
        let cache = SpeechTimelineCache(directory: directory.appendingPathComponent("speech"))
        let wrong = "The birch canoe slid on the smooth planks."
        for (round, service) in [AnalysedSpeechInputs(cache: cache), AnalysedSpeechInputs(cache: cache)].enumerated() {
            let (context, report) = try run(fixture.talking, transcript: wrong, service: service)
            let speech = try XCTUnwrap(context.speech)
            XCTAssertEqual(speech.method, .recognition, "round \(round)")
            XCTAssertTrue(speech.words.isEmpty)
            XCTAssertEqual(report.speech.map(\.fromCache), [round == 1])
            let warning = report.warnings.first { $0.contains("does not match the audio") } ?? "none in \(report.warnings)"
            XCTAssertTrue(warning.hasPrefix("speech: the transcript \"\(wrong)\""), "round \(round): \(warning)")
            XCTAssertTrue(warning.contains("recognised instead"), warning)
        }
        // The matching transcript is another entry, aligned, without the warning.
        let right = AnalysedSpeechInputs(cache: cache)
        let (context, report) = try run(fixture.talking, transcript: SpeechFixture.sentence, service: right)
        XCTAssertEqual(context.speech?.method, .alignment)
        XCTAssertEqual(right.analysesRun, 1)
        XCTAssertFalse(report.warnings.contains { $0.contains("does not match") }, "\(report.warnings)")
    }

    func testNoiseGetsLoudnessOnlyWithAWarning() throws {
        try requireModel()
        let noise = directory.appendingPathComponent("noise.wav")
        try FFmpegCLI.run(["-f", "lavfi", "-i", "anoisesrc=d=2:c=white:a=0.3:r=16000", noise.path], in: directory)
        let fixture = try SpeechFixture.require()
        let service = AnalysedSpeechInputs(cache: nil)
        let (context, report) = try run(fixture.silent, audio: noise, service: service)
        let speech = try XCTUnwrap(context.speech)
        XCTAssertEqual(speech.method, .loudness)
        XCTAssertTrue(speech.phones.isEmpty)
        XCTAssertGreaterThan(speech.loudness.max() ?? 0, 0.9)
        XCTAssertTrue(report.warnings.contains { $0.hasPrefix("speech: the audio does not sound like speech") }, "\(report.warnings)")
    }

    func testTheCacheKeyFollowsTheSamplesTheTranscriptAndTheAnalyser() {
        let samples: [Float] = (0..<1600).map { sin(Float($0) * 0.1) * 0.5 }
        let key = SpeechTimelineCache.key(samples: samples, sampleRate: 16000, transcript: "hello", identity: "a")
        XCTAssertEqual(key, SpeechTimelineCache.key(samples: samples, sampleRate: 16000, transcript: "hello", identity: "a"))
        var changed = samples
        changed[800] += 0.01
        let others = [
            SpeechTimelineCache.key(samples: changed, sampleRate: 16000, transcript: "hello", identity: "a"),
            SpeechTimelineCache.key(samples: samples, sampleRate: 16000, transcript: "hello there", identity: "a"),
            SpeechTimelineCache.key(samples: samples, sampleRate: 16000, transcript: nil, identity: "a"),
            SpeechTimelineCache.key(samples: samples, sampleRate: 16000, transcript: "", identity: "a"),
            SpeechTimelineCache.key(samples: samples, sampleRate: 16000, transcript: "hello", identity: "b"),
        ]
        XCTAssertEqual(Set(others + [key]).count, others.count + 1, "every change gives another key")
        XCTAssertEqual(
            SpeechTimelineCache.userCache(environment: ["FACET_CACHE_DIR": "/c", "HOME": "/home/u"])?.directory.path, "/c/speech")
        XCTAssertEqual(SpeechTimelineCache.userCache(environment: ["HOME": "/home/u"])?.directory.path, "/home/u/.cache/facet/speech")
    }

    func testWithoutAudioTheEffectGetsNoSpeechAndASeparateAudioFileIsHeard() throws {
        let fixture = try SpeechFixture.require()
        let service = AnalysedSpeechInputs(modelDirectory: directory.appendingPathComponent("no-model"), cache: nil)
        let (context, report) = try run(fixture.silent, transcript: SpeechFixture.sentence, service: service)
        XCTAssertNil(context.audio)
        XCTAssertNil(context.speech)
        XCTAssertTrue(report.speech.isEmpty)

        let heard = try run(fixture.silent, audio: fixture.wav, service: service).context
        XCTAssertNotNil(heard.audio, "--audio FILE is the effect's audio")
        XCTAssertNotNil(heard.speech)
    }

    func testWithoutAModelTheEffectGetsLoudnessAndAWarningNamingThePath() throws {
        let fixture = try SpeechFixture.require()
        let missing = directory.appendingPathComponent("no-model")
        let service = AnalysedSpeechInputs(
            modelDirectory: missing, cache: SpeechTimelineCache(directory: directory.appendingPathComponent("c")))
        let (context, report) = try run(fixture.talking, transcript: SpeechFixture.sentence, service: service)
        let speech = try XCTUnwrap(context.speech)
        XCTAssertEqual(speech.method, .loudness)
        XCTAssertTrue(speech.phones.isEmpty)
        XCTAssertEqual(speech.loudness.max() ?? 0, 1, accuracy: 1e-6, "the envelope is scaled to the clip's loudest frame")
        let warning = report.warnings.first { $0.contains("no speech model") } ?? "no warning in \(report.warnings)"
        XCTAssertTrue(warning.contains(missing.path), warning)
        XCTAssertEqual(report.speech.map(\.method), [.loudness])
        XCTAssertEqual(service.analysesRun, 0)
    }

    func testTimesAreShiftedToTheVideoTimeline() {
        let timeline = SpeechTimeline(
            duration: 1, method: .alignment,
            phones: [TimedPhone(phone: .sil, start: 0, end: 0.4), TimedPhone(phone: .m, start: 0.4, end: 1, word: "mm")],
            words: [TimedWord(text: "mm", start: 0.4, end: 1, inDictionary: true)],
            loudness: LoudnessEnvelope(values: [0, 1], peakDecibels: -10))
        let input = AnalysedSpeechInputs.input(timeline, startTime: 2.5)
        XCTAssertEqual(input.phones.map(\.symbol), ["SIL", "M"])
        XCTAssertEqual(input.phones.map(\.start), [2.5, 2.9])
        XCTAssertEqual(input.words.map(\.end), [3.5])
        XCTAssertEqual(input.phone(at: 3.0)?.word, "mm")
        XCTAssertEqual(input.startTime, 2.5)
    }

    func testAPresetFindsItsTranscriptFileBesideIt() throws {
        var registry = EffectRegistry.builtIn
        try registry.register(SpeechProbe.self)
        let folder = directory.appendingPathComponent("presets")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "Glue the sheet.".write(to: folder.appendingPathComponent("words.txt"), atomically: true, encoding: .utf8)
        let preset = folder.appendingPathComponent("talk.yaml")
        try """
        format: 1
        chain:
          - effect: speech-probe
            params:
              transcript: words.txt
          - effect: speech-probe
            params:
              transcript: glue the sheet
        """.write(to: preset, atomically: true, encoding: .utf8)
        let chain = try PresetLoader.load(contentsOf: preset, registry: registry).chain
        let texts = chain.invocations.map { invocation -> String in
            guard case .text(let text)? = invocation.parameters.values["transcript"] else { return "?" }
            return text
        }
        XCTAssertEqual(texts, [folder.appendingPathComponent("words.txt").standardizedFileURL.path, "glue the sheet"])
        XCTAssertEqual(try TranscriptText.resolve(texts[0]), "Glue the sheet.")
        XCTAssertEqual(try TranscriptText.resolve(texts[1]), "glue the sheet")
    }
}
