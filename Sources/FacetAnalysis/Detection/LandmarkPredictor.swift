import CDlib
import FacetSDK
import Foundation

/// dlib's 68-point facial landmark predictor (iBUG 300-W layout: 0–16 jaw, 17–26 brows,
/// 27–35 nose, 36–47 eyes, 48–67 mouth; 0-based).
///
/// Points come out with sub-pixel precision (the shim runs dlib's regression cascade itself, from
/// trees packed for the cache, and skips dlib's rounding of the box and the points to whole
/// pixels). ~1 ms per prediction on one core; by default two are averaged (the picture and its
/// mirror image).
///
/// Thread-safe: prediction only reads the loaded model, so one predictor (the model is ~100 MB
/// and takes ~1 s to load) can serve any number of threads at once.
public final class LandmarkPredictor: @unchecked Sendable {
    /// The model used when none is given: `$FACET_LANDMARK_MODEL` when set, else Debian's
    /// `libdlib-data` file `/usr/share/dlib/shape_predictor_68_face_landmarks.dat`.
    public static var defaultModelURL: URL {
        if let path = ProcessInfo.processInfo.environment["FACET_LANDMARK_MODEL"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: "/usr/share/dlib/shape_predictor_68_face_landmarks.dat")
    }

    /// The model file this predictor was loaded from.
    public let modelURL: URL
    /// The number of points per face (68 for the iBUG model).
    public let pointCount: Int
    /// The model's mean shape in the face box's normalised coordinates ((0, 0) the box's top left
    /// corner, (1, 1) its bottom right pixel): where the prediction starts, and so how the boxes
    /// the model was trained with sit on a face (see `FaceBoxConvention`).
    public let meanShape: [Point2]
    // `@unchecked Sendable`: the handle is written only in `init`; `predict` is const in the
    // shim and its error buffer is locked.
    private let handle: OpaquePointer

    /// Loads a dlib shape-predictor model. Throws `fileNotFound` (no file at the path) or
    /// `malformed` (the file is not a dlib shape predictor), naming the file.
    public init(modelURL: URL = LandmarkPredictor.defaultModelURL) throws(AnalysisError) {
        guard let handle = facet_landmark_predictor_new() else {
            throw AnalysisError(.outOfMemory, "could not create a landmark predictor (out of memory)")
        }
        self.handle = handle
        self.modelURL = modelURL
        let path = modelURL.path
        do {
            try check(
                facet_landmark_predictor_load(handle, path),
                { String(cString: facet_landmark_predictor_last_error(handle)) }, path: path)
        } catch {
            facet_landmark_predictor_free(handle)
            throw error
        }
        let count = Int(facet_landmark_predictor_point_count(handle))
        var mean = [Float](repeating: 0, count: 2 * count)
        let status = mean.withUnsafeMutableBufferPointer { buffer in
            facet_landmark_predictor_mean_shape(handle, buffer.baseAddress, Int32(buffer.count))
        }
        do {
            try check(status, { String(cString: facet_landmark_predictor_last_error(handle)) }, path: path)
        } catch {
            facet_landmark_predictor_free(handle)
            throw error
        }
        pointCount = count
        meanShape = (0..<count).map { Point2(x: mean[2 * $0], y: mean[2 * $0 + 1]) }
    }

    deinit { facet_landmark_predictor_free(handle) }

    /// The landmarks of the face in `box` (a detector-style box in `image`'s pixels, sub-pixel
    /// corners kept; see `FaceDetection.box` and `FaceBoxConvention`), `pointCount` points in
    /// `image`'s pixels. Points may lie outside the image when the box does.
    ///
    /// `mirrorAveraged` (the default, for 68-point models) predicts on the picture and on its mirror
    /// image and averages the two, mirrored back: the model's left-right bias cancels (a mirrored
    /// picture gives exactly mirrored landmarks, so yaw and roll flip and pitch stays) and the two
    /// predictions' errors average out, at twice the cost (~2 ms for both on one core).
    public func landmarks(in image: GrayImage, box: FaceBox, mirrorAveraged: Bool = true) throws(AnalysisError) -> [Point2] {
        guard box.width >= 1, box.height >= 1, box.x.isFinite, box.y.isFinite,
            box.width.isFinite, box.height.isFinite
        else {
            throw AnalysisError(
                .invalidArgument,
                "a face box must be finite and at least 1x1 pixel; got \(box.width)x\(box.height) at (\(box.x), \(box.y))")
        }
        var coordinates = [Float](repeating: 0, count: 2 * pointCount)
        let capacity = Int32(coordinates.count)
        let symmetric = mirrorAveraged && pointCount == 68
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            coordinates.withUnsafeMutableBufferPointer { out in
                symmetric
                    ? facet_landmark_predictor_predict_symmetric(
                        handle, pixels.baseAddress, Int32(image.width), Int32(image.height),
                        Int32(image.width), box.x, box.y, box.width, box.height,
                        out.baseAddress, capacity)
                    : facet_landmark_predictor_predict(
                        handle, pixels.baseAddress, Int32(image.width), Int32(image.height),
                        Int32(image.width), box.x, box.y, box.width, box.height,
                        out.baseAddress, capacity)
            }
        }
        try check(status, { String(cString: facet_landmark_predictor_last_error(handle)) })
        return (0..<pointCount).map { Point2(x: coordinates[2 * $0], y: coordinates[2 * $0 + 1]) }
    }
}
