// Shared helpers of the morphable-model tests: a seeded random source, synthetic models and
// rendering landmarks of a model with known coefficients.

import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

@testable import FacetMorphableModel

enum TestModels {
    /// The Surrey Face Model from the shared folder (skips when absent, fails under CI).
    static func surrey() throws -> MorphableModel {
        let url = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        return try MorphableModel.loadSurrey(directory: url.deletingLastPathComponent(), loadEdgeTopology: false)
    }

    /// A small random face-like PCA model: `vertexCount` vertices on an ellipsoid cap (mm), random
    /// orthonormal-ish identity and expression bases, all 68 landmarks fixed.
    static func syntheticPCA(
        seed: UInt64 = 7, vertexCount: Int = 120, identityCount: Int = 10,
        expressionCount: Int = 8
    ) throws -> MorphableModel {
        var random = SeededRandom(seed: seed)
        var mean: [Float] = []
        for index in 0..<vertexCount {
            // Points on the front half of an ellipsoid 75 × 95 × 50 mm, spread by a golden-angle spiral.
            let t = (Double(index) + 0.5) / Double(vertexCount)
            let polar = acos(1 - t)  // 0…90° from +z
            let azimuth = Double(index) * 2.399963
            mean += [
                Float(75 * sin(polar) * cos(azimuth)), Float(95 * sin(polar) * sin(azimuth)),
                Float(50 * cos(polar)),
            ]
        }
        func basis(_ count: Int, amplitude: Double) -> (basis: [Float], eigenvalues: [Float]) {
            var values: [Float] = []
            var eigenvalues: [Float] = []
            for column in 0..<count {
                var vector = (0..<(3 * vertexCount)).map { _ in random.gaussian() }
                let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
                vector = vector.map { $0 / norm }
                values += vector.map(Float.init)
                let sigma = amplitude / Double(column + 1).squareRoot()
                eigenvalues.append(Float(sigma * sigma))
            }
            return (values, eigenvalues)
        }
        let identity = basis(identityCount, amplitude: 60)
        let expression = basis(expressionCount, amplitude: 40)
        var landmarks: [String: Int] = [:]
        for number in 1...68 { landmarks[String(number)] = (number * 37) % vertexCount }
        let file = EosModelFile(
            shape: EosPcaModel(mean: mean, orthonormalBasis: identity.basis, eigenvalues: identity.eigenvalues, triangles: []),
            expression: .pca(
                EosPcaModel(
                    mean: [Float](repeating: 0, count: mean.count), orthonormalBasis: expression.basis,
                    eigenvalues: expression.eigenvalues, triangles: [])),
            landmarkDefinitions: landmarks)
        return try MorphableModel(
            name: "synthetic", file: file,
            convention: ModelConvention(lengthUnit: "mm", projection: .weakPerspective))
    }
}

/// One synthetic view: ground truth and the 68 landmarks it projects to (plus noise).
struct SyntheticView {
    var coefficients: FaceCoefficients
    var landmarks: [Point2]
}

enum Synthesis {
    /// Random pose within yaw ±40°, pitch ±25°, roll ±20°.
    static func randomPose(_ random: inout SeededRandom) -> HeadPose {
        HeadPose(
            yawDegrees: Float(random.uniform(-40, 40)), pitchDegrees: Float(random.uniform(-25, 25)),
            rollDegrees: Float(random.uniform(-20, 20)))
    }

    /// Random expression: blendshape weights in [0, 1] (each active with probability 1/2) or PCA ~N(0, 1).
    static func randomExpression(_ model: MorphableModel, _ random: inout SeededRandom) -> [Float] {
        (0..<model.expressionCount).map { _ in
            if model.expressionKind == .pca { return Float(random.gaussian()) }
            return random.uniform() < 0.5 ? 0 : Float(random.uniform())
        }
    }

    /// Projects the model's 68 landmarks (contours at their default candidate vertices, both sides) and adds
    /// Gaussian noise of `noise` px; unmapped points (61, 65) get the midpoint of their neighbours.
    /// With `silhouette`, the far side's contour follows the true occluding contour instead.
    static func view(
        model: MorphableModel, identity: [Float], coefficients: FaceCoefficients, camera: FaceCamera,
        noise: Double, random: inout SeededRandom, silhouette: MeshEdges? = nil
    ) -> [Point2] {
        let projected = model.projectedLandmarks(identity: identity, coefficients: coefficients, camera: camera)
        var points = projected.map { $0 ?? Point2(x: 0, y: 0) }
        if let silhouette {
            for (number, point) in silhouetteContour(
                model: model, edges: silhouette, identity: identity,
                coefficients: coefficients, camera: camera)
            {
                points[number - 1] = point
            }
        }
        for (index, point) in projected.enumerated() where point == nil {
            let a = points[index - 1], b = points[index + 1]
            points[index] = Point2(x: (a.x + b.x) / 2, y: (a.y + b.y) / 2)
        }
        return points.map { Point2(x: $0.x + Float(noise * random.gaussian()), y: $0.y + Float(noise * random.gaussian())) }
    }
}

/// The mesh's edges with the two triangles that share each, for finding silhouettes in tests.
struct MeshEdges {
    var vertices: [(Int, Int)] = []
    var faces: [(Int, Int)] = []

    init(_ model: MorphableModel) {
        var seen: [SIMD2<Int32>: Int] = [:]
        var first: [Int] = []
        for (face, triangle) in model.triangles.enumerated() {
            for (a, b) in [(triangle.x, triangle.y), (triangle.y, triangle.z), (triangle.z, triangle.x)] {
                let key = SIMD2(min(a, b), max(a, b))
                if let index = seen[key] {
                    faces.append((first[index], face))
                    vertices.append((Int(key.x), Int(key.y)))
                } else {
                    seen[key] = first.count
                    first.append(face)
                }
            }
        }
    }
}

extension Synthesis {
    /// Where the far side's jaw landmarks really are: for each contour landmark of the side turned away
    /// from the camera, the projected silhouette vertex (an edge between a front- and a back-facing
    /// triangle, below the eyes, on that side of the face) nearest to its frontal candidate's projection.
    static func silhouetteContour(
        model: MorphableModel, edges: MeshEdges, identity: [Float],
        coefficients: FaceCoefficients, camera: FaceCamera
    ) -> [Int: Point2] {
        let vertices = model.vertices(identity: identity, expression: coefficients.expression)
        let r = FaceGeometry.rotationMatrix(coefficients.pose)
        func position(_ v: Int) -> SIMD3<Float> { SIMD3(vertices[3 * v], vertices[3 * v + 1], vertices[3 * v + 2]) }
        let facing: [Bool] = model.triangles.map { triangle in
            let a = position(Int(triangle.x)), b = position(Int(triangle.y)), c = position(Int(triangle.z))
            let u = b - a, w = c - a
            let normal = SIMD3(u.y * w.z - u.z * w.y, u.z * w.x - u.x * w.z, u.x * w.y - u.y * w.x)
            return r[6] * normal.x + r[7] * normal.y + r[8] * normal.z > 0
        }
        let farIsRight = coefficients.pose.yaw < 0  // −yaw turns the face's right side away
        let eyeLevel = position(model.landmarks.fixed[37]!).y
        var boundary = Set<Int>()
        for (index, pair) in edges.faces.enumerated() where facing[pair.0] != facing[pair.1] {
            for vertex in [edges.vertices[index].0, edges.vertices[index].1] {
                let p = position(vertex)
                if p.y < eyeLevel && (farIsRight ? p.x < 0 : p.x > 0) { boundary.insert(vertex) }
            }
        }
        let projectedAll = FaceGeometry.project(
            points: vertices, pose: coefficients.pose,
            translation: coefficients.translation, camera: camera)
        var result: [Int: Point2] = [:]
        for number in farIsRight ? LandmarkMap.rightContourLandmarks : LandmarkMap.leftContourLandmarks {
            guard let candidate = model.defaultContourVertex(number) else { continue }
            let target = projectedAll[candidate]
            var best = target
            var bestDistance = Float.infinity
            for vertex in boundary.sorted() {
                let p = projectedAll[vertex]
                let distance = (p.x - target.x) * (p.x - target.x) + (p.y - target.y) * (p.y - target.y)
                if distance < bestDistance { (best, bestDistance) = (p, distance) }
            }
            result[number] = best
        }
        return result
    }
}

/// Percentile of a sample (nearest rank).
func percentile(_ values: [Float], _ fraction: Double) -> Float {
    let sorted = values.sorted()
    let index = min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[index]
}
