// A synthetic face scene for the geometric renderer's tests: the Surrey model placed with a known
// camera in a textured picture, decoded as a real VideoFrame (RGB from a PNG, or YUV 4:2:0 from a
// Y4M made with the ffmpeg tool).

import FacetMedia
import FacetMorphableModel
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

/// The shared Surrey model, loaded once.
enum SurreyModel {
    nonisolated(unsafe) private static var cached: MorphableModel?

    static func load() throws -> MorphableModel {
        let url = try SharedData.require("models/sfm/sfm_shape_3448.bin")
        if let cached { return cached }
        let model = try MorphableModel.load(
            named: "sfm", modelsDirectory: url.deletingLastPathComponent().deletingLastPathComponent(),
            loadEdgeTopology: false)
        cached = model
        return model
    }
}

/// A frame size, a weak-perspective camera and a face ~170 px tall in the middle of the picture.
struct GeometricTestScene {
    let model: MorphableModel
    var width = 640
    var height = 480
    var camera: FaceCamera
    /// The face's coefficients as "analysed".
    var source: FaceCoefficients

    init(model: MorphableModel, width: Int = 640, height: Int = 480, centre: Point2? = nil) {
        self.model = model
        self.width = width
        self.height = height
        let principal = centre ?? Point2(x: Float(width) / 2, y: Float(height) / 2)
        camera = FaceCamera(projection: .weakPerspective, focalLength: 1000, principalPoint: principal)
        // Scale 0.9 px/mm: the SFM's ~188 mm head height becomes ~170 px.
        source = FaceCoefficients(
            pose: HeadPose(yawDegrees: 5, pitchDegrees: 0, rollDegrees: 2),
            translation: Vector3(x: 0, y: 0, z: -1000 / 0.9),
            expression: [Float](repeating: 0, count: model.expressionCount))
    }

    /// Source and edited motion of one frame with one track.
    func motion(edited: FaceCoefficients, modelName: String? = nil) -> (source: SceneMotion, edited: SceneMotion) {
        func scene(_ coefficients: FaceCoefficients) -> SceneMotion {
            let track = FaceTrack(
                id: 0, modelName: modelName ?? model.name, identity: [], camera: camera,
                frames: [FaceFrame(frameIndex: 0, time: 0, coefficients: coefficients)])
            return SceneMotion(frameTimes: [0], frameRate: 25, frameWidth: width, frameHeight: height, tracks: [track])
        }
        return (scene(source), scene(edited))
    }

    /// The projected iBUG landmarks (index 0 = landmark 1) for some coefficients.
    func landmarks(_ coefficients: FaceCoefficients) -> [Point2?] {
        model.projectedLandmarks(identity: [], coefficients: coefficients, camera: camera)
    }

    /// A textured picture: smooth colour waves plus fine deterministic grain, so any warp shows.
    func texturedImage(base: (Float, Float, Float) = (150, 120, 110)) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let wave = 40 * sin(Float(x) / 6.5) * cos(Float(y) / 8.5)
                var hash = UInt32(truncatingIfNeeded: x &* 73_856_093 ^ y &* 19_349_663)
                hash = (hash ^ (hash >> 13)) &* 0x5bd1e995
                let grain = Float(hash % 41) - 20
                let r = base.0 + wave + grain, g = base.1 - wave * 0.5 + grain, b = base.2 + wave * 0.3 + grain
                image[x, y] = (UInt8(max(0, min(255, r))), UInt8(max(0, min(255, g))), UInt8(max(0, min(255, b))))
            }
        }
        return image
    }
}

/// Decoding test pictures into frames.
enum TestFrames {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("facet-render-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The image as a packed-RGB frame (decoded from a PNG).
    static func rgbFrame(_ image: RGBImage) throws -> VideoFrame {
        let folder = try directory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("picture.png")
        try ImageIO.writePNG(image, to: url)
        return try XCTUnwrap(try VideoReader(url: url).nextFrame())
    }

    /// The image as a planar YUV 4:2:0 frame (converted by the ffmpeg tool, read from Y4M).
    static func yuvFrame(_ image: RGBImage) throws -> VideoFrame {
        let folder = try directory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ImageIO.writePNG(image, to: folder.appendingPathComponent("picture.png"))
        try FFmpegCLI.run(["-i", "picture.png", "-pix_fmt", "yuv420p", "picture.y4m"], in: folder)
        let frame = try XCTUnwrap(try VideoReader(url: folder.appendingPathComponent("picture.y4m")).nextFrame())
        XCTAssertEqual(frame.pixelFormat, "yuv420p")
        return frame
    }

    /// A copy of every plane's samples (plane order of `withWritablePlanes`), rows packed.
    static func planes(_ frame: VideoFrame) throws -> [[UInt8]] {
        try frame.withWritablePlanes { picture in
            picture.planes.map { plane in
                var samples = [UInt8]()
                samples.reserveCapacity(plane.width * plane.height)
                for y in 0..<plane.height { for x in 0..<plane.width { samples.append(plane[x, y]) } }
                return samples
            }
        }
    }

    /// The plane geometry (width, height, shiftX, shiftY) of a frame.
    static func geometry(_ frame: VideoFrame) throws -> [(width: Int, height: Int, shiftX: Int, shiftY: Int)] {
        try frame.withWritablePlanes { picture in picture.planes.map { ($0.width, $0.height, $0.shiftX, $0.shiftY) } }
    }
}

/// Point-in-polygon and signed distance for test checks (independent of the renderer's code).
func isInside(_ point: Point2, polygon: [Point2]) -> Bool {
    var inside = false
    var j = polygon.count - 1
    for i in polygon.indices {
        let a = polygon[i], b = polygon[j]
        if (a.y > point.y) != (b.y > point.y),
            point.x < (b.x - a.x) * (point.y - a.y) / (b.y - a.y) + a.x
        {
            inside.toggle()
        }
        j = i
    }
    return inside
}

/// The distance from a point to a polygon's outline.
func distanceToOutline(_ point: Point2, polygon: [Point2]) -> Float {
    var best = Float.infinity
    for i in polygon.indices {
        let a = polygon[i], b = polygon[(i + 1) % polygon.count]
        let ex = b.x - a.x, ey = b.y - a.y
        let length = ex * ex + ey * ey
        let t = length > 0 ? max(0, min(1, ((point.x - a.x) * ex + (point.y - a.y) * ey) / length)) : 0
        let dx = point.x - (a.x + t * ex), dy = point.y - (a.y + t * ey)
        best = min(best, (dx * dx + dy * dy).squareRoot())
    }
    return best
}

/// BT.601 luma of an RGB pixel.
func luma(_ pixel: (red: UInt8, green: UInt8, blue: UInt8)) -> Float {
    0.299 * Float(pixel.red) + 0.587 * Float(pixel.green) + 0.114 * Float(pixel.blue)
}

extension GeometricTestScene {
    /// The model's neutral vertices, the same with the right eye's upper lid (iBUG 38, 39) brought
    /// down onto the lower lid (the skin up to 9 mm above following), and the eye's six landmark
    /// vertices (iBUG 37–42).
    static func closedRightEye(_ model: MorphableModel) throws -> (neutral: [Float], closed: [Float], eye: [Int]) {
        let neutral = model.vertices(identity: [], expression: [])
        let eye = try (37...42).map { try XCTUnwrap(model.landmarkVertex($0)) }
        let xs = eye.map { neutral[3 * $0] }, ys = eye.map { neutral[3 * $0 + 1] }
        let (left, right) = (xs.min()!, xs.max()!)
        let upper = (ys[1] + ys[2]) / 2, lower = (ys[4] + ys[5]) / 2
        let top = upper + 9
        var closed = neutral
        for v in 0..<model.vertexCount {
            let x = neutral[3 * v], y = neutral[3 * v + 1]
            guard y > lower, y < top, x > left - 4, x < right + 4 else { continue }
            let across = x < left ? (x - (left - 4)) / 4 : x > right ? ((right + 4) - x) / 4 : 1
            let target = y <= upper ? lower : lower + (y - upper) * (top - lower) / (top - upper)
            closed[3 * v + 1] = y + across * (target - y)
        }
        return (neutral, closed, eye)
    }
}
