// A self-contained speed and accuracy measurement of the fitter on synthetic views of a model,
// for `facet` to expose (e.g. `facet benchmark fitting`). Deterministic input, wall-clock timings.

import FacetBenchmarkSupport
import FacetSDK
import Foundation

/// Timings (and accuracy) of `FaceFitter.benchmark`.
public struct FitTimings: Sendable, Equatable, CustomStringConvertible {
    /// Frames fitted with a fixed identity.
    public var frames: Int
    /// Tracks whose identity was fitted.
    public var tracks: Int
    /// Mean time to fit pose and expression of one frame (fixed identity), microseconds.
    public var meanFrameMicroseconds: Double
    /// 95th percentile of the per-frame time, microseconds.
    public var p95FrameMicroseconds: Double
    /// Mean time to fit one track's identity (over up to `maxIdentityFrames` frames), milliseconds.
    public var meanIdentityMilliseconds: Double
    /// Median angle between true and fitted head rotation, degrees.
    public var medianAngleErrorDegrees: Double
    /// 95th percentile of that angle, degrees.
    public var p95AngleErrorDegrees: Double

    /// Creates timings.
    public init(
        frames: Int, tracks: Int, meanFrameMicroseconds: Double, p95FrameMicroseconds: Double,
        meanIdentityMilliseconds: Double, medianAngleErrorDegrees: Double, p95AngleErrorDegrees: Double
    ) {
        self.frames = frames
        self.tracks = tracks
        self.meanFrameMicroseconds = meanFrameMicroseconds
        self.p95FrameMicroseconds = p95FrameMicroseconds
        self.meanIdentityMilliseconds = meanIdentityMilliseconds
        self.medianAngleErrorDegrees = medianAngleErrorDegrees
        self.p95AngleErrorDegrees = p95AngleErrorDegrees
    }

    /// One line for people.
    public var description: String {
        String(
            format: "%d frames: %.1f µs/frame (p95 %.1f); identity %.2f ms/track (%d tracks); "
                + "pose error median %.2f° p95 %.2f°", frames, meanFrameMicroseconds, p95FrameMicroseconds,
            meanIdentityMilliseconds, tracks, medianAngleErrorDegrees, p95AngleErrorDegrees)
    }
}

extension FaceFitter {
    /// Fits `tracks` synthetic tracks of `framesPerTrack` views of the model (random identity ~N(0, 1), yaw ±40°,
    /// pitch ±25°, roll ±20°, random expressions, 1 px landmark noise, 640×480) and measures the time per frame
    /// (pose + expression with the track's identity) and per identity fit.
    public func benchmark(tracks: Int = 5, framesPerTrack: Int = 200, seed: UInt64 = 1) throws -> FitTimings {
        var random = SeededRandom(seed: seed)
        let width = 640, height = 480
        let camera = camera(imageWidth: width, imageHeight: height)
        var frameTimes: [Double] = []
        var identityTimes: [Double] = []
        var angles: [Double] = []
        for _ in 0..<max(tracks, 1) {
            let identity = (0..<model.identityCount).map { _ in Float(random.gaussian()) }
            var truths: [HeadPose] = []
            var views: [[Point2]] = []
            for _ in 0..<max(framesPerTrack, 1) {
                let pose = HeadPose(
                    yawDegrees: Float(random.uniform(-40, 40)), pitchDegrees: Float(random.uniform(-25, 25)),
                    rollDegrees: Float(random.uniform(-20, 20)))
                let expression: [Float] = (0..<model.expressionCount).map { _ in
                    model.expressionKind == .pca ? Float(random.gaussian()) : (random.uniform(0, 1) < 0.5 ? 0 : Float(random.uniform(0, 1)))
                }
                let depth = Float(model.convention.projection == .perspective ? 10 : 480)
                let coefficients = FaceCoefficients(pose: pose, translation: Vector3(z: -depth), expression: expression)
                let projected = model.projectedLandmarks(identity: identity, coefficients: coefficients, camera: camera)
                var points = projected.map { $0 ?? Point2(x: 0, y: 0) }
                for (index, point) in projected.enumerated() where point == nil && index > 0 && index < 67 {
                    points[index] = Point2(
                        x: (points[index - 1].x + points[index + 1].x) / 2,
                        y: (points[index - 1].y + points[index + 1].y) / 2)
                }
                views.append(points.map { Point2(x: $0.x + Float(random.gaussian()), y: $0.y + Float(random.gaussian())) })
                truths.append(pose)
            }
            // The same steps as `fitTrack`, timed separately.
            let workspace = FitWorkspace(model: model, configuration: configuration, camera: camera)
            let identityStart = DispatchTime.now().uptimeNanoseconds
            let correction = fitIdentityAndBias(workspace, landmarks: views, camera: camera).correction
            identityTimes.append(Double(DispatchTime.now().uptimeNanoseconds - identityStart) / 1e6)
            for (view, truth) in zip(views, truths) {
                let start = DispatchTime.now().uptimeNanoseconds
                let fit = fitFrame(workspace, view, correction: correction)
                frameTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3)
                angles.append(Double(FaceGeometry.angleBetween(fit.coefficients.pose, truth)) * 180 / .pi)
            }
        }
        func percentile(_ values: [Double], _ fraction: Double) -> Double {
            SampleStatistics.percentile(values, fraction) ?? 0
        }
        return FitTimings(
            frames: frameTimes.count, tracks: identityTimes.count,
            meanFrameMicroseconds: frameTimes.reduce(0, +) / Double(frameTimes.count),
            p95FrameMicroseconds: percentile(frameTimes, 0.95),
            meanIdentityMilliseconds: identityTimes.reduce(0, +) / Double(identityTimes.count),
            medianAngleErrorDegrees: percentile(angles, 0.5), p95AngleErrorDegrees: percentile(angles, 0.95))
    }
}
