import AudioSync
import FacetSDK
import XCTest

/// Hand-made motion, speech and face models for the AudioSync tests: no audio, no analysis.
enum Fixture {
    /// Expression coefficients: 0 jaw, 1 smile, 2 lip round, 3 lip press, 4/5 left/right eye
    /// closed, 6 brows.
    static let jaw = 0, smile = 1, round = 2, press = 3, leftEye = 4, rightEye = 5, brows = 6
    /// Expression dimension of the fixtures.
    static let dimension = 7
    /// The coefficients of the mouth region.
    static let mouth = [jaw, smile, round, press]
    /// The coefficients outside the mouth region.
    static let outsideMouth = [leftEye, rightEye, brows]
    /// A head 60 cm in front of the camera.
    static let depth: Float = -600

    /// A face model whose controls are unit coefficients and whose regions are diagonal
    /// (mouth = 0…3, eyes = 4, 5, brows = 6). With `lipControls` it has its own lip-round and
    /// lip-press controls and ranges of ±3 (like a PCA model); without, it is like the Surrey
    /// model: no rounding or press, blendshape ranges 0…1.5 (the jaw −0.5…1.5).
    static func faceModel(lipControls: Bool = true) -> FaceModelDescription {
        func unit(_ index: Int) -> [Float] {
            var direction = [Float](repeating: 0, count: dimension)
            direction[index] = 1
            return direction
        }
        func diagonal(_ ones: [Int]) -> ExpressionRegion {
            var matrix = [Float](repeating: 0, count: dimension * dimension)
            for index in ones { matrix[index * dimension + index] = 1 }
            return ExpressionRegion(projection: matrix)
        }
        var controls: [String: [Float]] = [
            ExpressionControlName.mouthOpen: unit(jaw), ExpressionControlName.smile: unit(smile),
            ExpressionControlName.eyesClosed: zip(unit(leftEye), unit(rightEye)).map { $0 + $1 },
            ExpressionControlName.leftEyeClosed: unit(leftEye), ExpressionControlName.rightEyeClosed: unit(rightEye),
            ExpressionControlName.browsRaised: unit(brows),
        ]
        if lipControls {
            controls["lip-round"] = unit(round)
            controls["lip-press"] = unit(press)
        }
        var ranges = [ClosedRange<Float>](repeating: lipControls ? -3...3 : 0...1.5, count: dimension)
        if !lipControls { ranges[jaw] = -0.5...1.5 }
        return FaceModelDescription(
            name: lipControls ? "test-pca" : "test-sfm", expressionBasis: lipControls ? .pca : .blendshapes,
            expressionNames: ["jaw-open", "happiness", "lip-round", "lip-press", "left-eye-closed", "right-eye-closed", "brow"],
            controls: controls, coefficientRange: ranges,
            regions: [
                ExpressionRegionName.mouth: diagonal(mouth), ExpressionRegionName.eyes: diagonal([leftEye, rightEye]),
                ExpressionRegionName.brows: diagonal([brows]),
            ])
    }

    /// Frame times `i / rate` for `count` frames.
    static func times(_ count: Int, rate: Double = 30) -> [Double] { (0..<count).map { Double($0) / rate } }

    /// A track with a frame at each of `indices` of `frameTimes`, coefficients from `make(time)`.
    static func track(
        id: Int = 0, frameTimes: [Double], indices: [Int]? = nil, size: Float = 100, _ make: (Double) -> FaceCoefficients
    ) -> FaceTrack {
        FaceTrack(
            id: id, modelName: "test",
            frames: (indices ?? Array(frameTimes.indices)).map { index in
                FaceFrame(
                    frameIndex: index, time: frameTimes[index], box: FaceBox(x: 100 + 200 * Float(id), y: 100, width: size, height: size),
                    coefficients: make(frameTimes[index]))
            })
    }

    /// Coefficients from numbers (angles in radians, expression of dimension 7, zeros by default).
    static func coefficients(yaw: Float = 0, pitch: Float = 0, roll: Float = 0, expression: [Float]? = nil) -> FaceCoefficients {
        FaceCoefficients(
            pose: HeadPose(yaw: yaw, pitch: pitch, roll: roll), translation: Vector3(z: depth),
            expression: expression ?? [Float](repeating: 0, count: dimension))
    }

    /// A one-track scene of `duration` seconds at 30 fps with coefficients from `make(time)`.
    static func source(duration: Double, _ make: (Double) -> FaceCoefficients = { _ in coefficients() }) -> SceneMotion {
        let times = times(Int((duration * 30).rounded()))
        return SceneMotion(frameTimes: times, frameRate: 30, frameWidth: 640, frameHeight: 480, tracks: [track(frameTimes: times, make)])
    }

    /// Speech from consecutive `(symbol, seconds)` phones from time 0, with a loudness envelope
    /// at 100 Hz: vowels 0.8, consonants 0.3, P/B/M 0.1, silence 0.
    static func speech(_ sequence: [(String, Double)], method: SpeechInput.Method = .alignment) -> SpeechInput {
        var phones: [SpeechPhone] = []
        var time = 0.0
        for (symbol, length) in sequence {
            phones.append(SpeechPhone(symbol: symbol, start: time, end: time + length))
            time += length
        }
        let loudness = (0..<Int((time * 100).rounded())).map { index -> Float in
            let at = (Double(index) + 0.5) / 100
            guard let phone = phones.first(where: { $0.start <= at && at < $0.end }) else { return 0 }
            return level(phone.symbol)
        }
        return SpeechInput(method: method, phones: method == .loudness ? [] : phones, loudness: loudness, duration: time)
    }

    /// The loudness `speech(_:)` gives a phone.
    static func level(_ symbol: String) -> Float {
        switch symbol {
        case "SIL": return 0
        case "P", "B", "M": return 0.1
        case "AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW": return 0.8
        default: return 0.3
        }
    }

    /// The phones of `speech` with their times, `symbol` only.
    static func phones(_ symbol: String, in speech: SpeechInput) -> [SpeechPhone] { speech.phones.filter { $0.symbol == symbol } }

    /// Parameters from `given`: strings become text, numbers constants, keyframe tracks keyframes.
    static func parameters(_ given: [String: Any]) throws -> EffectParameters {
        var values: [String: ParameterValue] = [:]
        for (name, value) in given {
            switch value {
            case let text as String: values[name] = .text(text)
            case let number as Double: values[name] = .number(number)
            case let number as Int: values[name] = .number(Double(number))
            case let track as KeyframeTrack: values[name] = .keyframes(track)
            default: XCTFail("unsupported fixture value for \(name)")
            }
        }
        return try EffectParameters(for: AudioSync.self, given: values)
    }

    /// Runs AudioSync with `given` on `motion` with `speech`; returns the warnings.
    @discardableResult
    static func run(
        _ given: [String: Any] = [:], on motion: inout SceneMotion, speech: SpeechInput?,
        model: FaceModelDescription? = faceModel()
    ) throws -> [String] {
        let effect = try AudioSync(parameters: try parameters(given))
        let warnings = Warnings()
        try effect.process(&motion, context: EffectContext(faceModel: model, speech: speech, warn: { warnings.append($0) }))
        return warnings.lines
    }

    /// The processed copy of `motion`.
    static func processed(
        _ given: [String: Any] = [:], _ motion: SceneMotion, speech: SpeechInput?, model: FaceModelDescription? = faceModel()
    ) throws -> SceneMotion {
        var copy = motion
        try run(given, on: &copy, speech: speech, model: model)
        return copy
    }

    /// The error `body` throws, as an `EffectError` (fails the test when it throws none or another).
    static func effectError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> EffectError? {
        do {
            try body()
            XCTFail("expected an EffectError, none was thrown", file: file, line: line)
        } catch let error as EffectError {
            return error
        } catch {
            XCTFail("expected an EffectError, got \(error)", file: file, line: line)
        }
        return nil
    }
}

/// Collects warnings from several threads.
final class Warnings: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []

    /// Adds one warning.
    func append(_ line: String) {
        lock.lock()
        collected.append(line)
        lock.unlock()
    }

    /// The warnings so far, in order.
    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }
}

/// A small seeded generator for synthetic clips (the tests depend on FacetSDK and AudioSync only).
struct TestRandom {
    private var state: UInt64

    /// A generator for `seed`.
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// A uniform number in [0, 1).
    mutating func unit() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
}

extension SceneMotion {
    /// The first track's frames.
    var firstFrames: [FaceFrame] { tracks[0].frames }
}
