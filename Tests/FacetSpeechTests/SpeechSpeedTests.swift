import FacetSpeech
import FacetTestSupport
import Foundation
import XCTest

/// Real-time factors of recognition and alignment on ~10 s of festival speech: printed figures for
/// Docs/Speech.md, no timed assertion (CI machines vary).
final class SpeechSpeedTests: XCTestCase {
    func testRealTimeFactorsArePrinted() throws {
        let corpus = try FestivalSpeech.require()
        let model = try SpeechAccuracyTests.requireModel()
        for voice in FestivalSpeech.Voice.allCases {
            let utterance = try XCTUnwrap(corpus.long[voice])
            let seconds = Double(utterance.samples.count) / 16000
            let analyzer = SpeechAnalyzer(model: model)
            // The first call of each method also loads its decoder.
            let (_, recognitionLoad) = try Self.time { try analyzer.analyze(utterance.samples, sampleRate: 16000) }
            let (_, alignmentLoad) = try Self.time {
                try analyzer.analyze(utterance.samples, sampleRate: 16000, transcript: utterance.text)
            }
            var recognition: [Double] = []
            var alignment: [Double] = []
            for _ in 0..<3 {
                let (recognised, r) = try Self.time { try analyzer.analyze(utterance.samples, sampleRate: 16000) }
                let (aligned, a) = try Self.time {
                    try analyzer.analyze(utterance.samples, sampleRate: 16000, transcript: utterance.text)
                }
                XCTAssertEqual(recognised.method, .recognition)
                XCTAssertEqual(aligned.method, .alignment)
                recognition.append(r)
                alignment.append(a)
            }
            let r = SpeechMeasures.median(recognition)
            let a = SpeechMeasures.median(alignment)
            print(
                String(
                    format: "speed, %@, %.1f s of speech: recognition %.3f s (real-time factor %.3f; first call with loading %.3f s), "
                        + "alignment %.3f s (real-time factor %.3f; first call with loading %.3f s)",
                    voice.rawValue, seconds, r, r / seconds, recognitionLoad, a, a / seconds, alignmentLoad))
        }
    }

    /// The result of `body` and its wall-clock time in seconds.
    private static func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
