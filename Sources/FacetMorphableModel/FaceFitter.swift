// Fitting a morphable model to 68 iBUG landmarks: identity over a track, pose and expression per
// frame (after eos: Huber et al. 2016; identity prior after Aldrian & Smith 2013).
//
// Per frame, with the identity fixed, Gauss–Newton refines rotation (a rotation-vector update
// R ← exp([ω]×)·R), translation (weak perspective: tx, ty and the scale s = f/depth; perspective:
// tx, ty, tz) and the expression coefficients together, starting from a closed-form affine camera.
// Blendshape weights are kept ≥ 0 by an active-set step; PCA expressions get a ridge prior. The jaw
// contour (iBUG 1–8, 10–17) is matched to the nearest projected candidate vertex on the side(s)
// facing the camera after a first fit to the fixed landmarks, and re-matched between passes. Over a
// track, up to `maxIdentityFrames` frames spread over it are fitted jointly with the identity
// (Gauss–Newton, Gaussian prior on the identity, frame blocks eliminated by their Schur complement);
// then every frame is fitted with the final identity. All work is deterministic; the per-frame loop reuses one
// workspace and allocates nothing but its result.

import FacetSDK
import Foundation

/// Fits a `MorphableModel` to 68-point landmarks.
public struct FaceFitter: Sendable {
    /// Fitting settings; the defaults suit dlib's 68 landmarks on the Surrey Face Model.
    public struct Configuration: Sendable, Equatable {
        /// The landmark noise: the standard deviation of a landmark's error in each image direction, as a fraction
        /// of the landmarks' RMS distance from their centroid (about 0.4 of the face's width for a frontal face);
        /// `nil` (the default) measures it on each track. Residuals are weighed in units of this noise, so the
        /// priors below weigh against the landmarks the same whatever the face's size in pixels (a picture and the
        /// same picture at twice the resolution give the same fit) and as much as the landmarks deserve: dlib's
        /// landmarks on real faces miss the model's by about 0.04–0.05 of the spread, where the identity prior must
        /// hold the identity from trading against pitch, while exact landmarks (synthetic views) deserve a weak
        /// prior. Measured: the track's identity is fitted with `initialLandmarkNoise`, the noise its residuals
        /// leave is estimated (a robust median, see `FitWorkspace.residualNoise`), and the identity is fitted
        /// again with that noise, up to twice.
        public var landmarkNoise: Float? = nil
        /// The noise the first identity fit of a track assumes when `landmarkNoise` is nil: 0.05.
        public static let initialLandmarkNoise: Float = 0.05
        /// The measured landmark noise is kept within this range (fractions of the landmark spread); default
        /// 0.01–0.15.
        public var landmarkNoiseRange: ClosedRange<Float> = 0.01...0.15
        /// Weight λ of the identity prior ‖α‖² against the landmark term Σ‖r/σ‖² (σ: `landmarkNoise`), summed over
        /// the identity frames, each weighed by how distinct a view it is (`identityViewSimilarity`); default 3.
        public var identityRegularization: Float = 3
        /// Whether a track's poses are made mirror-symmetric: the identity frames are also fitted mirrored, and
        /// the mean difference between each frame's pose and the mirror of its mirror image's pose (the
        /// model's own left-right asymmetry: its identity components and blendshapes are not symmetric) is
        /// taken off every frame's pose, after which translation and expression are fitted again with that pose.
        /// A picture and its mirror image then read mirrored poses (without it, exactly mirrored landmarks
        /// read up to 1.5° apart in pitch on the face set). Only when the mirror image fits about as well as the
        /// face (see `asymmetryCorrection`), and only for a model whose mean face is symmetric. Default true.
        public var mirrorSymmetricPose = true
        /// Weight of the expression prior ‖ψ‖² (ridge) against Σ‖r/σ‖² per frame; default 0.5.
        public var expressionRegularization: Float = 0.5
        /// Landmark error, in units of the landmark noise (`landmarkNoise`), beyond which a landmark's weight falls
        /// as threshold / error (Huber), so a few misplaced landmarks (occlusions, detector slips) cannot drag the
        /// fit; the threshold used is the larger of this and 3 × the frame's median landmark error; `nil` = plain
        /// least squares; default 3 (about 5 px on the bundled portrait's face).
        public var outlierThreshold: Float? = 3
        /// Weight of a jaw-line landmark's (iBUG 1–17) error along the face's outline, against 1 across
        /// it. dlib finds the outline but not a fixed place on it, so an expression that slides the
        /// model's jaw-line vertices along the outline (a smile raising the cheeks) would otherwise be
        /// read as a head tilt. 1 = plain point-to-point; default 0.25.
        public var jawLineAlongOutlineWeight: Float = 0.25
        /// Upper bound of blendshape weights (the lower bound is 0); `nil` = unbounded; default nil.
        public var blendshapeUpperBound: Float? = nil
        /// How alike two identity frames must be to count as one view of the face: the RMS difference of their
        /// landmarks after removing position, size and in-plane rotation, as a fraction of the eye distance, at
        /// which two frames count as e^−1 of the same view; default 0.02 (about the landmark noise of dlib on a
        /// face that holds still). Repeated views add no evidence about the identity (the landmark errors of one
        /// view repeat with it), so a still picture made into a video fits the identity as the picture alone
        /// does, while a track that shows the face from several angles fits it from all of them.
        public var identityViewSimilarity: Float = 0.02
        /// At most this many frames (spread over the track) fit the identity; default 20.
        public var maxIdentityFrames = 20
        /// Gauss–Newton iterations of the joint identity + identity-frames fit; default 8.
        public var identityIterations = 8
        /// Gauss–Newton iterations per contour pass; default 8.
        public var poseIterations = 8
        /// Contour matching passes per frame (re-match, then Gauss–Newton); default 2.
        public var contourPasses = 2
        /// The jaw contour turning away from the camera counts less as |yaw| grows (its landmarks lie on the
        /// silhouette, not on the candidate vertices): fully at 0°, half at this |yaw| (radians), not at all from
        /// twice it; the side facing the camera always counts fully. A fading weight rather than a cut, so a face
        /// near the threshold does not switch between two fits. Default 6°.
        public var contourSideYawThreshold: Float = 6 * .pi / 180
        /// Confidence starts falling at this |yaw| or |pitch| (radians); default 45°.
        public var confidentYaw: Float = 45 * .pi / 180
        /// Confidence reaches 0 at this |yaw| or |pitch| (radians): profiles and views from above or below that
        /// the model cannot fit; default 70°.
        public var maximumYaw: Float = 70 * .pi / 180
        /// Mean error, relative to the landmarks' RMS spread, at which the residual halves confidence; default 0.1.
        public var errorForHalfConfidence: Float = 0.1
        /// Focal length in pixels; `nil`: max(width, height) for weak perspective, the model's reference focal
        /// scaled to the image for perspective models.
        public var focalLength: Float? = nil
        /// The projection; `nil`: the model's convention (weak perspective for the SFM).
        public var projection: FaceCamera.Projection? = nil

        /// The defaults.
        public init() {}
    }

    /// The model being fitted.
    public let model: MorphableModel
    /// The settings.
    public var configuration: Configuration

    /// Creates a fitter for a model.
    public init(model: MorphableModel, configuration: Configuration = Configuration()) {
        self.model = model
        self.configuration = configuration
    }

    /// The camera used for images of this size.
    public func camera(imageWidth: Int, imageHeight: Int) -> FaceCamera {
        let projection = configuration.projection ?? model.convention.projection
        let size = Float(max(imageWidth, imageHeight))
        var focal = configuration.focalLength ?? size
        if configuration.focalLength == nil, projection == .perspective,
            let reference = model.convention.referenceFocalLength, let referenceSize = model.convention.referenceImageSize,
            referenceSize > 0
        {
            focal = reference * size / referenceSize
        }
        return FaceCamera(
            projection: projection, focalLength: focal,
            principalPoint: Point2(x: Float(imageWidth) / 2, y: Float(imageHeight) / 2))
    }

    // MARK: - Public fitting

    /// Fits one track: identity over (a subset of) its frames, then pose and expression per frame.
    /// `landmarks[i]` are frame i's 68 iBUG points in pixels (y down).
    public func fitTrack(landmarks: [[Point2]], imageWidth: Int, imageHeight: Int) throws -> TrackFit {
        try validate(landmarks, imageWidth: imageWidth, imageHeight: imageHeight)
        let camera = camera(imageWidth: imageWidth, imageHeight: imageHeight)
        let workspace = FitWorkspace(model: model, configuration: configuration, camera: camera)
        let start = DispatchTime.now().uptimeNanoseconds
        let (chosen, correction) = fitIdentityAndBias(workspace, landmarks: landmarks, camera: camera)
        let identityEnd = DispatchTime.now().uptimeNanoseconds
        var frames: [FrameFit] = []
        frames.reserveCapacity(landmarks.count)
        for points in landmarks {
            frames.append(fitFrame(workspace, points, correction: correction))
        }
        let end = DispatchTime.now().uptimeNanoseconds
        return TrackFit(
            identity: workspace.identity.map { Float($0) }, camera: camera, frames: frames,
            identityFrames: chosen, landmarkNoise: Float(workspace.relativeNoise),
            identitySeconds: Double(identityEnd - start) / 1e9,
            framesSeconds: Double(end - identityEnd) / 1e9)
    }

    /// Fits identity, pose and expression to a single image's 68 landmarks.
    public func fitImage(landmarks: [Point2], imageWidth: Int, imageHeight: Int) throws -> TrackFit {
        try fitTrack(landmarks: [landmarks], imageWidth: imageWidth, imageHeight: imageHeight)
    }

    /// Fits pose and expression of one frame with a known identity and camera (e.g. a track's).
    /// `landmarkNoise`: the noise to weigh the landmarks by (a track's `TrackFit.landmarkNoise`); nil: the
    /// configured one, or `Configuration.initialLandmarkNoise`.
    public func fitFrame(landmarks: [Point2], identity: [Float], camera: FaceCamera, landmarkNoise: Float? = nil) throws -> FrameFit {
        try validate([landmarks], imageWidth: 1, imageHeight: 1)
        guard identity.count == model.identityCount else {
            throw ModelError(
                .invalidArgument,
                "\(identity.count) identity coefficients: the model \(model.name) has "
                    + "\(model.identityCount)")
        }
        let workspace = FitWorkspace(model: model, configuration: configuration, camera: camera)
        if let landmarkNoise { workspace.relativeNoise = Double(landmarkNoise) }
        workspace.setIdentity(identity.map { Double($0) })
        workspace.loadObservations(landmarks)
        workspace.initialisePose()
        workspace.fitPoseAndExpression()
        return workspace.result()
    }

    /// A reusable per-frame fitter for a known identity and camera (e.g. a live stream): it keeps its buffers
    /// between frames, so each `fit` allocates only its result.
    /// `landmarkNoise` as for `fitFrame`.
    public func frameFitter(identity: [Float], camera: FaceCamera, landmarkNoise: Float? = nil) throws -> FrameFitter {
        guard identity.count == model.identityCount else {
            throw ModelError(
                .invalidArgument,
                "\(identity.count) identity coefficients: the model \(model.name) has "
                    + "\(model.identityCount)")
        }
        let workspace = FitWorkspace(model: model, configuration: configuration, camera: camera)
        if let landmarkNoise { workspace.relativeNoise = Double(landmarkNoise) }
        workspace.setIdentity(identity.map { Double($0) })
        return FrameFitter(workspace: workspace)
    }

    /// Fits a track's identity into `workspace` and measures the model's left-right bias on it (nil unless
    /// `Configuration.mirrorSymmetricPose`); returns the identity frames too.
    func fitIdentityAndBias(_ workspace: FitWorkspace, landmarks: [[Point2]], camera: FaceCamera) -> (chosen: [Int], correction: HeadPose?)
    {
        let chosen = workspace.fitIdentity(frames: landmarks)
        let correction =
            configuration.mirrorSymmetricPose
            ? asymmetryCorrection(workspace, frames: landmarks, chosen: chosen, camera: camera) : nil
        return (chosen, correction)
    }

    /// Fits one frame's pose and expression with the workspace's identity, the left-right bias taken off.
    func fitFrame(_ workspace: FitWorkspace, _ points: [Point2], correction: HeadPose?) -> FrameFit {
        workspace.loadObservations(points)
        workspace.initialisePose()
        workspace.fitPoseAndExpression()
        if let correction { workspace.refit(holdingPose: Self.corrected(workspace.rotation.pose, by: correction)) }
        return workspace.result()
    }

    /// The model's left-right bias on this track (see `Configuration.mirrorSymmetricPose`): the identity frames
    /// mirrored about the principal point are fitted as a track of their own, and the view-weighted mean of
    /// half the difference between each frame's pose and its mirror image's mirrored pose is returned (yaw,
    /// pitch, roll to take off). Nil when the model has no left-right landmark pairs to mirror by.
    func asymmetryCorrection(_ workspace: FitWorkspace, frames: [[Point2]], chosen: [Int], camera: FaceCamera) -> HeadPose? {
        guard !chosen.isEmpty, model.isLeftRightSymmetric else { return nil }
        let axis = camera.principalPoint.x
        let mirroredFrames = chosen.map { index in
            (0..<68).map { point -> Point2 in
                let partner = (LandmarkMap.mirrored[point + 1] ?? point + 1) - 1
                return Point2(x: 2 * axis - frames[index][partner].x, y: frames[index][partner].y)
            }
        }
        // The mirror image's landmarks are as noisy as the face's: its identity is fitted once, with the noise
        // measured on the face.
        let mirrored = FitWorkspace(model: model, configuration: configuration, camera: camera)
        mirrored.relativeNoise = workspace.relativeNoise
        let mirroredChosen = mirrored.fitIdentityAtCurrentNoise(frames: mirroredFrames)
        guard mirroredChosen.count == chosen.count else { return nil }
        let weights = FitWorkspace.viewWeights(chosen.map { frames[$0] }, similarity: Double(configuration.identityViewSimilarity))
        var yaw = 0.0, pitch = 0.0, roll = 0.0, total = 0.0, directError = 0.0, mirroredError = 0.0
        for (position, index) in chosen.enumerated() {
            workspace.loadObservations(frames[index])
            workspace.initialisePose()
            workspace.fitPoseAndExpression()
            let direct = workspace.rotation.pose
            mirrored.loadObservations(mirroredFrames[position])
            mirrored.initialisePose()
            mirrored.fitPoseAndExpression()
            let image = mirrored.rotation.pose
            directError += weights[position] * Double(workspace.result().fitError)
            mirroredError += weights[position] * Double(mirrored.result().fitError)
            // The mirror of the mirror image's pose is (−yaw, pitch, −roll); the bias is half the difference.
            let weight = weights[position]
            yaw += weight * Double(direct.yaw + image.yaw) / 2
            pitch += weight * Double(direct.pitch - image.pitch) / 2
            roll += weight * Double(direct.roll + image.roll) / 2
            total += weight
        }
        guard total > 0, directError > 0, mirroredError > 0 else { return nil }
        // A face and its mirror image that the model fits equally well (real faces: errors within 7% of each
        // other on the face set) differ only by the model's asymmetry: take all of it off. A face the model
        // fits much better than its mirror image (one made by the model itself: 20–45% apart) has an
        // asymmetry of its own: keep its pose. In between, a part (symmetric in the two, so the face and its
        // mirror image are treated alike).
        let apart = abs(log(mirroredError / directError))
        let share = min(1, max(0, (log(1.2) - apart) / (log(1.2) - log(1.1))))
        guard share > 0 else { return nil }
        let bias = HeadPose(yaw: Float(share * yaw / total), pitch: Float(share * pitch / total), roll: Float(share * roll / total))
        // The model's asymmetry moves poses by a degree or two; much more means the mirror image did not fit
        // (a face it cannot represent): keep the direct poses then.
        let limit: Float = 5 * .pi / 180
        guard abs(bias.yaw) < limit, abs(bias.pitch) < limit, abs(bias.roll) < limit else { return nil }
        return bias
    }

    static func corrected(_ pose: HeadPose, by bias: HeadPose) -> HeadPose {
        HeadPose(yaw: pose.yaw - bias.yaw, pitch: pose.pitch - bias.pitch, roll: pose.roll - bias.roll)
    }

    private func validate(_ landmarks: [[Point2]], imageWidth: Int, imageHeight: Int) throws {
        guard imageWidth > 0, imageHeight > 0 else {
            throw ModelError(.invalidArgument, "image size \(imageWidth)×\(imageHeight): expected positive dimensions")
        }
        guard !landmarks.isEmpty else {
            throw ModelError(.invalidArgument, "no frames to fit: expected at least one frame of 68 landmarks")
        }
        for (index, points) in landmarks.enumerated() {
            guard points.count == 68 else {
                throw ModelError(.invalidArgument, "frame \(index) has \(points.count) landmarks: expected the 68 iBUG points")
            }
            guard points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
                throw ModelError(.invalidArgument, "frame \(index) has a non-finite landmark coordinate")
            }
        }
    }
}

/// Fits frame after frame with one identity and camera, reusing its buffers (not for concurrent use).
public final class FrameFitter {
    private let workspace: FitWorkspace

    init(workspace: FitWorkspace) {
        self.workspace = workspace
    }

    /// Fits pose and expression to one frame's 68 landmarks (pixels, y down).
    public func fit(landmarks: [Point2]) throws -> FrameFit {
        guard landmarks.count == 68, landmarks.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
            throw ModelError(.invalidArgument, "\(landmarks.count) landmarks: expected the 68 iBUG points, all finite")
        }
        workspace.loadObservations(landmarks)
        workspace.initialisePose()
        workspace.fitPoseAndExpression()
        return workspace.result()
    }
}

/// The fit of one frame.
public struct FrameFit: Sendable, Equatable {
    /// Pose, translation (depth = −z gives the scale) and expression.
    public var coefficients: FaceCoefficients
    /// Mean landmark reprojection error in pixels over the landmarks used.
    public var fitError: Float
    /// Confidence in [0, 1]: low for profiles beyond the model's reach or large residuals.
    public var confidence: Float
    /// The vertex each used contour landmark was matched to (iBUG number → vertex).
    public var contourVertices: [Int: Int]
}

/// The fit of a whole track. (The two timings differ from run to run; everything else is deterministic.)
public struct TrackFit: Sendable, Equatable {
    /// Identity coefficients (~N(0, 1)), shared by all frames.
    public var identity: [Float]
    /// The camera the coefficients belong to.
    public var camera: FaceCamera
    /// Per-frame fits, in the order of the input.
    public var frames: [FrameFit]
    /// Positions (into the input) of the frames that fitted the identity.
    public var identityFrames: [Int]
    /// The landmark noise the fit weighed the landmarks by (measured on the track unless configured), as a
    /// fraction of the landmark spread; pass it to `fitFrame` or `frameFitter` to fit more frames of the face alike.
    public var landmarkNoise: Float
    /// Wall time spent fitting the identity, seconds.
    public var identitySeconds: Double
    /// Wall time spent fitting every frame with the final identity, seconds.
    public var framesSeconds: Double
}

extension TrackFit {
    /// The fit as a `FaceTrack` of `model`: one `FaceFrame` per fitted frame, in order.
    /// `frameIndices` and `times` give each fitted frame's video frame and time (same count as `frames`);
    /// `boxes` and `landmarks`, when given, are stored with the frames too.
    public func faceTrack(
        id: Int, model: MorphableModel, frameIndices: [Int], times: [Double],
        boxes: [FaceBox?]? = nil, landmarks: [[Point2]]? = nil
    ) throws -> FaceTrack {
        guard frameIndices.count == frames.count, times.count == frames.count,
            boxes.map({ $0.count == frames.count }) ?? true, landmarks.map({ $0.count == frames.count }) ?? true
        else {
            throw ModelError(
                .invalidArgument,
                "\(frames.count) fitted frames but \(frameIndices.count) frame indices, "
                    + "\(times.count) times, \(boxes?.count ?? frames.count) boxes and "
                    + "\(landmarks?.count ?? frames.count) landmark sets: expected one of each per frame")
        }
        let faceFrames = frames.indices.map { index in
            FaceFrame(
                frameIndex: frameIndices[index], time: times[index], box: boxes?[index] ?? nil,
                landmarks: landmarks?[index], coefficients: frames[index].coefficients,
                fitError: frames[index].fitError, confidence: frames[index].confidence)
        }
        return FaceTrack(
            id: id, modelName: model.name, expressionBasis: model.expressionKind,
            expressionNames: model.expressionNames, identity: identity, camera: camera, frames: faceFrames)
    }
}
