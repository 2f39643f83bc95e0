import FacetMedia
import FacetMorphableModel
import FacetNeural
import FacetSDK
import Foundation
import XCTest

@testable import FacetRender

/// Fixtures of the neural renderer tests: a mean 68-point face, tiny face models, motion, frames
/// and generator stand-ins.
enum NeuralFixtures {
    /// A mean frontal 68-point iBUG face (OpenFace's dlib alignment template, `align_dlib.py`
    /// TEMPLATE): x in [0.08, 0.97], y in [0.18, 1.06] of the detector box.
    static let meanFace: [Point2] = [
        (0.0792396913815, 0.339223741112), (0.0829219487236, 0.456955367943), (0.0967927109165, 0.575648016728),
        (0.122141515615, 0.691921601066), (0.168687863544, 0.800341263616), (0.239789390707, 0.895732504778),
        (0.325662452515, 0.977068762493), (0.422318282013, 1.04329000149), (0.531777802068, 1.06080371126),
        (0.641296298053, 1.03981924107), (0.738105872266, 0.972268833998), (0.824444363295, 0.889624082279),
        (0.894792677532, 0.792494155836), (0.939395486253, 0.681546643421), (0.96111933829, 0.562238253072),
        (0.970579841181, 0.441758925744), (0.971193274221, 0.322118743967), (0.163846223133, 0.249151738053),
        (0.21780354657, 0.204255863861), (0.291299351124, 0.192367318323), (0.367460241458, 0.203582210627),
        (0.4392945113, 0.233135599851), (0.586445962425, 0.228141644834), (0.660152671635, 0.195923841854),
        (0.737466449096, 0.182360984545), (0.813236546239, 0.192828009114), (0.8707571886, 0.235293377042),
        (0.51534533827, 0.31863546193), (0.516221448289, 0.396200446263), (0.517118861835, 0.473797687758),
        (0.51816430343, 0.553157797772), (0.433701156035, 0.604054457668), (0.475501237769, 0.62076344024),
        (0.520712933176, 0.634268222208), (0.565874114041, 0.618796581487), (0.607054002672, 0.60157671656),
        (0.252418718401, 0.331052263829), (0.298663015648, 0.302646354002), (0.355749724218, 0.303020650651),
        (0.403718978315, 0.33867711083), (0.352507175597, 0.349987615384), (0.296791759886, 0.350478978225),
        (0.631326076346, 0.334136672344), (0.679073381078, 0.29645404267), (0.73597236153, 0.294721285802),
        (0.782865376271, 0.321305281656), (0.740312274764, 0.341849376713), (0.68499850091, 0.343734332172),
        (0.353167761422, 0.746189164237), (0.414587777921, 0.719053835073), (0.477677654595, 0.706835892494),
        (0.522732900812, 0.717092275768), (0.569832064287, 0.705414478982), (0.635195811927, 0.71565572516),
        (0.69951672331, 0.739419187253), (0.639447159575, 0.805236879972), (0.576410514055, 0.835436670169),
        (0.525398405766, 0.841706377792), (0.47641545769, 0.837505914975), (0.41379548902, 0.810045601727),
        (0.380084785646, 0.749979603086), (0.477955996282, 0.74513234612), (0.523389793327, 0.748924302636),
        (0.571057789237, 0.74332894691), (0.672409137852, 0.744177032192), (0.572539621444, 0.776609286626),
        (0.5240106503, 0.783370783245), (0.477561227414, 0.778476346951),
    ].map { Point2(x: Float($0.0), y: Float($0.1)) }

    /// The mean face scaled so that its jaw span (points 1–17) is `width` pixels and its nose
    /// tip (point 31) sits at `noseTip`.
    static func face(width: Float, noseTip: Point2) -> [Point2] {
        let span = meanFace[16].x - meanFace[0].x
        let scale = width / span
        let nose = meanFace[30]
        return meanFace.map { Point2(x: noseTip.x + ($0.x - nose.x) * scale, y: noseTip.y + ($0.y - nose.y) * scale) }
    }

    /// A tiny model: 3 vertices, PCA expressions in Deep3DFaceRecon's layout (compatible), or
    /// blendshapes (like the Surrey model).
    static func model(
        name: String = "bfm09-front", expressions: Int = 64, blendshapes: Bool = false,
        convention: ModelConvention = BFMConverter.convention
    ) throws -> MorphableModel {
        let rows = 9
        let mean: [Float] = [0, 0, 0, 1, 0, 0, 0, 1, 0]
        var identity = [Float](repeating: 0, count: rows)
        identity[0] = 1
        let shape = EosPcaModel(mean: mean, orthonormalBasis: identity, eigenvalues: [1], triangles: [SIMD3(0, 1, 2)])
        let expression: EosExpressionModel
        if blendshapes {
            expression = .blendshapes(
                (0..<expressions).map { index in
                    var deformation = [Float](repeating: 0, count: rows)
                    deformation[index % rows] = 0.1
                    return EosBlendshape(name: "shape\(index)", deformation: deformation)
                })
        } else {
            var basis = [Float](repeating: 0, count: rows * expressions)
            for column in 0..<expressions { basis[column * rows + column % rows] = 1 }
            expression = .pca(
                EosPcaModel(
                    mean: [Float](repeating: 0, count: rows), orthonormalBasis: basis,
                    eigenvalues: [Float](repeating: 1, count: expressions), triangles: []))
        }
        var landmarks: [String: Int] = [:]
        for number in 1...68 { landmarks[String(number)] = number % 3 }
        let file = EosModelFile(shape: shape, expression: expression, landmarkDefinitions: landmarks)
        return try MorphableModel(name: name, file: file, convention: convention)
    }

    /// Source and edited motion of one track (id 0) over `landmarks.count` frames; the edit
    /// sets expression coefficient 0 of frame k to `editedExpression(k)`.
    static func motion(
        landmarks: [[Point2]], width: Int, height: Int,
        editedExpression: (Int) -> Float = { _ in 0.5 }
    ) -> (source: SceneMotion, edited: SceneMotion) {
        let frames = landmarks.enumerated().map { index, points in
            FaceFrame(
                frameIndex: index, time: Double(index) / 25, landmarks: points,
                coefficients: FaceCoefficients(
                    pose: HeadPose(yaw: 0.1, pitch: -0.05, roll: 0.02),
                    translation: Vector3(x: 0.1, y: -0.2, z: -0.5),
                    expression: [Float](repeating: 0, count: 64)))
        }
        let track = FaceTrack(id: 0, modelName: "bfm09-front", expressionBasis: .pca, frames: frames)
        var editedTrack = track
        for index in editedTrack.frames.indices {
            editedTrack.frames[index].coefficients.expression[0] = editedExpression(index)
        }
        let times = landmarks.indices.map { Double($0) / 25 }
        let source = SceneMotion(frameTimes: times, frameRate: 25, frameWidth: width, frameHeight: height, tracks: [track])
        var edited = source
        edited.tracks = [editedTrack]
        return (source, edited)
    }

    /// A smooth colourful picture (no detail finer than ~20 px), decoded as a one-frame video.
    static func smoothFrame(width: Int, height: Int, in folder: URL) throws -> VideoFrame {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let fx = Float(x), fy = Float(y)
                let red = 128 + 70 * sin(fx / 29) * cos(fy / 41)
                let green = 110 + 60 * cos(fx / 37 + fy / 53)
                let blue = 140 + 50 * sin((fx + fy) / 47)
                let offset = (y * width + x) * 3
                image.pixels[offset] = UInt8(red.rounded())
                image.pixels[offset + 1] = UInt8(green.rounded())
                image.pixels[offset + 2] = UInt8(blue.rounded())
            }
        }
        let url = folder.appendingPathComponent("smooth.png")
        try ImageIO.writePNG(image, to: url)
        let reader = try VideoReader(url: url)
        return try XCTUnwrap(try reader.nextFrame())
    }

    /// A fresh scratch folder.
    static func scratch(_ name: String = #function) throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("facet-neural-\(ProcessInfo.processInfo.processIdentifier)-\(name.filter(\.isLetter))")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// A generator stand-in that returns its input after a per-channel affine change
/// (identity by default) and remembers the last driving window.
final class AffineStubGenerator: FaceImageGenerator {
    let cropResolution: Int
    let windowRadius = 13
    var gain: SIMD3<Float>
    var offset: SIMD3<Float>
    private(set) var lastDriving: [Float] = []
    private(set) var calls = 0
    private let output: Tensor

    init(resolution: Int = 256, gain: SIMD3<Float> = SIMD3(repeating: 1), offset: SIMD3<Float> = SIMD3(repeating: 0)) {
        cropResolution = resolution
        self.gain = gain
        self.offset = offset
        output = Tensor(shape: [1, 3, resolution, resolution])
    }

    func generate(source: Tensor, driving: Tensor) throws(RenderError) -> Tensor {
        calls += 1
        lastDriving = Array(UnsafeBufferPointer(start: driving.data, count: driving.count))
        let plane = cropResolution * cropResolution
        for channel in 0..<3 {
            for index in 0..<plane {
                output.data[channel * plane + index] = gain[channel] * source.data[channel * plane + index] + offset[channel]
            }
        }
        return output
    }
}
