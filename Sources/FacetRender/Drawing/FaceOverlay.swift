import FacetMedia
import FacetMorphableModel
import FacetSDK

/// Draws what analysis found for one face so a person can judge the fit at a glance: the
/// projected mesh as a wireframe (front-facing triangles only), the detected landmarks (green),
/// the fitted model's landmarks (magenta), the pose axes from the model's origin (x red, y
/// green, z blue) and the box with the track id and confidence (orange when confidence < 0.5).
public struct FaceOverlay: Sendable {
    /// The model the motion was fitted with (nil: landmarks, boxes and labels only).
    public let model: MorphableModel?
    /// Every mesh edge with the one or two triangles it borders.
    private let edgeTriangles: [(edge: SIMD2<Int32>, first: Int32, second: Int32)]
    /// Length of the pose axes in model units (about half the head's width).
    private let axisLength: Float

    /// Prepares the drawing for `model` (the track's model; nil when it is not loaded).
    public init(model: MorphableModel?) {
        self.model = model
        guard let model else {
            edgeTriangles = []
            axisLength = 0
            return
        }
        var owners: [SIMD2<Int32>: (Int32, Int32)] = [:]
        owners.reserveCapacity(model.triangles.count * 3 / 2)
        for (index, triangle) in model.triangles.enumerated() {
            for (a, b) in [(triangle.x, triangle.y), (triangle.y, triangle.z), (triangle.z, triangle.x)] {
                let edge = SIMD2(min(a, b), max(a, b))
                if let existing = owners[edge] {
                    owners[edge] = (existing.0, Int32(index))
                } else {
                    owners[edge] = (Int32(index), Int32(index))
                }
            }
        }
        edgeTriangles = owners.map { (edge: $0.key, first: $0.value.0, second: $0.value.1) }
            .sorted { ($0.edge.x, $0.edge.y) < ($1.edge.x, $1.edge.y) }
        var minX = Float.infinity, maxX = -Float.infinity
        for index in stride(from: 0, to: model.mean.count, by: 3) {
            minX = min(minX, model.mean[index])
            maxX = max(maxX, model.mean[index])
        }
        axisLength = (maxX - minX) * 0.5
    }

    /// Draws `frame` of `track` onto `painter`'s image.
    public func draw(_ frame: FaceFrame, of track: FaceTrack, on painter: inout OverlayPainter) {
        let confident = frame.confidence >= 0.5
        let opacity = painter.opacity
        if let model, let camera = track.camera, model.name == track.modelName,
            track.identity.count == model.identityCount, frame.coefficients.expression.count == model.expressionCount
        {
            let projected = model.projectedVertices(identity: track.identity, coefficients: frame.coefficients, camera: camera)
            // A triangle faces the camera when its projected corners run counter-clockwise on
            // screen (clockwise in y-down pixel coordinates), as the model's outward winding does.
            let facing = model.triangles.map { triangle -> Bool in
                let a = projected[Int(triangle.x)], b = projected[Int(triangle.y)], c = projected[Int(triangle.z)]
                return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x) < 0
            }
            // A dense mesh on a small face would paint it solid: fade the wireframe when the
            // typical edge is shorter than 4 px.
            var lengthSum: Float = 0
            var sampled = 0
            for entry in stride(from: 0, to: edgeTriangles.count, by: 16).map({ edgeTriangles[$0] }) {
                let a = projected[Int(entry.edge.x)], b = projected[Int(entry.edge.y)]
                lengthSum += ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot()
                sampled += 1
            }
            let typicalEdge = sampled > 0 ? lengthSum / Float(sampled) : 4
            painter.opacity = opacity * 0.25 * min(1, max(0.15, typicalEdge / 4))
            for entry in edgeTriangles where facing[Int(entry.first)] || facing[Int(entry.second)] {
                painter.line(from: projected[Int(entry.edge.x)], to: projected[Int(entry.edge.y)], .wireframe)
            }
            painter.opacity = opacity
            drawAxes(frame.coefficients, camera: camera, on: &painter)
            for point in model.projectedLandmarks(identity: track.identity, coefficients: frame.coefficients, camera: camera)
                .compactMap({ $0 })
            {
                painter.dot(at: point, radius: 1.2, .modelLandmark)
            }
        }
        if let landmarks = frame.landmarks {
            for point in landmarks { painter.dot(at: point, radius: 1.6, .landmark) }
        }
        if let box = frame.box {
            let color: OverlayColor = confident ? .box : .lowConfidence
            painter.box(box, color)
            let scale = max(1, Int(box.width / 80))
            painter.label(
                "#\(track.id) \(Int((frame.confidence * 100).rounded()))%",
                at: Point2(x: box.x, y: box.y - Float(7 * scale)), scale: scale, color)
        }
    }

    private func drawAxes(_ coefficients: FaceCoefficients, camera: FaceCamera, on painter: inout OverlayPainter) {
        let rotation = FaceGeometry.rotationMatrix(coefficients.pose)
        let t = coefficients.translation
        let depth = -t.z
        func project(_ x: Float, _ y: Float, _ z: Float) -> Point2 {
            camera.project(
                Vector3(
                    x: rotation[0] * x + rotation[1] * y + rotation[2] * z + t.x,
                    y: rotation[3] * x + rotation[4] * y + rotation[5] * z + t.y,
                    z: rotation[6] * x + rotation[7] * y + rotation[8] * z + t.z), depth: depth)
        }
        let origin = project(0, 0, 0)
        for (end, color) in [
            (project(axisLength, 0, 0), OverlayColor.axisX), (project(0, axisLength, 0), .axisY),
            (project(0, 0, axisLength), .axisZ),
        ] {
            // Three parallel strokes make the axes stand out from the wireframe.
            for offset: Float in [-0.7, 0, 0.7] {
                painter.line(from: Point2(x: origin.x + offset, y: origin.y), to: Point2(x: end.x + offset, y: end.y), color)
                painter.line(from: Point2(x: origin.x, y: origin.y + offset), to: Point2(x: end.x, y: end.y + offset), color)
            }
        }
    }
}
