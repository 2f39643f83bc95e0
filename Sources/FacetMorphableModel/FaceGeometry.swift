// Rotations and projection in the project's conventions (FacetSDK/Motion.swift):
// R = Rz(roll) · Ry(yaw) · Rx(pitch) with standard right-handed rotations (PIRender's and
// Deep3DFaceRecon's): positive yaw turns the face to the viewer's right (its nose moves towards +x),
// positive pitch tilts the chin down, positive roll turns the face
// counter-clockwise in the image. Camera space: x right, y up, z towards the viewer.

import FacetSDK
import Foundation

/// A 3×3 matrix of doubles, row-major, with the few operations fitting needs.
struct Matrix3: Equatable {
    var m00, m01, m02, m10, m11, m12, m20, m21, m22: Double

    static let identity = Matrix3(m00: 1, m01: 0, m02: 0, m10: 0, m11: 1, m12: 0, m20: 0, m21: 0, m22: 1)

    /// The rotation of a head pose: `Rz(roll) · Ry(yaw) · Rx(pitch)` in the project's sign convention.
    init(pose: HeadPose) {
        let (sp, cp) = (sin(Double(pose.pitch)), cos(Double(pose.pitch)))
        // Positive yaw moves the nose (+z) towards +x: the right-handed rotation by yaw about y.
        let (sy, cy) = (sin(Double(pose.yaw)), cos(Double(pose.yaw)))
        let (sr, cr) = (sin(Double(pose.roll)), cos(Double(pose.roll)))
        self.init(
            m00: cr * cy, m01: cr * sy * sp - sr * cp, m02: cr * sy * cp + sr * sp,
            m10: sr * cy, m11: sr * sy * sp + cr * cp, m12: sr * sy * cp - cr * sp,
            m20: -sy, m21: cy * sp, m22: cy * cp)
    }

    init(
        m00: Double, m01: Double, m02: Double, m10: Double, m11: Double, m12: Double,
        m20: Double, m21: Double, m22: Double
    ) {
        (self.m00, self.m01, self.m02) = (m00, m01, m02)
        (self.m10, self.m11, self.m12) = (m10, m11, m12)
        (self.m20, self.m21, self.m22) = (m20, m21, m22)
    }

    /// The rotation `exp([ω]×)` (Rodrigues).
    init(rotationVector wx: Double, _ wy: Double, _ wz: Double) {
        let angle = (wx * wx + wy * wy + wz * wz).squareRoot()
        if angle < 1e-12 {
            self.init(m00: 1, m01: -wz, m02: wy, m10: wz, m11: 1, m12: -wx, m20: -wy, m21: wx, m22: 1)
            return
        }
        let (x, y, z) = (wx / angle, wy / angle, wz / angle)
        let (s, c) = (sin(angle), cos(angle))
        let t = 1 - c
        self.init(
            m00: c + x * x * t, m01: x * y * t - z * s, m02: x * z * t + y * s,
            m10: y * x * t + z * s, m11: c + y * y * t, m12: y * z * t - x * s,
            m20: z * x * t - y * s, m21: z * y * t + x * s, m22: c + z * z * t)
    }

    static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        Matrix3(
            m00: a.m00 * b.m00 + a.m01 * b.m10 + a.m02 * b.m20,
            m01: a.m00 * b.m01 + a.m01 * b.m11 + a.m02 * b.m21,
            m02: a.m00 * b.m02 + a.m01 * b.m12 + a.m02 * b.m22,
            m10: a.m10 * b.m00 + a.m11 * b.m10 + a.m12 * b.m20,
            m11: a.m10 * b.m01 + a.m11 * b.m11 + a.m12 * b.m21,
            m12: a.m10 * b.m02 + a.m11 * b.m12 + a.m12 * b.m22,
            m20: a.m20 * b.m00 + a.m21 * b.m10 + a.m22 * b.m20,
            m21: a.m20 * b.m01 + a.m21 * b.m11 + a.m22 * b.m21,
            m22: a.m20 * b.m02 + a.m21 * b.m12 + a.m22 * b.m22)
    }

    /// The head pose of this rotation (inverse of `init(pose:)`).
    var pose: HeadPose {
        let sinYaw = max(-1, min(1, -m20))  // m20 = −sin(yaw)
        let yaw = asin(sinYaw)
        let pitch = atan2(m21, m22)
        let roll = atan2(m10, m00)
        return HeadPose(yaw: Float(yaw), pitch: Float(pitch), roll: Float(roll))
    }
}

/// Rotation and projection helpers in the project's conventions, for callers that draw or check fits.
public enum FaceGeometry {
    /// The rotation matrix of a pose, row-major (9 values): `R = Rz(roll) · Ry(yaw) · Rx(pitch)`.
    public static func rotationMatrix(_ pose: HeadPose) -> [Float] {
        let r = Matrix3(pose: pose)
        return [r.m00, r.m01, r.m02, r.m10, r.m11, r.m12, r.m20, r.m21, r.m22].map { Float($0) }
    }

    /// The pose of a row-major rotation matrix (9 values).
    public static func pose(rotationMatrix m: [Float]) -> HeadPose {
        precondition(m.count == 9, "a rotation matrix has 9 values")
        let d = m.map(Double.init)
        return Matrix3(m00: d[0], m01: d[1], m02: d[2], m10: d[3], m11: d[4], m12: d[5], m20: d[6], m21: d[7], m22: d[8]).pose
    }

    /// The angle in radians between two poses' rotations (the geodesic distance on SO(3)).
    public static func angleBetween(_ a: HeadPose, _ b: HeadPose) -> Float {
        let ra = Matrix3(pose: a)
        let rb = Matrix3(pose: b)
        // trace(Raᵀ Rb)
        let trace =
            ra.m00 * rb.m00 + ra.m10 * rb.m10 + ra.m20 * rb.m20
            + ra.m01 * rb.m01 + ra.m11 * rb.m11 + ra.m21 * rb.m21
            + ra.m02 * rb.m02 + ra.m12 * rb.m12 + ra.m22 * rb.m22
        return Float(acos(max(-1, min(1, (trace - 1) / 2))))
    }

    /// Projects model-space points (`xyz` triples) with a pose, translation and camera into pixels.
    public static func project(points: [Float], pose: HeadPose, translation: Vector3, camera: FaceCamera) -> [Point2] {
        let r = Matrix3(pose: pose)
        let depth = -translation.z
        var result: [Point2] = []
        result.reserveCapacity(points.count / 3)
        var index = 0
        while index + 2 < points.count {
            let x = Double(points[index]), y = Double(points[index + 1]), z = Double(points[index + 2])
            let p = Vector3(
                x: Float(r.m00 * x + r.m01 * y + r.m02 * z) + translation.x,
                y: Float(r.m10 * x + r.m11 * y + r.m12 * z) + translation.y,
                z: Float(r.m20 * x + r.m21 * y + r.m22 * z) + translation.z)
            result.append(camera.project(p, depth: depth))
            index += 3
        }
        return result
    }
}

extension MorphableModel {
    /// Every vertex projected into the picture (for drawing the wireframe with `edges` or `triangles`).
    public func projectedVertices(identity: [Float], coefficients: FaceCoefficients, camera: FaceCamera) -> [Point2] {
        FaceGeometry.project(
            points: vertices(identity: identity, expression: coefficients.expression),
            pose: coefficients.pose, translation: coefficients.translation, camera: camera)
    }

    /// The 68 landmarks projected into the picture (index 0 = iBUG 1); `nil` for points the model lacks.
    /// Contour points use `contourVertices` (e.g. `FrameFit.contourVertices`) or the default candidates.
    public func projectedLandmarks(
        identity: [Float], coefficients: FaceCoefficients, camera: FaceCamera,
        contourVertices: [Int: Int] = [:]
    ) -> [Point2?] {
        let positions = landmarkPositions(
            identity: identity, expression: coefficients.expression,
            contourVertices: contourVertices)
        // One projection call for all present points (one rotation matrix, not one per point).
        let present = positions.compactMap { $0 }
        let projected = FaceGeometry.project(
            points: present.flatMap { [$0.x, $0.y, $0.z] }, pose: coefficients.pose,
            translation: coefficients.translation, camera: camera)
        var next = 0
        return positions.map { position in
            guard position != nil else { return nil }
            defer { next += 1 }
            return projected[next]
        }
    }
}
