import Foundation

/// Finds what was said when in 16 kHz mono speech: phones aligned to a transcript, else recognised
/// phones, else (no speech) only a loudness envelope.
///
/// ```swift
/// let analyzer = SpeechAnalyzer(model: try SpeechModel.locate())
/// let timeline = try analyzer.analyze(samples, sampleRate: 16000, transcript: "Hello there.")
/// for phone in timeline.phones { print(phone.symbol, phone.start, phone.end) }
/// ```
///
/// The decoders (pocketsphinx) load on first use: phone recognition ~0.02 s, alignment ~0.1 s
/// (it reads the 134,000-word dictionary). An analyser is not thread-safe: use it from one thread at a time,
/// or one per thread. (Every pocketsphinx call in the process takes one lock, so analysers on
/// several threads take turns; the results are `Sendable` values.)
public final class SpeechAnalyzer {
    /// The only sample rate the analyser takes, in Hz (the acoustic model's).
    public static let sampleRate = 16000

    /// The decoder settings of phone recognition (pocketsphinx's "-name value" arguments besides
    /// the model paths): the allphone search over the phone language model with context-independent
    /// phones (context-dependent ones are ~15x slower), wide beams, language weight
    /// 2; silence is not removed (pocketsphinx's VAD drops frames and shifts every later time).
    public static let recognitionSettings: [(name: String, value: String)] = [
        ("-allphone_ci", "yes"), ("-beam", "1e-20"), ("-pbeam", "1e-20"), ("-lw", "2.0"),
        ("-remove_silence", "no"),
    ]

    /// The decoder settings of alignment: the grammar search with no filler words (pauses are in
    /// the grammar), wide beams (the grammar leaves few paths), silence not removed.
    public static let alignmentSettings: [(name: String, value: String)] = [
        ("-fsgusefiller", "no"), ("-beam", "1e-60"), ("-pbeam", "1e-60"), ("-wbeam", "1e-60"),
        ("-remove_silence", "no"),
    ]

    /// Samples per decoder frame (10 ms at 16 kHz).
    static let frameSamples = sampleRate / LoudnessEnvelope.frameRate

    /// The model the decoders load.
    public let model: SpeechModel
    private var recognizer: PocketSphinxDecoder?
    private var aligner: PocketSphinxDecoder?

    /// An analyser of speech with `model` (see `SpeechModel.locate`). Nothing loads until the first
    /// analysis.
    public init(model: SpeechModel) {
        self.model = model
    }

    /// What the results depend on besides the audio and the transcript: the format version, the
    /// model's paths and the decoder settings. A cache keys entries by it with the audio's digest.
    public var cacheIdentity: String {
        let settings = { (list: [(name: String, value: String)]) in list.map { "\($0.name) \($0.value)" }.joined(separator: " ") }
        return "FacetSpeech timeline v\(SpeechTimeline.currentFormatVersion); pocketsphinx 0.8; \(model); "
            + "recognition \(settings(Self.recognitionSettings)); alignment \(settings(Self.alignmentSettings)); "
            + SpeechQuality.identity
    }

    /// Analyses one clip of speech.
    ///
    /// - Parameters:
    ///   - samples: mono PCM, full scale ±1 (louder samples are clipped), at 16 kHz. Resample
    ///     other audio first (`AudioDecoder.decodePCM(url:sampleRate:)` of FacetMedia does).
    ///   - sampleRate: the samples' rate; anything but 16000 is refused.
    ///   - transcript: what is said, as plain text (punctuation and case are ignored). With one,
    ///     the words are aligned (`alignment`); without, or when it has no words, cannot be
    ///     aligned, or does not match the audio (`SpeechQuality.minimumAlignmentScore`, note
    ///     `transcriptMismatch`), the phones are recognised (`recognition`).
    /// - Returns: the timeline. A clip with no speech (nothing above -60 dBFS, e.g. all zeros)
    ///   gives no phones, method `loudness` and the note `noSpeech`; a loud clip that does not sound
    ///   like speech (music, noise: `SpeechQuality.minimumSpeechPhoneRate`) the same with the note
    ///   `notSpeech`. Phone recognition runs for every clip with sound, also when a transcript is
    ///   aligned: both checks compare against it.
    /// - Throws: `unsupportedAudio` for another rate, no samples, or NaN/infinite samples;
    ///   `decoderFailed` when pocketsphinx cannot load the model or decode (its logged errors are
    ///   the cause).
    public func analyze(_ samples: [Float], sampleRate: Int, transcript: String? = nil) throws(SpeechError) -> SpeechTimeline {
        try Self.check(samples, sampleRate: sampleRate)
        let duration = Double(samples.count) / Double(Self.sampleRate)
        let loudness = LoudnessEnvelope.measure(samples, sampleRate: sampleRate)
        guard loudness.hasSound else {
            return SpeechTimeline(duration: duration, method: .loudness, phones: [], loudness: loudness, notes: [.noSpeech])
        }
        let pcm = Self.pcm16(samples)
        let frames = (samples.count + Self.frameSamples - 1) / Self.frameSamples
        // Recognition runs for every clip with sound: it tells speech from music or noise, and it
        // is what an alignment's score is measured against.
        let segments = try recognitionDecoder().decode(pcm)
        let framed = segments.compactMap { segment -> FramedPhone? in
            guard let phone = Phone(pocketSphinxSymbol: segment.word) else { return nil }
            return FramedPhone(phone: phone, firstFrame: segment.firstFrame, lastFrame: segment.lastFrame)
        }
        let recognized = Self.timed(framed, duration: duration, words: []).phones
        let rate = SpeechQuality.speechPhoneRate(recognized, loudness: loudness)
        if let rate, rate < SpeechQuality.minimumSpeechPhoneRate {
            return SpeechTimeline(
                duration: duration, method: .loudness, phones: [], loudness: loudness,
                notes: [.notSpeech(phoneRate: rate, threshold: SpeechQuality.minimumSpeechPhoneRate)], speechPhoneRate: rate)
        }
        var notes: [SpeechNote] = []
        var score: Double?
        if let transcript {
            let aligner = try alignmentDecoder()
            let words = Transcript.words(of: transcript) { aligner.pronunciation(of: $0) != nil }
            if words.isEmpty {
                notes.append(.emptyTranscript)
            } else {
                let grammar = AlignmentGrammar(words: words) { Self.pronunciations(of: $0, in: aligner) }
                if !grammar.unknownWords.isEmpty { notes.append(.unknownWords(grammar.unknownWords)) }
                try aligner.useGrammar(grammar.jsgf, name: AlignmentGrammar.searchName)
                let decoded = try aligner.decode(pcm)
                let (framed, placed) = grammar.place(decoded)
                if placed == grammar.words.count {
                    // Not judged with unknown words: their any-phone stretch, under the grammar's
                    // penalties, pulls the words after it off and scores like a wrong transcript
                    // (-1.7 / -2.1 on the test sentence).
                    let quality =
                        grammar.unknownWords.isEmpty
                        ? SpeechQuality.alignmentScore(aligned: decoded, recognized: segments, frames: frames) : nil
                    score = quality
                    if quality.map({ $0 >= SpeechQuality.minimumAlignmentScore }) ?? true {
                        let (phones, indices) = Self.timed(framed, duration: duration, words: grammar.words)
                        let words = Self.words(of: phones, indices: indices, grammar: grammar)
                        return SpeechTimeline(
                            duration: duration, method: .alignment, phones: phones, words: words, loudness: loudness,
                            notes: notes, alignmentScore: quality, speechPhoneRate: rate)
                    }
                    notes.append(
                        .transcriptMismatch(
                            transcript: SpeechQuality.excerpt(transcript), score: quality ?? 0,
                            threshold: SpeechQuality.minimumAlignmentScore))
                } else {
                    notes.append(.alignmentIncomplete(aligned: placed, total: grammar.words.count))
                }
            }
        }
        return SpeechTimeline(
            duration: duration, method: .recognition, phones: recognized, loudness: loudness, notes: notes,
            alignmentScore: score, speechPhoneRate: rate)
    }

    /// A timeline without phones, from loudness alone: for when there is no model. Checks the
    /// audio as `analyze` does.
    public static func loudnessOnly(_ samples: [Float], sampleRate: Int) throws(SpeechError) -> SpeechTimeline {
        try check(samples, sampleRate: sampleRate)
        let loudness = LoudnessEnvelope.measure(samples, sampleRate: sampleRate)
        return SpeechTimeline(
            duration: Double(samples.count) / Double(sampleRate), method: .loudness, phones: [], loudness: loudness,
            notes: loudness.hasSound ? [] : [.noSpeech])
    }

    // MARK: - Decoders

    private func recognitionDecoder() throws(SpeechError) -> PocketSphinxDecoder {
        if let recognizer { return recognizer }
        try model.validate()
        let made = try PocketSphinxDecoder(
            settings: [("-hmm", model.acousticModel.path), ("-allphone", model.phoneLanguageModel.path)]
                + Self.recognitionSettings,
            purpose: "phone recognition", path: model.acousticModel.path, strict: true)
        recognizer = made
        return made
    }

    private func alignmentDecoder() throws(SpeechError) -> PocketSphinxDecoder {
        if let aligner { return aligner }
        try model.validate()
        let made = try PocketSphinxDecoder(
            settings: [("-hmm", model.acousticModel.path), ("-dict", model.dictionary.path)] + Self.alignmentSettings,
            // not strict: the dictionary logs, and skips, entries with phones the model lacks
            purpose: "alignment", path: model.acousticModel.path, strict: false)
        try made.addWords(AlignmentGrammar.dictionaryEntries)
        aligner = made
        return made
    }

    /// Every pronunciation the dictionary lists for `word` (`word`, `word(2)`, `word(3)`, …); none
    /// when it is absent or uses a phone outside `Phone`.
    private static func pronunciations(of word: String, in decoder: PocketSphinxDecoder) -> [[Phone]] {
        var found: [[Phone]] = []
        for variant in 1...16 {
            guard let text = decoder.pronunciation(of: variant == 1 ? word : "\(word)(\(variant))") else { break }
            let phones = text.split(separator: " ").map { Phone(pocketSphinxSymbol: String($0)) }
            guard !phones.isEmpty, !phones.contains(where: { $0 == nil || $0 == .sil }) else { continue }
            let list = phones.compactMap { $0 }
            if !found.contains(list) { found.append(list) }
        }
        return found
    }

    // MARK: - Audio

    /// Refuses audio the decoders cannot take.
    private static func check(_ samples: [Float], sampleRate: Int) throws(SpeechError) {
        guard sampleRate == Self.sampleRate else {
            throw SpeechError(
                .unsupportedAudio,
                "the speech analyser takes \(Self.sampleRate) Hz mono samples (the acoustic model's rate) but got \(sampleRate) Hz; "
                    + "resample first (AudioDecoder.decodePCM(url:sampleRate: 16000) does)")
        }
        guard !samples.isEmpty else {
            throw SpeechError(.unsupportedAudio, "no samples: expected at least one (16000 per second of speech)")
        }
        if let bad = samples.firstIndex(where: { !$0.isFinite }) {
            throw SpeechError(
                .unsupportedAudio,
                "sample \(bad) (at \(String(format: "%.3f", Double(bad) / Double(sampleRate))) s) is \(samples[bad]); expected finite samples, full scale ±1"
            )
        }
    }

    /// 16-bit PCM, clipped at full scale.
    private static func pcm16(_ samples: [Float]) -> [Int16] {
        samples.map { Int16((min(max($0, -1), 1) * 32767).rounded()) }
    }

    // MARK: - Timing

    /// Frames to seconds, covering 0…`duration` without gaps or overlaps: gaps become pauses,
    /// touching pauses merge, nothing runs past the end. Returns the phones and, per phone, the
    /// index of its transcript word (nil for pauses and recognised phones).
    private static func timed(_ framed: [FramedPhone], duration: Double, words: [AlignmentGrammar.Word])
        -> (phones: [TimedPhone], wordIndices: [Int?])
    {
        let frame = 1.0 / Double(LoudnessEnvelope.frameRate)
        var phones: [TimedPhone] = []
        var indices: [Int?] = []
        func append(_ phone: Phone, _ start: Double, _ end: Double, _ wordIndex: Int?) {
            let start = max(start, phones.last?.end ?? 0)
            let end = min(end, duration)
            guard end > start + 1e-9 else { return }
            let gapStart = phones.last?.end ?? 0
            if start > gapStart + 1e-9 { append(.sil, gapStart, start, nil) }
            if phone == .sil, let last = phones.last, last.phone == .sil {
                phones[phones.count - 1].end = end
                return
            }
            let word = wordIndex.flatMap { $0 < words.count ? words[$0].text : nil }
            phones.append(TimedPhone(phone: phone, start: start, end: end, word: word))
            indices.append(wordIndex)
        }
        for item in framed.sorted(by: { $0.firstFrame < $1.firstFrame }) {
            append(item.phone, Double(item.firstFrame) * frame, Double(item.lastFrame + 1) * frame, item.wordIndex)
        }
        append(.sil, phones.last?.end ?? 0, duration, nil)
        return (phones, indices)
    }

    /// The transcript's words, each spanning its phones.
    private static func words(of phones: [TimedPhone], indices: [Int?], grammar: AlignmentGrammar) -> [TimedWord] {
        var spans: [Int: (start: Double, end: Double)] = [:]
        for (phone, index) in zip(phones, indices) {
            guard let index else { continue }
            let span = spans[index]
            spans[index] = (span?.start ?? phone.start, phone.end)
        }
        return grammar.words.enumerated().compactMap { index, word in
            spans[index].map { TimedWord(text: word.text, start: $0.start, end: $0.end, inDictionary: !word.pronunciations.isEmpty) }
        }
    }
}

@available(*, unavailable, message: "a SpeechAnalyzer owns pocketsphinx decoders: use it from one thread (or one per thread)")
extension SpeechAnalyzer: Sendable {}
