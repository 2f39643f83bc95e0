/// How the phones of a `SpeechTimeline` were found.
public enum SpeechMethod: String, Codable, Sendable, CaseIterable {
    /// The transcript's words were aligned to the audio: each dictionary phone of each word placed.
    case alignment
    /// The phones were recognised from the audio alone (no transcript, or the alignment failed).
    case recognition
    /// No phones: the clip has no speech (or no model was used); only the loudness envelope.
    case loudness
}

/// One phone and when it is spoken.
public struct TimedPhone: Codable, Sendable, Equatable {
    /// The phone (ARPAbet; `sil` for pauses).
    public var phone: Phone
    /// Start, in seconds from the first sample.
    public var start: Double
    /// End, in seconds from the first sample (exclusive; the next phone's start).
    public var end: Double
    /// The transcript word it belongs to (as normalised: lower case), when aligned; nil for
    /// recognised phones and pauses.
    public var word: String?
    /// How sure the decoder is, 0…1, when it says; nil from pocketsphinx 0.8, whose phone and
    /// grammar searches report no posterior probability.
    public var confidence: Double?

    /// Creates a timed phone.
    public init(phone: Phone, start: Double, end: Double, word: String? = nil, confidence: Double? = nil) {
        self.phone = phone
        self.start = start
        self.end = end
        self.word = word
        self.confidence = confidence
    }

    /// `end - start`, in seconds.
    public var duration: Double { end - start }

    /// The ARPAbet symbol of the phone ("AA", "P", "SIL").
    public var symbol: String { phone.rawValue }
}

/// One transcript word and when it is spoken (alignment only).
public struct TimedWord: Codable, Sendable, Equatable {
    /// The word, normalised (lower case, punctuation stripped).
    public var text: String
    /// Start of its first phone, in seconds.
    public var start: Double
    /// End of its last phone, in seconds.
    public var end: Double
    /// False when the dictionary does not know the word: its phones were recognised, not looked up.
    public var inDictionary: Bool

    /// Creates a timed word.
    public init(text: String, start: Double, end: Double, inDictionary: Bool) {
        self.text = text
        self.start = start
        self.end = end
        self.inDictionary = inDictionary
    }
}

/// Something the analysis could not do as asked, and what it did instead.
public enum SpeechNote: Codable, Sendable, Equatable, CustomStringConvertible {
    /// These transcript words are not in the dictionary: the phones of each were recognised (any
    /// sequence of phones between its neighbours) instead of looked up.
    case unknownWords([String])
    /// The alignment could not place the whole transcript (it placed `aligned` of `total` words,
    /// e.g. because the transcript does not match the speech): the phones were recognised instead.
    case alignmentIncomplete(aligned: Int, total: Int)
    /// The transcript holds no word: the phones were recognised.
    case emptyTranscript
    /// The clip has no speech (no 10 ms frame louder than `LoudnessEnvelope.speechFloorDecibels`):
    /// there are no phones, only the loudness envelope.
    case noSpeech
    /// The transcript (its opening words) could be placed but does not match the audio: the
    /// alignment scored `score` (`SpeechTimeline.alignmentScore`) below `threshold`
    /// (`SpeechQuality.minimumAlignmentScore`), so the phones were recognised instead.
    case transcriptMismatch(transcript: String, score: Double, threshold: Double)
    /// The clip is loud but does not sound like speech (music or noise): recognition found
    /// `phoneRate` speech phones per second of loud audio, fewer than `threshold`
    /// (`SpeechQuality.minimumSpeechPhoneRate`). There are no phones, only the loudness envelope.
    case notSpeech(phoneRate: Double, threshold: Double)

    /// One line for logs.
    public var description: String {
        switch self {
        case .unknownWords(let words):
            return "not in the dictionary (phones recognised instead): " + words.joined(separator: ", ")
        case .alignmentIncomplete(let aligned, let total):
            return "the alignment placed \(aligned) of \(total) words; the phones were recognised instead"
        case .emptyTranscript:
            return "the transcript has no words; the phones were recognised"
        case .noSpeech:
            return "no speech in the clip; loudness only"
        case .transcriptMismatch(let transcript, let score, let threshold):
            return String(
                format: "the transcript \"%@\" does not match the audio (alignment score %.2f per frame against phone "
                    + "recognition, below %.2f); the phones were recognised instead", transcript, score, threshold)
        case .notSpeech(let rate, let threshold):
            return String(
                format: "the audio does not sound like speech (music or noise?): recognition found %.1f speech phones per "
                    + "loud second, fewer than %.1f; loudness only, no phones", rate, threshold)
        }
    }
}

/// What was said when in a clip of speech: timed phones, timed words (when a transcript was
/// aligned) and a loudness envelope. A value, `Codable` for caching and `Sendable`.
public struct SpeechTimeline: Codable, Sendable, Equatable {
    /// The version of this encoding; a cache drops entries of another version.
    public static let currentFormatVersion = 2

    /// The encoding's version (`currentFormatVersion` when made by this build).
    public var formatVersion: Int
    /// The clip's length, in seconds.
    public var duration: Double
    /// How the phones were found.
    public var method: SpeechMethod
    /// The phones in time order, covering the clip from 0 to `duration` without gaps (pauses are
    /// `sil`); empty for `loudness`.
    public var phones: [TimedPhone]
    /// The transcript's words in order (alignment only; empty otherwise).
    public var words: [TimedWord]
    /// Loudness at 100 frames per second, 0…1 per clip.
    public var loudness: LoudnessEnvelope
    /// What could not be done as asked (unknown words, fallbacks), in the order it happened.
    public var notes: [SpeechNote]
    /// How well the transcript fits the audio, when one was aligned in full: the alignment's
    /// acoustic log-likelihood per frame minus free phone recognition's, in nats (see
    /// `SpeechQuality.minimumAlignmentScore`). Kept when the alignment was rejected for it.
    public var alignmentScore: Double?
    /// Speech phones that recognition found per second of loud audio (see
    /// `SpeechQuality.minimumSpeechPhoneRate`); nil when not measured (no sound, or too little).
    public var speechPhoneRate: Double?

    /// Creates a timeline.
    public init(
        duration: Double, method: SpeechMethod, phones: [TimedPhone], words: [TimedWord] = [],
        loudness: LoudnessEnvelope, notes: [SpeechNote] = [], alignmentScore: Double? = nil, speechPhoneRate: Double? = nil
    ) {
        self.formatVersion = Self.currentFormatVersion
        self.duration = duration
        self.method = method
        self.phones = phones
        self.words = words
        self.loudness = loudness
        self.notes = notes
        self.alignmentScore = alignmentScore
        self.speechPhoneRate = speechPhoneRate
    }

    /// The phone spoken at `time` (seconds), nil outside the clip or when there are no phones.
    public func phone(at time: Double) -> TimedPhone? {
        guard let first = phones.first, time >= first.start else { return nil }
        var low = 0
        var high = phones.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if phones[middle].start <= time { low = middle } else { high = middle - 1 }
        }
        return time < phones[low].end ? phones[low] : nil
    }

    /// The transcript words the dictionary did not know (from `notes`).
    public var unknownWords: [String] {
        notes.flatMap { note -> [String] in
            if case .unknownWords(let words) = note { return words }
            return []
        }
    }
}
