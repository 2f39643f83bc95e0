// Speech inputs: the timed phones and loudness of the audio an effect listens to (lip sync),
// prepared by the host. The effect declares `EffectInputs.speech` (and, if it takes one, a
// `TranscriptParameter`); the host runs speech analysis once per audio, caches the result by
// content and passes it in `EffectContext.speech`. The SDK never sees a recogniser.

/// One phone of speech and when it is heard.
public struct SpeechPhone: Sendable, Codable, Equatable {
    /// The phone in ARPAbet without stress digits (`AA`, `P`, `M`, `IY`…); `SIL` is silence.
    public var symbol: String
    /// Start, seconds on the video's timeline.
    public var start: Double
    /// End, seconds on the video's timeline (after `start`).
    public var end: Double
    /// The word the phone belongs to, when the words are known (a transcript was aligned).
    public var word: String?

    /// Creates a phone.
    public init(symbol: String, start: Double, end: Double, word: String? = nil) {
        self.symbol = symbol
        self.start = start
        self.end = end
        self.word = word
    }

    /// Whether this is silence (`SIL`, or any of the recogniser's noise symbols the host maps to it).
    public var isSilence: Bool { symbol == "SIL" }
}

/// One spoken word and when it is heard (only when a transcript was aligned).
public struct SpeechWord: Sendable, Codable, Equatable {
    /// The word as the transcript writes it.
    public var text: String
    /// Start, seconds on the video's timeline.
    public var start: Double
    /// End, seconds on the video's timeline.
    public var end: Double

    /// Creates a word.
    public init(text: String, start: Double, end: Double) {
        self.text = text
        self.start = start
        self.end = end
    }
}

/// The speech of an effect's audio: phones with their times, and a loudness envelope.
public struct SpeechInput: Sendable, Codable, Equatable {
    /// How the phones were found.
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// A transcript's dictionary phones aligned to the audio (the most accurate).
        case alignment
        /// Phones recognised from the audio alone.
        case recognition
        /// No phones (no speech model, or no speech): only the loudness envelope.
        case loudness
    }

    /// How the phones were found.
    public var method: Method
    /// The phones in time order, silences included; empty for `.loudness`.
    public var phones: [SpeechPhone]
    /// The words, when a transcript was aligned; else empty.
    public var words: [SpeechWord]
    /// Loudness, 0 (silence) … 1 (the clip's loudest), `loudnessRate` values per second, the
    /// first at `startTime`.
    public var loudness: [Float]
    /// Values of `loudness` per second (100: a 10 ms hop).
    public var loudnessRate: Double
    /// Time on the video's timeline of the audio's first sample.
    public var startTime: Double
    /// Length of the analysed audio in seconds.
    public var duration: Double

    /// Creates a speech input.
    public init(
        method: Method, phones: [SpeechPhone], words: [SpeechWord] = [], loudness: [Float],
        loudnessRate: Double = 100, startTime: Double = 0, duration: Double
    ) {
        self.method = method
        self.phones = phones
        self.words = words
        self.loudness = loudness
        self.loudnessRate = loudnessRate
        self.startTime = startTime
        self.duration = duration
    }

    /// The phone heard at `time` (video timeline), or nil outside every phone.
    public func phone(at time: Double) -> SpeechPhone? {
        // Binary search for the last phone starting at or before `time`.
        var low = 0, high = phones.count
        while low < high {
            let middle = (low + high) / 2
            if phones[middle].start <= time { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let candidate = phones[low - 1]
        return time < candidate.end ? candidate : nil
    }

    /// Loudness at `time` (video timeline), linearly interpolated; 0 outside the audio.
    public func loudness(at time: Double) -> Float {
        guard loudnessRate > 0, !loudness.isEmpty else { return 0 }
        let position = (time - startTime) * loudnessRate
        guard position >= 0, position <= Double(loudness.count - 1) else { return 0 }
        let index = Int(position)
        let fraction = Float(position - Double(index))
        let next = min(index + 1, loudness.count - 1)
        return loudness[index] + fraction * (loudness[next] - loudness[index])
    }
}
