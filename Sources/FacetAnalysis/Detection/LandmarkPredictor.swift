import CDlib
import FacetSDK
import Foundation

/// dlib's 68-point facial landmark predictor (iBUG 300-W layout: 0–16 jaw, 17–26 brows,
/// 27–35 nose, 36–47 eyes, 48–67 mouth; 0-based).
///
/// Points come out with sub-pixel precision (the shim runs dlib's regression cascade itself and
/// skips dlib's rounding to whole pixels). ~2–3 ms per face on one core.
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
            try check(facet_landmark_predictor_load(handle, path),
                      { String(cString: facet_landmark_predictor_last_error(handle)) }, path: path)
        } catch {
            facet_landmark_predictor_free(handle)
            throw error
        }
        pointCount = Int(facet_landmark_predictor_point_count(handle))
    }

    deinit { facet_landmark_predictor_free(handle) }

    /// The landmarks of the face in `box` (a detector-style box in `image`'s pixels; see
    /// `FaceDetection.box`), `pointCount` points in `image`'s pixels. Points may lie outside
    /// the image when the box does.
    public func landmarks(in image: GrayImage, box: FaceBox) throws(AnalysisError) -> [Point2] {
        guard box.width >= 1, box.height >= 1, box.x.isFinite, box.y.isFinite,
              box.width.isFinite, box.height.isFinite else {
            throw AnalysisError(.invalidArgument,
                                "a face box must be finite and at least 1x1 pixel; got \(box.width)x\(box.height) at (\(box.x), \(box.y))")
        }
        var coordinates = [Float](repeating: 0, count: 2 * pointCount)
        let capacity = Int32(coordinates.count)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            coordinates.withUnsafeMutableBufferPointer { out in
                facet_landmark_predictor_predict(handle, pixels.baseAddress, Int32(image.width), Int32(image.height),
                                                 Int32(image.width), box.x, box.y, box.width, box.height,
                                                 out.baseAddress, capacity)
            }
        }
        try check(status, { String(cString: facet_landmark_predictor_last_error(handle)) })
        return (0..<pointCount).map { Point2(x: coordinates[2 * $0], y: coordinates[2 * $0 + 1]) }
    }
}
