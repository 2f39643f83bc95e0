import FacetErrors
import FacetSDK
import FacetSpeech
import Foundation

// The host service behind `EffectInputs.speech`: the audio an effect gets becomes timed phones
// in its context. The pipeline asks once per effect that declares `.speech`, after the audio is
// decoded; the same audio and transcript asked for twice are analysed once, and the timeline is
// cached by content between runs (`SpeechTimelineCache`).

/// Turns an effect's audio (and transcript) into the SDK's `SpeechInput`.
public protocol SpeechInputProvider: AnyObject {
    /// The speech of `audio`, said with `transcript` (nil or empty: the phones are recognised);
    /// times are on the video's timeline (`audio.startTime` added).
    func speech(of audio: AudioClip, transcript: String?) throws(HostError) -> SpeechInput
    /// What was analysed so far, one entry per distinct audio and transcript, in the order asked for.
    var reports: [SpeechReport] { get }
    /// Warnings met on the way (no model: loudness only; a transcript that does not match the audio;
    /// audio that is not speech; a cache that could not be written).
    var warnings: [String] { get }
}

/// How one effect's speech was prepared, for the run's report.
public struct SpeechReport: Sendable, Equatable, Codable {
    /// Length of the audio analysed, in seconds.
    public var duration: Double
    /// How the phones were found.
    public var method: SpeechInput.Method
    /// Phones other than silence.
    public var phones: Int
    /// Words of the transcript placed (0 without a transcript).
    public var words: Int
    /// Whether the timeline came from the cache (no analysis ran).
    public var fromCache: Bool
    /// Seconds spent analysing (0 from the cache).
    public var analysisSeconds: Double
}

/// Speech analysed with pocketsphinx (`FacetSpeech`), cached by content; without a speech model,
/// loudness only, with one warning naming where the model was looked for.
public final class AnalysedSpeechInputs: SpeechInputProvider {
    /// See `SpeechInputProvider`.
    public private(set) var reports: [SpeechReport] = []
    /// See `SpeechInputProvider`.
    public private(set) var warnings: [String] = []
    /// How many analyses ran in this service (cache hits and repeats excluded); for tests and
    /// benchmarks.
    public private(set) var analysesRun = 0

    private let modelDirectory: URL?
    private let environment: [String: String]
    private let cache: SpeechTimelineCache?
    /// The analyser, made on first use; nil inside when there is no model (`modelMissing`).
    private var analyzer: SpeechAnalyzer?
    private var modelMissing = false
    private var prepared: [String: SpeechTimeline] = [:]

    /// A service that looks for the speech model in `modelDirectory`, else
    /// `$FACET_SPEECH_MODEL_DIR` (in `environment`), else Debian's pocketsphinx-en-us folder
    /// (`SpeechModel.locate`), and keeps timelines in `cache` (nil: analyse every time).
    public init(
        modelDirectory: URL? = nil, cache: SpeechTimelineCache?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.modelDirectory = modelDirectory
        self.cache = cache
        self.environment = environment
    }

    /// See `SpeechInputProvider`.
    public func speech(of audio: AudioClip, transcript: String?) throws(HostError) -> SpeechInput {
        let transcript = transcript.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        let samples = audio.samples
        guard let analyzer = try loadAnalyzer() else {
            let timeline: SpeechTimeline
            do { timeline = try SpeechAnalyzer.loudnessOnly(samples, sampleRate: audio.sampleRate) } catch {
                throw HostError(.speechFailed, "the loudness of the audio could not be measured", cause: error)
            }
            report(timeline, fromCache: false, seconds: 0)
            return Self.input(timeline, startTime: audio.startTime)
        }
        let key = SpeechTimelineCache.key(
            samples: samples, sampleRate: audio.sampleRate, transcript: transcript, identity: analyzer.cacheIdentity)
        if let known = prepared[key] { return Self.input(known, startTime: audio.startTime) }
        if let cache, let timeline = cache.timeline(for: key) {
            prepared[key] = timeline
            report(timeline, fromCache: true, seconds: 0)
            warn(timeline)  // a cached fallback is warned about as on the run that analysed it
            return Self.input(timeline, startTime: audio.startTime)
        }
        let started = Date()
        let timeline: SpeechTimeline
        do { timeline = try analyzer.analyze(samples, sampleRate: audio.sampleRate, transcript: transcript) } catch {
            throw HostError(
                .speechFailed, String(format: "the speech of %.1f s of audio could not be analysed", audio.duration), cause: error)
        }
        analysesRun += 1
        prepared[key] = timeline
        report(timeline, fromCache: false, seconds: Date().timeIntervalSince(started))
        warn(timeline)
        if let cache, let warning = cache.store(timeline, for: key) { warnings.append(warning) }
        return Self.input(timeline, startTime: audio.startTime)
    }

    /// The analyser, or nil (with one warning) when the model is not where it was looked for.
    private func loadAnalyzer() throws(HostError) -> SpeechAnalyzer? {
        if let analyzer { return analyzer }
        if modelMissing { return nil }
        do {
            let made = SpeechAnalyzer(model: try SpeechModel.locate(modelDirectory, environment: environment))
            analyzer = made
            return made
        } catch {
            guard error.code == .modelNotFound else {
                throw HostError(.speechFailed, "the speech model could not be used", cause: error)
            }
            modelMissing = true
            warnings.append(
                "no speech model (\(ErrorChain.describe(error))); effects get loudness only, no phones (or pass --speech-model DIR)")
            return nil
        }
    }

    /// One warning per note of `timeline` (unknown words, a transcript that does not match, music
    /// or noise), but none for plain silence.
    private func warn(_ timeline: SpeechTimeline) {
        for note in timeline.notes where note != .noSpeech { warnings.append("speech: \(note)") }
    }

    private func report(_ timeline: SpeechTimeline, fromCache: Bool, seconds: Double) {
        reports.append(
            SpeechReport(
                duration: timeline.duration, method: Self.method(timeline.method),
                phones: timeline.phones.filter { $0.phone != .sil }.count, words: timeline.words.count, fromCache: fromCache,
                analysisSeconds: seconds))
    }

    // MARK: - Conversion to the SDK's form

    /// The SDK's speech input for `timeline`, every time moved by `startTime` (the audio's first
    /// sample on the video's timeline).
    static func input(_ timeline: SpeechTimeline, startTime: Double) -> SpeechInput {
        SpeechInput(
            method: method(timeline.method),
            phones: timeline.phones.map {
                SpeechPhone(symbol: $0.symbol, start: $0.start + startTime, end: $0.end + startTime, word: $0.word)
            },
            words: timeline.words.map { SpeechWord(text: $0.text, start: $0.start + startTime, end: $0.end + startTime) },
            loudness: timeline.loudness.values, loudnessRate: Double(LoudnessEnvelope.frameRate), startTime: startTime,
            duration: timeline.duration)
    }

    private static func method(_ method: SpeechMethod) -> SpeechInput.Method {
        switch method {
        case .alignment: .alignment
        case .recognition: .recognition
        case .loudness: .loudness
        }
    }
}

// MARK: - Transcripts

enum TranscriptText {
    /// The largest transcript file read (a transcript is words; anything larger is a wrong path).
    static let maximumFileBytes = 1 << 20

    /// The transcript a parameter's text stands for: the contents of the file it names when one
    /// exists (relative paths against the working directory; a preset's were made absolute
    /// against its folder when it was read), else the text itself; nil when empty.
    static func resolve(_ text: String) throws(HostError) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        var isDirectory: ObjCBool = false
        // A path is one line; words with a newline are never a file name.
        guard !trimmed.contains("\n"), FileManager.default.fileExists(atPath: trimmed, isDirectory: &isDirectory),
            !isDirectory.boolValue
        else { return trimmed }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: trimmed))
            defer { try? handle.close() }
            data = try handle.read(upToCount: maximumFileBytes + 1) ?? Data()
        } catch {
            throw HostError(.speechFailed, "the transcript file cannot be read", path: trimmed, cause: error)
        }
        guard data.count <= maximumFileBytes else {
            throw HostError(
                .speechFailed, "the transcript file is larger than \(maximumFileBytes / 1024) KiB; expected the words of the audio",
                path: trimmed)
        }
        guard let contents = String(data: data, encoding: .utf8) else {
            throw HostError(.speechFailed, "the transcript file is not UTF-8 text; expected the words of the audio", path: trimmed)
        }
        let words = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        return words.isEmpty ? nil : words
    }
}
