import FacetCompression
import FacetErrors
import FacetSpeech
import Foundation

/// Speech timelines kept between runs, keyed by the audio's samples, the transcript and the
/// analyser's `cacheIdentity` (model paths, decoder settings, format version): the second run
/// over the same sound does not analyse it again, and other audio, another transcript or another
/// model never gets a stale entry.
///
/// Entries are the timelines' JSON (`<key>.speech.json`) in `directory`, written atomically, so a
/// run interrupted while writing leaves no broken entry.
public struct SpeechTimelineCache: Sendable {
    /// Bumped whenever the host changes what it stores for the same key.
    public static let formatVersion = 1

    /// Where the entries are.
    public let directory: URL

    /// A cache in `directory` (created on the first write).
    public init(directory: URL) {
        self.directory = directory
    }

    /// The user's cache: `speech/` beside the driving-motion cache (`$FACET_CACHE_DIR/speech`, else
    /// `$XDG_CACHE_HOME/facet/speech`, else `~/.cache/facet/speech`); nil when none of them is set.
    public static func userCache(environment: [String: String] = ProcessInfo.processInfo.environment) -> SpeechTimelineCache? {
        DrivingMotionCache.userCacheBase(environment: environment).map {
            SpeechTimelineCache(directory: $0.appendingPathComponent("speech", isDirectory: true))
        }
    }

    /// The key of `samples` at `sampleRate` analysed with `transcript` (nil: recognised) by an
    /// analyser of `identity`: SHA-256 over the cache format, the identity, the transcript (its
    /// length first, so no text can pose as another), the rate and the samples' bytes.
    public static func key(samples: [Float], sampleRate: Int, transcript: String?, identity: String) -> String {
        var hash = SHA256()
        hash.update("facet-speech-timeline \(formatVersion)\n\(identity)\n")
        if let transcript {
            hash.update("transcript \(transcript.utf8.count)\n")
            hash.update(transcript)
        } else {
            hash.update("no transcript\n")
        }
        hash.update("\nrate \(sampleRate) samples \(samples.count)\n")
        samples.withUnsafeBytes { hash.update($0) }
        return hash.finalize().hexadecimal
    }

    /// The entry file for `key`.
    public func entry(for key: String) -> URL { directory.appendingPathComponent("\(key).speech.json") }

    /// The timeline stored under `key`, or nil when there is none or it cannot be read or is of
    /// another format version (such an entry is removed, so the next run rewrites it).
    public func timeline(for key: String) -> SpeechTimeline? {
        let url = entry(for: key)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let data = try? Data(contentsOf: url), let timeline = try? JSONDecoder().decode(SpeechTimeline.self, from: data),
            timeline.formatVersion == SpeechTimeline.currentFormatVersion
        else {
            try? FileManager.default.removeItem(at: url)
            return nil
        }
        return timeline
    }

    /// Stores `timeline` under `key`. A failure to write is returned as a warning: the run goes on
    /// uncached.
    public func store(_ timeline: SpeechTimeline, for key: String) -> String? {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(timeline).write(to: entry(for: key), options: .atomic)
            return nil
        } catch {
            return
                "the speech cache entry \(entry(for: key).path) could not be written (\(ErrorChain.describe(error))); the speech will be analysed again next time"
        }
    }
}
