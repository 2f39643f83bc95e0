import FacetSDK
import Reenactment
import XCTest

/// Hand-made motion for the Reenactment tests: no video, no analysis.
enum Fixture {
    /// The model every fixture track is fitted with.
    static let modelName = "sfm_3448"
    /// Expression dimension of the fixtures.
    static let dimension = 4
    /// A head 60 cm in front of the camera.
    static let depth: Float = -600

    /// A face model of dimension 4 whose regions are diagonal projections: mouth = coefficients
    /// 0 and 1, eyes = 2, brows = 3. The smile control has norm 2.
    static func faceModel(regions: Bool = true) -> FaceModelDescription {
        func diagonal(_ ones: [Int]) -> ExpressionRegion {
            var matrix = [Float](repeating: 0, count: dimension * dimension)
            for index in ones { matrix[index * dimension + index] = 1 }
            return ExpressionRegion(projection: matrix)
        }
        return FaceModelDescription(
            name: modelName, expressionBasis: .blendshapes, expressionNames: ["e0", "e1", "e2", "e3"],
            controls: [ExpressionControlName.smile: [2, 0, 0, 0]],
            coefficientRange: [Float](repeating: 0, count: dimension).map { _ in -3...3 },
            regions: regions
                ? [
                    ExpressionRegionName.mouth: diagonal([0, 1]), ExpressionRegionName.eyes: diagonal([2]),
                    ExpressionRegionName.brows: diagonal([3]),
                ] : [:])
    }

    /// Frame times `start + i / rate` for `count` frames.
    static func times(_ count: Int, rate: Double = 30, start: Double = 0) -> [Double] {
        (0..<count).map { start + Double($0) / rate }
    }

    /// A track with a frame at each of `indices` of `frameTimes`, coefficients from `make(time)`.
    static func track(
        id: Int = 0, frameTimes: [Double], indices: [Int]? = nil, centerX: Float = 320, model: String = modelName,
        confidence: (Double) -> Float = { _ in 1 }, _ make: (Double) -> FaceCoefficients
    ) -> FaceTrack {
        let present = indices ?? Array(frameTimes.indices)
        return FaceTrack(
            id: id, modelName: model,
            frames: present.map { index in
                let time = frameTimes[index]
                return FaceFrame(
                    frameIndex: index, time: time, box: FaceBox(x: centerX - 50, y: 100, width: 100, height: 100),
                    coefficients: make(time), confidence: confidence(time))
            })
    }

    /// Coefficients from numbers: yaw, pitch, roll in radians, translation, expression of dimension 4.
    static func coefficients(
        yaw: Float = 0, pitch: Float = 0, roll: Float = 0, x: Float = 0, y: Float = 0, z: Float = depth,
        expression: [Float] = [0, 0, 0, 0]
    ) -> FaceCoefficients {
        FaceCoefficients(pose: HeadPose(yaw: yaw, pitch: pitch, roll: roll), translation: Vector3(x: x, y: y, z: z), expression: expression)
    }

    /// Scene motion with `frameTimes` and `tracks`.
    static func scene(_ frameTimes: [Double], rate: Double = 30, _ tracks: [FaceTrack]) -> SceneMotion {
        SceneMotion(frameTimes: frameTimes, frameRate: rate, frameWidth: 640, frameHeight: 480, tracks: tracks)
    }

    /// A video driving input at `/clips/<name>`.
    static func driving(_ motion: SceneMotion, name: String = "talk.mp4", kind: DrivingInput.Kind = .video) -> DrivingInput {
        DrivingInput(path: "/clips/" + name, kind: kind, motion: motion)
    }

    /// A one-track driver of `count` frames at 30 fps with coefficients from `make(time)`.
    static func driver(
        frames count: Int, name: String = "talk.mp4", indices: [Int]? = nil, _ make: (Double) -> FaceCoefficients
    ) -> DrivingInput {
        let times = times(count)
        return driving(scene(times, [track(frameTimes: times, indices: indices, make)]), name: name)
    }

    /// A one-track source of `count` frames at 30 fps with coefficients from `make(time)`.
    static func source(frames count: Int, _ make: (Double) -> FaceCoefficients = { _ in coefficients() }) -> SceneMotion {
        let times = times(count)
        return scene(times, [track(frameTimes: times, make)])
    }

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
        return try EffectParameters(for: Reenactment.self, given: values)
    }

    /// Runs Reenactment with `given` (driver defaults to talk.mp4, smooth to 0) on `motion`,
    /// driven by `driving`; returns the warnings.
    @discardableResult
    static func run(
        _ given: [String: Any], on motion: inout SceneMotion, driving: DrivingInput?,
        model: FaceModelDescription? = faceModel()
    ) throws -> [String] {
        var all: [String: Any] = ["driver": driving?.fileName ?? "talk.mp4", "smooth": 0.0]
        all.merge(given) { $1 }
        let effect = try Reenactment(parameters: try parameters(all))
        let warnings = Warnings()
        let inputs = driving.map { ["driver": $0] } ?? [:]
        try effect.process(&motion, context: EffectContext(faceModel: model, drivingInputs: inputs, warn: { warnings.append($0) }))
        return warnings.lines
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

/// Asserts two expression vectors are equal within `accuracy`.
func assertExpression(
    _ actual: [Float], _ expected: [Float], accuracy: Float = 1e-5, _ message: String = "", file: StaticString = #filePath,
    line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "expression length \(message)", file: file, line: line)
    for (a, e) in zip(actual, expected) { XCTAssertEqual(a, e, accuracy: accuracy, message, file: file, line: line) }
}
