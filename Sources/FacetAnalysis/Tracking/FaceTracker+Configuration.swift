extension FaceTracker {
    /// How the tracker detects, follows, confirms and drops faces. Every default is what
    /// `Configuration()` gives.
    public struct Configuration: Sendable, Equatable {
        // MARK: Detection

        /// The smallest face to analyse: the height (= width) of the box the landmark model expects
        /// for it (`FaceBoxConvention`, about brows to chin and ear to ear), in full-resolution
        /// pixels. Smaller faces are not tracked (dlib's landmarks on them are too coarse to fit);
        /// faces down to 80% of this are still found, to be reported in `rejections` with their
        /// size. Default 40.
        public var minimumFaceSize: Float = 40
        /// The coarse whole-frame search runs on the frame scaled down (area averaging) so its
        /// longest side is at most this many pixels: it finds faces from 80 px in the scaled frame
        /// (160 px in 1280x720) up. Smaller faces are found by the thorough search. Default 640.
        public var detectionMaxSide: Int = 640
        /// While faces are tracked, the whole frame is searched coarsely every this many frames (on
        /// every frame when no face is tracked). A face entering while others are tracked is found
        /// within this many frames. Tracked faces that need it (unconfirmed, missed their last
        /// detection, lost their shape, or too small for the coarse search) are looked for in a
        /// region around them instead, scaled so the face is ~100 px. Default 5.
        public var redetectInterval: Int = 5
        /// The thorough search (the frame scaled so faces down to 80% of `minimumFaceSize` are
        /// found, plus the rotated searches) runs on the first frame and then every this many
        /// seconds of video; nil: on the first frame only. It costs about as much as 15 coarse
        /// searches at 720p, so new small faces in a running video are found within this time.
        /// Default 10.
        public var thoroughSearchSeconds: Double? = 10
        /// The thorough search scans the scaled frame in tiles of at most this many pixels (they
        /// overlap by the largest face the coarse search can miss), which bounds its memory on
        /// large pictures. Default 4,000,000.
        public var thoroughTilePixels: Float = 4_000_000
        /// Faces tilted in the picture beyond what the detector finds upright (about ±15°) are
        /// searched for, with the thorough search, in copies of the frame turned by plus and
        /// minus this angle (radians) at the coarse search's scale; 0 turns it off. Default 20°.
        public var rotatedSearchAngle: Float = 20 * .pi / 180
        /// Whether searches use a second thread: the coarse search for new faces runs there while
        /// the tracked faces are followed on the next frames (its detections are used
        /// `redetectInterval − 1` frames later, always the same number, so the tracks are the same
        /// however fast the threads run), and the thorough search's passes are shared between the
        /// two. Default true.
        public var concurrentSearch = true
        /// Added to dlib's detection threshold (negative finds weaker faces). Default 0.
        public var adjustThreshold: Double = 0

        // MARK: Matching and confirmation

        /// A detection belongs to a track when their boxes overlap at least this much (IoU).
        /// Default 0.3.
        public var matchOverlap: Float = 0.3
        /// When a matching detection overlaps the landmark-derived box less than this (IoU), the
        /// track's landmarks are re-predicted from the detection (drift correction). Default 0.5.
        public var reseedOverlap: Float = 0.5
        /// A new face becomes a track (gets an id) once this many detections matched it. Until
        /// then it is tentative and is looked for on every frame. Default 3.
        public var confirmationDetections: Int = 3
        /// A new face becomes a track only if one of its detections scored at least this. dlib
        /// scores real faces of workable size ~0.5–2 and face-like patterns (a badge on a suit)
        /// ~0.0–0.2; a face at the search's size limit can score low there, but the region
        /// detections that confirm it see it at ~100 px. Default 0.3.
        public var minimumConfirmationScore: Float = 0.3
        /// A track is kept only if at least this fraction of the detection passes during its life
        /// (while its box was at least 95% inside the frame) matched it: real faces are found nearly every
        /// time, face-like patterns now and then. Default 0.5.
        public var minimumHitRatio: Float = 0.5
        /// A tentative face that misses this many detections in a row is dropped as a false
        /// positive (it never appears in the output). Default 2.
        public var tentativeMisses: Int = 2
        /// A tracked face that misses this many detections in a row (it is looked for on every
        /// frame after the first miss) is lost: its track ends at its last confirmed frame.
        /// Misses are not counted while more than 5% of the face's box is outside the frame (the
        /// detector cannot find half faces). Default 8.
        public var lostAfterMisses: Int = 8
        /// A new detection is a face only if the landmark predictor is drawn to it: landmarks
        /// predicted from the box enlarged by 20% and shrunk by 15% must keep their size within
        /// this total relative change (real faces: < 0.02 with well-fitting boxes, up to ~0.07
        /// at the detector's size limit; patterns that merely look like a face to the detector
        /// follow the box: ~0.13 for the mission patch on the astronaut portrait). Default 0.1.
        public var maximumShapeDrift: Float = 0.1
        /// An unmatched detection covered more than this fraction by a tracked face's box is a
        /// duplicate (e.g. a small false box inside the face) and starts no track. Default 0.3.
        public var duplicateCoverage: Float = 0.3

        // MARK: Following and loss

        /// The track ends when fewer than this fraction of its landmarks are inside the frame.
        /// Default 0.35.
        public var minimumInsideFraction: Float = 0.35
        /// The track ends when the gray levels inside the face box vary less than this (standard
        /// deviation, 0–255): the face was cut away to a blank frame. Default 6.
        public var minimumTexture: Float = 6
        /// The track ends when the box of the newly predicted landmarks overlaps the box it was
        /// predicted from less than this (IoU): the shape collapsed or jumped. Default 0.45.
        public var minimumFollowOverlap: Float = 0.45
        /// The track ends when the landmarks' size changes by more than this factor from one frame
        /// to the next (a real head does not; a shape sliding off a non-face does). Default 1.2.
        public var maximumScaleChange: Float = 1.2
        /// A followed face's landmarks are predicted again from the box they were last predicted
        /// from while the picture in that box has changed by less than this since (mean absolute
        /// difference, gray levels 0–255, over a 24×24 grid) and the box has settled (it moved by
        /// less than 0.5% of its width on the last frame): the same picture then gives the same
        /// landmarks. Re-deriving the box from every frame's landmarks makes them wander on a
        /// repeated picture (0.2–1 px per frame: dlib's cascade gives slightly different landmarks
        /// for boxes a pixel apart), which shimmered along every edge an edit moved. Codec noise on
        /// a still is far below 1; camera noise and any motion are above. 0 re-derives the box on
        /// every frame. Default 1.
        public var unchangedPictureThreshold: Float = 1

        // MARK: Output

        /// How the landmark series of every finished track are smoothed (in units of a 200 px
        /// face, so the same setting suits any resolution); nil: raw landmarks. Default
        /// `TemporalSmoother()` (One Euro forward-backward, min cutoff 1 Hz).
        public var smoothing: TemporalSmoother? = TemporalSmoother()

        /// The defaults.
        public init() {}

        /// Throws `invalidArgument` naming the first value out of range.
        func validate() throws(AnalysisError) {
            func require(_ condition: Bool, _ message: String) throws(AnalysisError) {
                if !condition { throw AnalysisError(.invalidArgument, "tracker configuration: " + message) }
            }
            try require(detectionMaxSide >= 64, "detectionMaxSide must be at least 64; got \(detectionMaxSide)")
            try require(redetectInterval >= 1, "redetectInterval must be at least 1; got \(redetectInterval)")
            try require(
                minimumFaceSize >= 16 && minimumFaceSize.isFinite,
                "minimumFaceSize must be at least 16 px; got \(minimumFaceSize)")
            try require(
                thoroughSearchSeconds.map { $0 > 0 && $0.isFinite } ?? true,
                "thoroughSearchSeconds must be positive or nil; got \(String(describing: thoroughSearchSeconds))")
            try require(
                thoroughTilePixels >= 250_000 && thoroughTilePixels.isFinite,
                "thoroughTilePixels must be at least 250000; got \(thoroughTilePixels)")
            try require(
                rotatedSearchAngle >= 0 && rotatedSearchAngle <= .pi / 4,
                "rotatedSearchAngle must be in [0, π/4]; got \(rotatedSearchAngle)")
            try require(matchOverlap > 0 && matchOverlap < 1, "matchOverlap must be in (0, 1); got \(matchOverlap)")
            try require(reseedOverlap >= 0 && reseedOverlap <= 1, "reseedOverlap must be in [0, 1]; got \(reseedOverlap)")
            try require(confirmationDetections >= 1, "confirmationDetections must be at least 1; got \(confirmationDetections)")
            try require(minimumHitRatio >= 0 && minimumHitRatio <= 1, "minimumHitRatio must be in [0, 1]; got \(minimumHitRatio)")
            try require(minimumConfirmationScore.isFinite, "minimumConfirmationScore must be finite; got \(minimumConfirmationScore)")
            try require(tentativeMisses >= 1, "tentativeMisses must be at least 1; got \(tentativeMisses)")
            try require(lostAfterMisses >= 1, "lostAfterMisses must be at least 1; got \(lostAfterMisses)")
            try require(
                minimumInsideFraction >= 0 && minimumInsideFraction <= 1,
                "minimumInsideFraction must be in [0, 1]; got \(minimumInsideFraction)")
            try require(maximumShapeDrift > 0, "maximumShapeDrift must be positive; got \(maximumShapeDrift)")
            try require(maximumScaleChange > 1, "maximumScaleChange must be above 1; got \(maximumScaleChange)")
            try require(
                unchangedPictureThreshold >= 0 && unchangedPictureThreshold <= 255,
                "unchangedPictureThreshold must be in [0, 255]; got \(unchangedPictureThreshold)")
            try require(
                minimumFollowOverlap >= 0 && minimumFollowOverlap < 1,
                "minimumFollowOverlap must be in [0, 1); got \(minimumFollowOverlap)")
        }
    }
}
