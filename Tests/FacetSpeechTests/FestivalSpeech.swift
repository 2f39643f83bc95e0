import FacetMedia
import FacetSpeech
import FacetTestSupport
import Foundation
import XCTest

/// Speech with known phone timings, synthesised once per test run by festival: each utterance's
/// 16 kHz samples (festival's WAV decoded and resampled by FacetMedia) and festival's own segment
/// list, the ground truth.
final class FestivalSpeech: @unchecked Sendable {
    /// One synthesised utterance.
    struct Utterance {
        /// The voice that spoke it.
        var voice: Voice
        /// The text festival was given.
        var text: String
        /// 16 kHz mono samples.
        var samples: [Float]
        /// Festival's segments, converted to ARPAbet (`ax` is AH, `pau` is SIL), covering the clip.
        var segments: [TimedPhone]
    }

    /// The festival voices the tests use: a diphone voice and an HTS (statistical) voice.
    enum Voice: String, CaseIterable {
        /// `festvox-kallpc16k`: male, diphone concatenation, 16 kHz.
        case kal = "kal_diphone"
        /// `festvox-us-slt-hts`: female, HTS, 32 kHz (resampled to 16 kHz).
        case slt = "cmu_us_slt_arctic_hts"
    }

    /// Harvard sentences (list 1): phonetically balanced, the usual material of speech tests.
    static let sentences = [
        "The birch canoe slid on the smooth planks.",
        "Glue the sheet to the dark blue background.",
        "It's easy to tell the depth of a well.",
        "These days a chicken leg is a rare dish.",
        "Rice is often served in round bowls.",
        "The juice of lemons makes fine punch.",
        "The box was thrown beside the parked truck.",
        "The hogs were fed chopped corn and garbage.",
        "Four hours of steady work faced us.",
        "A large size in stockings is hard to sell.",
    ]

    /// About 10 s of speech in one utterance (for the real-time factors).
    static let longText = sentences[0..<4].joined(separator: " ")

    /// A sentence with a word no dictionary lists (festival says it by its letter-to-sound rules).
    static let unknownWordText = "The zorblaxian canoe slid on the smooth planks."

    /// The shared corpus, synthesised on first use.
    static let shared: Result<FestivalSpeech, any Error> = Result { try FestivalSpeech() }

    /// The Harvard sentences, per voice, in order.
    let utterances: [Voice: [Utterance]]
    /// `longText` in each voice.
    let long: [Voice: Utterance]
    /// `unknownWordText` in each voice.
    let unknownWord: [Voice: Utterance]

    let directory: URL
    nonisolated(unsafe) private static var cleanupPath: String? = nil

    private init() throws {
        guard let festival = Self.executable("festival") else {
            throw FixtureError(
                "festival is not installed (not on PATH); the speech tests synthesise their speech with it "
                    + "(apt install festival festvox-kallpc16k festvox-us-slt-hts)")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("facet-speech-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        Self.cleanupPath = directory.path
        atexit {
            if let path = FestivalSpeech.cleanupPath { try? FileManager.default.removeItem(atPath: path) }
        }
        var utterances: [Voice: [Utterance]] = [:]
        var long: [Voice: Utterance] = [:]
        var unknownWord: [Voice: Utterance] = [:]
        for voice in Voice.allCases {
            let texts = Self.sentences + [Self.longText, Self.unknownWordText]
            let made = try Self.synthesise(texts, voice: voice, festival: festival, in: directory)
            utterances[voice] = Array(made[0..<Self.sentences.count])
            long[voice] = made[Self.sentences.count]
            unknownWord[voice] = made[Self.sentences.count + 1]
        }
        self.utterances = utterances
        self.long = long
        self.unknownWord = unknownWord
    }

    /// The corpus, or a skip (a failure under `CI=true`) naming what is missing.
    static func require(file: StaticString = #filePath, line: UInt = #line) throws -> FestivalSpeech {
        switch shared {
        case .success(let corpus): return corpus
        case .failure(let error):
            if SharedData.isCI { throw FixtureError("CI=true requires festival speech: \(error)") }
            throw XCTSkip("no festival speech: \(error)", file: file, line: line)
        }
    }

    /// Every text in `voice`, with one festival run: a WAV and a segment file per text.
    private static func synthesise(_ texts: [String], voice: Voice, festival: URL, in directory: URL) throws -> [Utterance] {
        var script = "(voice_\(voice.rawValue))\n"
        for (index, text) in texts.enumerated() {
            let quoted = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            script += """
                (set! utt (utt.synth (Utterance Text "\(quoted)")))
                (utt.save.segs utt "\(voice)-\(index).segs")
                (utt.save.wave utt "\(voice)-\(index).wav" 'riff)

                """
        }
        let scriptURL = directory.appendingPathComponent("\(voice).scm")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = festival
        process.arguments = ["-b", scriptURL.path]
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try texts.enumerated().map { index, text in
            let wav = directory.appendingPathComponent("\(voice)-\(index).wav")
            let segs = directory.appendingPathComponent("\(voice)-\(index).segs")
            guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: wav.path),
                let table = try? String(contentsOf: segs, encoding: .utf8)
            else {
                throw FixtureError(
                    "festival did not synthesise \"\(text)\" with voice \(voice.rawValue) (is its package installed?): "
                        + String(decoding: output, as: UTF8.self).suffix(400))
            }
            let samples = try AudioDecoder.decodePCM(url: wav, sampleRate: SpeechAnalyzer.sampleRate).samples
            let duration = Double(samples.count) / Double(SpeechAnalyzer.sampleRate)
            let segments = try parseSegments(table, duration: duration)
            return Utterance(voice: voice, text: text, samples: samples, segments: segments)
        }
    }

    /// Festival's segment list ("end 100 name" lines after a "#" line) as phones from 0 to
    /// `duration`, ARPAbet.
    static func parseSegments(_ table: String, duration: Double) throws -> [TimedPhone] {
        var phones: [TimedPhone] = []
        var start = 0.0
        var body = false
        for line in table.split(separator: "\n") {
            if line.hasPrefix("#") {
                body = true
                continue
            }
            let fields = line.split(separator: " ")
            guard body, fields.count == 3, let end = Double(fields[0]) else { continue }
            let symbol = String(fields[2])
            let phone: Phone
            switch symbol {
            case "pau", "h#", "brth": phone = .sil
            case "ax": phone = .ah
            case "axr": phone = .er
            default:
                guard let arpabet = Phone(rawValue: symbol.uppercased()) else {
                    throw FixtureError("festival's segment \(symbol) is not an ARPAbet phone (line \"\(line)\")")
                }
                phone = arpabet
            }
            phones.append(TimedPhone(phone: phone, start: start, end: min(end, duration)))
            start = end
        }
        if start < duration { phones.append(TimedPhone(phone: .sil, start: start, end: duration)) }
        return phones
    }

    private static func executable(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
