import FacetSDK

// One source frame's coefficients moved by one driving sample: the formulas of relative and
// absolute mode, with the expression change split by face region.

/// The strengths at one source frame, each already multiplied by the driver's weight there.
struct Strengths: Equatable, Sendable {
    /// Of the head rotation (0 when `pose` is not among the components).
    var pose: Double
    /// Of the head movement, relative mode (0 when `pose` is not among the components).
    var translation: Double
    /// Of the whole expression change.
    var expression: Double
    /// Of each region's part of the change (0 for a region not among the components).
    var regions: [String: Double]
    /// Of the part no region moves: 1 with `expression` or `all` among the components, else 0.
    var rest: Double
}

/// The formulas of both modes.
enum Retargeting {
    /// Relative mode: the driver's change from `reference` is added to the source.
    ///
    /// pose += s_pose·wrap(d − r); translation += s_translation·(d − r);
    /// expression += s_expression·[Σ s_region·RΔ + rest·(Δ − Σ RΔ)], Δ = d − r.
    static func relative(
        _ coefficients: inout FaceCoefficients, driving: DrivingSample, reference: DrivingSample,
        strengths: Strengths, regions: [String: ExpressionRegion], dimension: Int
    ) {
        var pose = poseAngles(coefficients.pose)
        for axis in 0..<3 { pose[axis] += strengths.pose * wrappedAngle(driving.angles[axis] - reference.angles[axis]) }
        coefficients.pose = HeadPose(yaw: Float(pose[0]), pitch: Float(pose[1]), roll: Float(pose[2]))
        if strengths.translation != 0 {
            let move = zip(driving.translation, reference.translation).map { strengths.translation * ($0 - $1) }
            coefficients.translation.x += Float(move[0])
            coefficients.translation.y += Float(move[1])
            coefficients.translation.z += Float(move[2])
        }
        let delta = zip(driving.expression(dimension: dimension), reference.expression(dimension: dimension)).map { $0 - $1 }
        add(change(delta, strengths: strengths, regions: regions), to: &coefficients.expression, dimension: dimension)
    }

    /// Absolute mode: the source moves towards the driver by the strengths; the head position
    /// stays the source's.
    ///
    /// pose += s_pose·wrap(d − source); expression += the same split of Δ = d − source.
    static func absolute(
        _ coefficients: inout FaceCoefficients, driving: DrivingSample, strengths: Strengths,
        regions: [String: ExpressionRegion], dimension: Int
    ) {
        var pose = poseAngles(coefficients.pose)
        for axis in 0..<3 { pose[axis] += strengths.pose * wrappedAngle(driving.angles[axis] - pose[axis]) }
        coefficients.pose = HeadPose(yaw: Float(pose[0]), pitch: Float(pose[1]), roll: Float(pose[2]))
        let source = padded(coefficients.expression, dimension).map(Double.init)
        let delta = zip(driving.expression(dimension: dimension), source).map { $0 - $1 }
        add(change(delta, strengths: strengths, regions: regions), to: &coefficients.expression, dimension: dimension)
    }

    /// `s_expression·[rest·Δ + Σ (s_region − rest)·RΔ]`: the same as the sum over regions plus
    /// the rest, written so that a region whose strength equals the rest's needs no map.
    static func change(_ delta: [Double], strengths: Strengths, regions: [String: ExpressionRegion]) -> [Double] {
        guard strengths.expression != 0 else { return [Double](repeating: 0, count: delta.count) }
        var change = delta.map { strengths.rest * $0 }
        for name in ExpressionRegionName.all {
            let factor = (strengths.regions[name] ?? 0) - strengths.rest
            guard factor != 0, let region = regions[name] else { continue }
            let part = region.part(of: delta.map { Float($0) })
            for index in change.indices { change[index] += factor * Double(part[index]) }
        }
        return change.map { strengths.expression * $0 }
    }

    /// `expression` padded with zeros to `dimension` coefficients (never cut).
    static func padded(_ expression: [Float], _ dimension: Int) -> [Float] {
        expression.count >= dimension ? expression : expression + [Float](repeating: 0, count: dimension - expression.count)
    }

    // MARK: - Helpers

    private static func poseAngles(_ pose: HeadPose) -> [Double] { [Double(pose.yaw), Double(pose.pitch), Double(pose.roll)] }

    private static func add(_ change: [Double], to expression: inout [Float], dimension: Int) {
        expression = padded(expression, dimension)
        for index in 0..<min(change.count, expression.count) where change[index] != 0 {
            expression[index] = Float(Double(expression[index]) + change[index])
        }
    }
}
