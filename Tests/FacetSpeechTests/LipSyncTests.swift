import AudioSync
import FacetSDK
import FacetSpeech
import FacetTestSupport
import Foundation
import XCTest

/// AudioSync's mouth on real speech: festival's Harvard sentences, analysed by the speech
/// module, against the mouth the same effect makes from festival's own segment timings (the
/// ground truth). Figures are printed; bounds are below what was measured (Docs/AudioSync.md).
final class LipSyncTests: XCTestCase {
    /// A four-dimensional model whose coefficients are the mouth controls: jaw, spread, round, press.
    private static let model: FaceModelDescription = {
        func unit(_ index: Int) -> [Float] { (0..<4).map { $0 == index ? 1 : 0 } }
        return FaceModelDescription(
            name: "mouth", expressionBasis: .pca, expressionNames: ["jaw", "spread", "lip-round", "lip-press"],
            controls: [
                ExpressionControlName.mouthOpen: unit(0), ExpressionControlName.smile: unit(1), "lip-round": unit(2),
                "lip-press": unit(3),
            ],
            coefficientRange: [ClosedRange<Float>](repeating: -3...3, count: 4))
    }()

    /// The frame rate of the mouth curves.
    private static let rate = 30.0

    /// The jaw and press per frame that AudioSync (no head motion, no blinks) makes from `phones`.
    private func mouth(_ phones: [TimedPhone], loudness: [Float], method: SpeechInput.Method, duration: Double) throws -> (
        jaw: [Double], press: [Double]
    ) {
        let speech = SpeechInput(
            method: method, phones: phones.map { SpeechPhone(symbol: $0.symbol.uppercased(), start: $0.start, end: $0.end) },
            loudness: loudness, duration: duration)
        let times = (0..<Int(duration * Self.rate)).map { Double($0) / Self.rate }
        let frames = times.enumerated().map { index, time in
            FaceFrame(
                frameIndex: index, time: time, coefficients: FaceCoefficients(translation: Vector3(z: -600), expression: [0, 0, 0, 0]))
        }
        var motion = SceneMotion(
            frameTimes: times, frameRate: Self.rate, frameWidth: 640, frameHeight: 480,
            tracks: [FaceTrack(id: 0, modelName: "mouth", frames: frames)])
        let effect = try AudioSync(
            parameters: try EffectParameters(for: AudioSync.self, given: ["head-motion": .number(0), "blinks": .number(0)]))
        try effect.process(&motion, context: EffectContext(faceModel: Self.model, speech: speech))
        let expressions = motion.tracks[0].frames.map(\.coefficients.expression)
        return (expressions.map { Double($0[0]) }, expressions.map { Double($0[3]) })
    }

    func testTheMouthFromAnalysedSpeechFollowsTheMouthFromFestivalsTimings() throws {
        let corpus = try FestivalSpeech.require()
        let analyzer = SpeechAnalyzer(model: try SpeechAccuracyTests.requireModel())
        // The mouth runs `lag` (the default) ahead of the sound.
        guard case .number(let lag) = AudioSync.lag.spec.defaultValue else { return XCTFail("lag is a number") }
        for voice in FestivalSpeech.Voice.allCases {
            var aligned: [Double] = [], recognised: [Double] = [], loudnessOnly: [Double] = [], shifts: [Double] = []
            var closures = 0, closed = 0
            for utterance in corpus.utterances[voice] ?? [] {
                let duration = Double(utterance.samples.count) / 16000
                let alignment = try analyzer.analyze(utterance.samples, sampleRate: 16000, transcript: utterance.text)
                let recognition = try analyzer.analyze(utterance.samples, sampleRate: 16000)
                let loudness = alignment.loudness.values
                let truth = try mouth(utterance.segments, loudness: loudness, method: .alignment, duration: duration)
                let fromAlignment = try mouth(alignment.phones, loudness: loudness, method: .alignment, duration: duration)
                let fromRecognition = try mouth(recognition.phones, loudness: loudness, method: .recognition, duration: duration)
                let fromLoudness = try mouth([], loudness: loudness, method: .loudness, duration: duration)
                aligned.append(Self.correlation(fromAlignment.jaw, truth.jaw))
                recognised.append(Self.correlation(fromRecognition.jaw, truth.jaw))
                loudnessOnly.append(Self.correlation(fromLoudness.jaw, truth.jaw))
                shifts.append(Self.bestShift(fromLoudness.jaw, truth.jaw))
                // Every P/B/M festival says is closed (jaw shut, lips pressed) for two frames or more, within a frame.
                for segment in utterance.segments where ["P", "B", "M"].contains(segment.symbol.uppercased()) {
                    closures += 1
                    let inside = fromAlignment.jaw.indices.filter { index in
                        let time = Double(index) / Self.rate
                        return time >= segment.start + lag - 1 / Self.rate && time <= segment.end + lag + 1 / Self.rate
                    }
                    if inside.filter({ fromAlignment.press[$0] >= 0.9 && fromAlignment.jaw[$0] <= 0.02 }).count >= 2 { closed += 1 }
                }
            }
            func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
            print(
                String(
                    format: "lip sync, %@: jaw correlation with the jaw from festival's timings: aligned %.2f, recognised %.2f, "
                        + "loudness only %.2f (best shift %+.0f ms); P/B/M closed %d/%d",
                    voice.rawValue, mean(aligned), mean(recognised), mean(loudnessOnly), mean(shifts) * 1000, closed, closures))
            XCTAssertGreaterThanOrEqual(mean(aligned), 0.85, "\(voice): aligned phones")
            XCTAssertGreaterThanOrEqual(mean(recognised), 0.7, "\(voice): recognised phones")
            XCTAssertGreaterThanOrEqual(mean(loudnessOnly), 0.5, "\(voice): loudness only")
            XCTAssertLessThanOrEqual(abs(mean(shifts)), 0.04, "\(voice): loudness-only curve within 40 ms of the phone curve")
            XCTAssertGreaterThanOrEqual(Double(closed), 0.9 * Double(closures), "\(voice): P/B/M closures")
        }
    }

    /// Pearson's correlation over the common length.
    private static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let count = min(a.count, b.count)
        guard count > 1 else { return 0 }
        let a = a.prefix(count), b = b.prefix(count)
        let meanA = a.reduce(0, +) / Double(count), meanB = b.reduce(0, +) / Double(count)
        var ab = 0.0, aa = 0.0, bb = 0.0
        for (x, y) in zip(a, b) {
            ab += (x - meanA) * (y - meanB)
            aa += (x - meanA) * (x - meanA)
            bb += (y - meanB) * (y - meanB)
        }
        return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
    }

    /// The shift (seconds, within ±4 frames) that best lines `curve` up with `reference`:
    /// negative when `curve` runs early.
    private static func bestShift(_ curve: [Double], _ reference: [Double]) -> Double {
        var best = (shift: 0, correlation: -2.0)
        let count = min(curve.count, reference.count)
        for shift in -4...4 {
            let x = Array(curve[max(0, shift)..<(count + min(0, shift))])
            let y = Array(reference[max(0, -shift)..<(count - max(0, shift))])
            let value = correlation(x, y)
            if value > best.correlation { best = (shift, value) }
        }
        return Double(best.shift) / rate
    }
}
