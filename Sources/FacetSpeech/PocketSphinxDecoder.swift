import CPocketSphinx
import Foundation

/// One segment of a decoded utterance: a word of the search (a phone, for phone searches) and the
/// 10 ms frames it spans, `firstFrame…lastFrame` inclusive.
struct DecodedSegment: Equatable {
    /// The search's word; empty for the zero-length null transitions of a grammar.
    var word: String
    /// The first frame (frame f covers f / 100 … (f + 1) / 100 s).
    var firstFrame: Int
    /// The last frame, inclusive.
    var lastFrame: Int
    /// The segment's acoustic log-likelihood (`ps_seg_prob`'s `ascr`, pocketsphinx's log base
    /// 1.0001, ≤ 0): how well the audio of its frames fits its phone. Comparable between searches
    /// over the same audio with the same acoustic model.
    var acousticScore: Int = 0
}

/// An owned pocketsphinx decoder (`ps_decoder_t`) and its configuration (`cmd_ln_t`), freed on
/// deinit. Not thread-safe, like pocketsphinx: use one from one thread at a time. Every call also
/// holds `PocketSphinx`'s process-wide lock (pocketsphinx logs to one global stream).
final class PocketSphinxDecoder {
    /// What the decoder is for, in words ("phone recognition"), for messages.
    let purpose: String
    private let config: OpaquePointer
    private let decoder: OpaquePointer

    /// Loads a decoder configured by `settings` ("-name" and value pairs of pocketsphinx's argument
    /// table). `path` is the model folder, named by errors. When `strict`, any error pocketsphinx
    /// logs while loading fails the load: it skips a phone language model it cannot read, for one,
    /// and comes up without a search.
    init(settings: [(name: String, value: String)], purpose: String, path: String, strict: Bool) throws(SpeechError) {
        self.purpose = purpose
        let strings = settings.flatMap { [$0.name, $0.value] }
        let (made, log) = PocketSphinx.capturing { () -> (config: OpaquePointer?, decoder: OpaquePointer?) in
            guard let config = withCStringArray(strings, { facet_ps_config(Int32(strings.count), $0) }) else {
                return (nil, nil)
            }
            return (config, ps_init(config))
        }
        guard let config = made.config else {
            throw SpeechError(
                .decoderFailed, "could not configure pocketsphinx for \(purpose) with \(strings.joined(separator: " "))",
                cause: log)
        }
        guard let decoder = made.decoder, !(strict && !log.errors.isEmpty) else {
            _ = try? PocketSphinx.run { () throws(SpeechError) in
                if let decoder = made.decoder { ps_free(decoder) }
                cmd_ln_free_r(config)
            }
            throw SpeechError(.decoderFailed, "could not load the pocketsphinx model for \(purpose) from \(path)", cause: log)
        }
        self.config = config
        self.decoder = decoder
    }

    deinit {
        _ = try? PocketSphinx.run { () throws(SpeechError) in
            ps_free(decoder)
            cmd_ln_free_r(config)
        }
    }

    /// Adds words to the dictionary: each `word` with its phones (ARPAbet symbols separated by
    /// spaces). The search is updated once, after the last.
    func addWords(_ words: [(word: String, phones: String)]) throws(SpeechError) {
        for (index, entry) in words.enumerated() {
            let (status, log) = PocketSphinx.capturing {
                ps_add_word(decoder, entry.word, entry.phones, index == words.count - 1 ? 1 : 0)
            }
            try check(status, "add the word \(entry.word) (\(entry.phones)) to the dictionary for \(purpose)", log: log)
        }
    }

    /// The dictionary's pronunciation of `word` (its phones separated by spaces), nil when absent.
    func pronunciation(of word: String) -> String? {
        let (found, _) = PocketSphinx.capturing { () -> String? in
            guard let text = ps_lookup_word(decoder, word) else { return nil }
            defer { ckd_free(text) }
            return String(cString: text)
        }
        return found
    }

    /// Makes the JSGF grammar `jsgf` the decoder's search, under `name` (replacing a search of that
    /// name).
    func useGrammar(_ jsgf: String, name: String) throws(SpeechError) {
        let (status, log) = PocketSphinx.capturing { () -> Int32 in
            let made = ps_set_jsgf_string(decoder, name, jsgf)
            return made < 0 ? made : ps_set_search(decoder, name)
        }
        try check(status, "compile the \(purpose) grammar (\(jsgf.utf8.count) bytes of JSGF)", log: log)
    }

    /// Decodes one utterance of 16 kHz samples with the current search, from a fresh stream (the
    /// result does not depend on what was decoded before); returns its best path.
    func decode(_ samples: [Int16]) throws(SpeechError) -> [DecodedSegment] {
        let (result, log) = PocketSphinx.capturing { () -> (status: Int32, step: String, segments: [DecodedSegment]) in
            // A new stream per clip: pocketsphinx carries the noise estimate of spectral subtraction
            // from one utterance to the next, so without it the same clip decodes differently the
            // second time (a 10 ms shift here and there).
            let streamed = ps_start_stream(decoder)
            guard streamed >= 0 else { return (streamed, "start a stream", []) }
            let started = ps_start_utt(decoder)
            guard started >= 0 else { return (started, "start an utterance", []) }
            // The whole clip in one call, as a full utterance: cepstral mean normalisation then
            // uses the whole clip (the model's `-cmn batch`).
            let processed = samples.withUnsafeBufferPointer { buffer in
                ps_process_raw(decoder, buffer.baseAddress, buffer.count, 0, 1)
            }
            guard processed >= 0 else {
                ps_end_utt(decoder)
                return (processed, "process \(samples.count) samples", [])
            }
            let ended = ps_end_utt(decoder)
            guard ended >= 0 else { return (ended, "end the utterance", []) }
            var segments: [DecodedSegment] = []
            var segment = ps_seg_iter(decoder)
            while let current = segment {
                var first: Int32 = 0
                var last: Int32 = 0
                ps_seg_frames(current, &first, &last)
                var acoustic: Int32 = 0
                var language: Int32 = 0
                var backoff: Int32 = 0
                _ = ps_seg_prob(current, &acoustic, &language, &backoff)
                let word = ps_seg_word(current).map { String(cString: $0) } ?? ""
                segments.append(
                    DecodedSegment(word: word, firstFrame: Int(first), lastFrame: Int(last), acousticScore: Int(acoustic)))
                segment = ps_seg_next(current)
            }
            return (0, "", segments)
        }
        try check(result.status, "\(result.step) for \(purpose)", log: log)
        return result.segments
    }
}

/// Calls `body` with a C array of copies of `strings` (freed afterwards).
private func withCStringArray<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
