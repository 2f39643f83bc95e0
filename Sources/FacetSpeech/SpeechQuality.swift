import Foundation

/// The two checks that decide whether the analyser's phones can be trusted: does the transcript
/// match the audio, and is the audio speech at all.
///
/// Both compare against free phone recognition of the same audio, which the analyser runs for
/// every clip with sound.
public enum SpeechQuality {
    /// The lowest `SpeechTimeline.alignmentScore` kept as an alignment: below it the transcript is
    /// taken not to match the audio, and the phones are recognised instead.
    ///
    /// The score is the forced alignment's acoustic log-likelihood per 10 ms frame minus that of
    /// free phone recognition of the same audio (both from pocketsphinx's segment scores, in nats):
    /// a log-likelihood ratio of "these words were said" against "any phones were said". A
    /// matching transcript gives up little to the unconstrained search (the grammar may even win
    /// with its context-dependent phones); a wrong one has to force the wrong phones onto the audio
    /// and loses a lot on every speech frame.
    ///
    /// Measured on festival's ten Harvard sentences (list 1) in two voices, each aligned with its
    /// own text (clean, and with white noise at 20 dB SNR) and with the next sentence's text
    /// (`SpeechQualityTests` prints these):
    ///
    /// | transcript | diphone voice (kal) | HTS voice (slt) |
    /// |---|---|---|
    /// | matching, clean: lowest … highest (median) | −1.19 … −0.64 (−0.92) | −1.17 … −0.24 (−0.74) |
    /// | matching, 20 dB SNR: lowest … highest | −1.13 … −0.30 | −1.56 … −0.53 |
    /// | another sentence: lowest … highest (median) | −4.11 … −2.18 (−3.55) | −4.44 … −3.21 (−3.99) |
    ///
    /// (Of the 20 wrong pairs, 2 / 3 could not be placed at all: `alignmentIncomplete`.) The
    /// threshold is the middle of the gap between the worst matching alignment (−1.56) and the best
    /// wrong one (−2.18). A transcript that is mostly right (a word or two wrong) scores in between
    /// and may go either way.
    ///
    /// Transcripts with words the dictionary lacks are not judged (`alignmentScore` is nil): the
    /// grammar's any-phone stretch for such a word pulls the words after it off, and the one test
    /// sentence ("The zorblaxian canoe…") scores −1.71 / −2.11, inside the wrong transcripts' range.
    public static let minimumAlignmentScore = -1.9

    /// The fewest speech phones per second of loud audio (loudness ≥ `loudLevel`) that phone
    /// recognition must find for the clip to count as speech; fewer, and the audio is taken for
    /// music or noise: the timeline has no phones (method `loudness`, note `notSpeech`).
    ///
    /// The acoustic model knows speech only: steady tones, chords and noise are mostly labelled
    /// silence or noise, or a few long vowels. Measured (`SpeechQualityTests` prints these):
    ///
    /// | audio | speech phones per loud second |
    /// |---|---|
    /// | festival speech, ten sentences, diphone / HTS voice | 13.0 … 17.3 / 10.8 … 21.3 |
    /// | the same with white noise at 20 dB SNR | 12.9 … 16.0 / 9.1 … 16.2 |
    /// | white noise, brown noise (3 s each) | 0 |
    /// | a held three-tone chord (A major, 3 s) | 2.3 |
    /// | synthetic music: three-note chords with harmonics, a new one every 0.5 s (3 s) | 3.3 |
    ///
    /// The threshold is about the geometric middle of the slowest speech (9.1) and the busiest
    /// music (3.3). Speech over loud music, or singing, can go either way.
    public static let minimumSpeechPhoneRate = 5.5

    /// A frame at or above this loudness (0…1, `LoudnessEnvelope`: 20 dB below the loudest frame)
    /// is loud for `minimumSpeechPhoneRate`.
    public static let loudLevel: Float = 0.5

    /// Clips with less loud audio than this (seconds) are not judged as music or noise: too short
    /// to tell (a word or two).
    public static let minimumLoudSeconds = 0.5

    /// What the checks depend on, for `SpeechAnalyzer.cacheIdentity`.
    static var identity: String {
        "alignment score ≥ \(minimumAlignmentScore); speech phones ≥ \(minimumSpeechPhoneRate) per loud second "
            + "(loudness ≥ \(loudLevel), judged from \(minimumLoudSeconds) s)"
    }

    /// pocketsphinx's path scores are logarithms to base 1.0001 scaled down by 2^10 (its
    /// `SENSCR_SHIFT`): one unit is 1024 · ln(1.0001) ≈ 0.1024 nats.
    static let natsPerUnit = 1024 * log(1.0001)

    /// The alignment's acoustic log-likelihood minus recognition's, per frame (nats), over the
    /// whole clip.
    static func alignmentScore(aligned: [DecodedSegment], recognized: [DecodedSegment], frames: Int) -> Double {
        let difference = zip(frameScores(aligned, frames: frames), frameScores(recognized, frames: frames)).map { $0 - $1 }
        return difference.reduce(0, +) / Double(max(frames, 1))
    }

    /// Each frame's acoustic log-likelihood (nats): each segment's score spread evenly over its
    /// frames (zero-length segments carry none).
    static func frameScores(_ segments: [DecodedSegment], frames: Int) -> [Double] {
        var scores = [Double](repeating: 0, count: frames)
        for segment in segments where segment.lastFrame >= segment.firstFrame {
            let perFrame = Double(segment.acousticScore) * natsPerUnit / Double(segment.lastFrame - segment.firstFrame + 1)
            let (low, high) = (max(segment.firstFrame, 0), min(segment.lastFrame, frames - 1))
            guard high >= low else { continue }
            for frame in low...high { scores[frame] += perFrame }
        }
        return scores
    }

    /// Speech phones (not `sil`) per second of loud audio; nil when the clip has less loud audio
    /// than `minimumLoudSeconds`.
    static func speechPhoneRate(_ phones: [TimedPhone], loudness: LoudnessEnvelope) -> Double? {
        let loudSeconds = Double(loudness.values.filter { $0 >= loudLevel }.count) / Double(LoudnessEnvelope.frameRate)
        guard loudSeconds >= minimumLoudSeconds else { return nil }
        return Double(phones.filter { $0.phone != .sil }.count) / loudSeconds
    }

    /// The transcript's opening words for a message: at most `limit` characters, then "…".
    static func excerpt(_ transcript: String, limit: Int = 60) -> String {
        let words = transcript.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard words.count > limit else { return words }
        return String(words.prefix(limit)).trimmingCharacters(in: .whitespaces) + "…"
    }
}
