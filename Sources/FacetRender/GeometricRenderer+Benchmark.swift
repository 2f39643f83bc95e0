// Measuring the geometric renderer's own cost per face, independent of decoding and analysis.

import Dispatch
import FacetMedia
import FacetSDK

/// Timings of repeated single-face renders.
public struct GeometricRenderTimings: Sendable, Equatable, CustomStringConvertible {
    /// How many renders were timed.
    public var renders: Int
    /// Mean milliseconds per face render (flow, warp of every plane, synthesis).
    public var meanMilliseconds: Double
    /// Median milliseconds per face render.
    public var medianMilliseconds: Double
    /// The 95th-percentile milliseconds per face render.
    public var p95Milliseconds: Double
    /// The face height in pixels that was rendered.
    public var faceHeight: Float

    /// Creates timings.
    public init(renders: Int, meanMilliseconds: Double, medianMilliseconds: Double, p95Milliseconds: Double, faceHeight: Float) {
        self.renders = renders
        self.meanMilliseconds = meanMilliseconds
        self.medianMilliseconds = medianMilliseconds
        self.p95Milliseconds = p95Milliseconds
        self.faceHeight = faceHeight
    }

    /// One line for reports.
    public var description: String {
        let format = { (value: Double) in String(Int((value * 100).rounded())).paddedHundredths }
        return "geometric render, face \(Int(faceHeight)) px, \(renders) renders: mean \(format(meanMilliseconds)) ms, "
            + "median \(format(medianMilliseconds)) ms, p95 \(format(p95Milliseconds)) ms per face"
    }
}

private extension String {
    /// "1234" (hundredths) as "12.34".
    var paddedHundredths: String {
        let digits = count < 3 ? String(repeating: "0", count: 3 - count) + self : self
        return String(digits.dropLast(2)) + "." + String(digits.suffix(2))
    }
}

extension GeometricRenderer {
    /// Times `renders` renders of one synthetic face edit on `frame` (drawn in place, repeatedly):
    /// the model's mean face, `faceHeight` pixels tall, centred in the frame, turned by 15° of yaw
    /// and 5° of pitch with its first expression coefficient (the SFM's "anger") raised. The frame's
    /// pixels are changed; use a frame you can spare. Not a test: the numbers depend on the machine.
    public func benchmark(frame: VideoFrame, faceHeight: Float = 175, renders: Int = 50) throws -> GeometricRenderTimings {
        guard faceHeight > 8, renders > 0 else {
            throw RenderError(
                .invalidArgument,
                "benchmark of \(renders) renders of a \(faceHeight) px face; expected a face "
                    + "taller than 8 px and at least one render")
        }
        let ys = stride(from: 1, to: model.mean.count, by: 3).map { model.mean[$0] }
        let modelHeight = (ys.max() ?? 1) - (ys.min() ?? 0)
        let camera = FaceCamera(
            projection: .weakPerspective, focalLength: 1000,
            principalPoint: Point2(x: Float(frame.width) / 2, y: Float(frame.height) / 2))
        let depth = 1000 * modelHeight / faceHeight
        var expression = [Float](repeating: 0, count: model.expressionCount)
        let source = FaceCoefficients(pose: .frontal, translation: Vector3(x: 0, y: 0, z: -depth), expression: expression)
        if !expression.isEmpty { expression[0] = 0.8 }
        let edited = FaceCoefficients(
            pose: HeadPose(yawDegrees: 15, pitchDegrees: 5, rollDegrees: 0),
            translation: source.translation, expression: expression)
        func scene(_ coefficients: FaceCoefficients) -> SceneMotion {
            SceneMotion(
                frameTimes: [0], frameRate: 25, frameWidth: frame.width, frameHeight: frame.height,
                tracks: [
                    FaceTrack(
                        id: 0, modelName: model.name, identity: [], camera: camera,
                        frames: [FaceFrame(frameIndex: frame.index, time: frame.time, coefficients: coefficients)])
                ])
        }
        let (sourceMotion, editedMotion) = (scene(source), scene(edited))
        var renderer = self
        try renderer.render(frame, source: sourceMotion, edited: editedMotion)  // warm-up, fills the identity cache
        var samples: [Double] = []
        for _ in 0..<renders {
            let start = DispatchTime.now().uptimeNanoseconds
            try renderer.render(frame, source: sourceMotion, edited: editedMotion)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let sorted = samples.sorted()
        return GeometricRenderTimings(
            renders: renders, meanMilliseconds: samples.reduce(0, +) / Double(renders),
            medianMilliseconds: sorted[renders / 2],
            p95Milliseconds: sorted[min(renders - 1, Int(Double(renders) * 0.95))],
            faceHeight: faceHeight)
    }
}
