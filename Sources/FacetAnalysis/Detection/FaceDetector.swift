import CDlib
import FacetSDK

/// One face found by `FaceDetector`.
public struct FaceDetection: Sendable, Equatable {
    /// The face's box in the searched image's pixels (dlib's box: roughly brows to chin, ear to ear).
    public var box: FaceBox
    /// dlib's confidence (SVM margin): > 0 at the default threshold, higher is surer; false
    /// positives usually score below ~0.5.
    public var score: Float
    /// Which of the HOG detector's five filters fired (0 frontal, 1 left, 2 right, 3–4 frontal rotated).
    public var subdetector: Int
    /// How far the picture was turned (radians, counter-clockwise on screen) for the detector to
    /// find this face upright: 0 for upright searches; a rotated search's angle otherwise, so the
    /// face itself is tilted by about that much.
    public var angle: Float

    /// Creates a detection.
    public init(box: FaceBox, score: Float, subdetector: Int = 0, angle: Float = 0) {
        self.box = box
        self.score = score
        self.subdetector = subdetector
        self.angle = angle
    }
}

/// dlib's HOG frontal face detector (no model file needed).
///
/// Finds faces of about 80 px and larger (at upsample 0); `upsample` 1 or 2 finds faces down to
/// ~40 / ~20 px at 4x / 16x the cost. Measured on one core: ~25 ms for 640x360, ~90 ms for
/// 1280x720 (cost grows with the pixel count).
///
/// Not thread-safe: a detector keeps scratch state per call, so use each instance from one
/// thread at a time (create one per thread for parallel detection; after the first one in a
/// process, creating another costs a copy of the model, not a new deserialisation). It is not
/// `Sendable` for that reason; hand it to another thread by transferring ownership.
public final class FaceDetector {
    private let handle: OpaquePointer

    /// Creates a detector. The first one in a process deserialises dlib's model (~0.3–1 s).
    public init() throws(AnalysisError) {
        guard let handle = facet_face_detector_new() else {
            throw AnalysisError(.outOfMemory, "could not create dlib's face detector (out of memory)")
        }
        self.handle = handle
    }

    deinit { facet_face_detector_free(handle) }

    /// The faces in `image`, best score first, boxes in `image`'s pixels.
    ///
    /// - Parameters:
    ///   - upsample: how many times to double the image before searching (0, 1 or 2).
    ///   - adjustThreshold: added to dlib's detection threshold (0: default; negative finds
    ///     weaker faces and more false positives).
    public func detect(in image: GrayImage, upsample: Int = 0, adjustThreshold: Double = 0) throws(AnalysisError) -> [FaceDetection] {
        guard (0...2).contains(upsample) else {
            throw AnalysisError(.invalidArgument, "upsample must be 0, 1 or 2; got \(upsample)")
        }
        var capacity: Int32 = 32
        while true {
            var buffer = [facet_face_detection](repeating: facet_face_detection(), count: Int(capacity))
            var count: Int32 = 0
            let status = image.pixels.withUnsafeBufferPointer { pixels in
                facet_face_detector_detect(
                    handle, pixels.baseAddress, Int32(image.width), Int32(image.height),
                    Int32(image.width), Int32(upsample), adjustThreshold,
                    &buffer, capacity, &count)
            }
            try check(status, { String(cString: facet_face_detector_last_error(handle)) })
            if count > capacity {  // more faces than room: run again with enough room
                capacity = count
                continue
            }
            return buffer.prefix(Int(count)).map { found in
                FaceDetection(
                    box: FaceBox(x: found.left, y: found.top, width: found.width, height: found.height),
                    score: Float(found.score), subdetector: Int(found.subdetector))
            }
        }
    }
}
