import Dispatch
import FacetMedia
import FacetSDK
import Foundation

/// Follows faces through a video's frames and produces one `LandmarkTrack` (68 landmarks per
/// frame, a stable id) per face.
///
/// Feed every frame in order with `process(_:frameIndex:time:)` (or `process(_:)` with a decoded
/// `VideoFrame`), then call `finish()` for the tracks; `rejections` then says which candidate
/// faces were not used and why.
///
/// How it works, per frame:
/// 1. Every live face is followed from its previous landmarks: the box the landmark model expects
///    for them (`FaceBoxConvention`, from the model's own mean shape) is given to the predictor at
///    full resolution, and the face is lost when its landmarks leave the frame or the face area
///    turns blank. The box is held while the picture in it is unchanged
///    (`unchangedPictureThreshold`), so a repeated picture gives the same landmarks: nothing drifts. When the new
///    shape's box jumps (little overlap with the old one, or a sudden size change), detection runs
///    on the frame and a matching detection re-seeds the face; without one, the face is lost.
/// 2. Faces are searched for (`SearchPlan`): the whole frame coarsely (scaled to
///    `detectionMaxSide`) when no face is tracked and every `redetectInterval` frames; thoroughly
///    (scaled so faces down to 80% of `minimumFaceSize` are found, in tiles) and turned by
///    ±`rotatedSearchAngle` on the first frame and every `thoroughSearchSeconds`; and, for a face
///    that is unconfirmed, missed its last detection, lost its shape or is too small for the coarse
///    search, in a region around it scaled so the face is ~100 px. Detections are matched to faces
///    greedily by box overlap (IoU, best first; one box per face, the higher-scoring of overlapping
///    ones). A matched face is confirmed (and re-seeded from the detection when it drifted); an
///    unmatched detection that is not inside a tracked face, whose landmarks make a face of at
///    least `minimumFaceSize` and that the landmark predictor is drawn to (`maximumShapeDrift`),
///    starts a tentative face, which becomes a track after `confirmationDetections` matches with a
///    real-face score, or is dropped; a face that keeps missing detections is lost, and its track
///    is cut back to its last confirmed frame. Every candidate not used is kept in `rejections`
///    with its reason (too small, too low a score, not a face to the landmark model, rarely
///    detected).
/// 3. `finish()` ends every face and smooths each track's landmarks (`Configuration.smoothing`).
///
/// At each of `restartFrames` (a video's chunk starts) the tracker forgets how it got there: a
/// pending search is dropped, the whole frame is searched thoroughly, and every face a
/// detection matches is found again from that detection, as a face first seen there would be.
/// From such a frame on, the landmarks depend on the frames from it and on which faces are
/// tracked, not on the path before: a piece of a video tracked from before a restart frame
/// gives the whole video's landmarks after it.
///
/// Ids are 0, 1, 2, ... in confirmation order (left to right among faces confirmed on the same
/// frame); a track dropped at its end as a false positive (`minimumHitRatio`) leaves a gap. An
/// ended track stays ended: a face that leaves and comes back gets a new id.
/// Deterministic: the same frames give the same tracks.
///
/// Not thread-safe (it owns a `FaceDetector`): use one tracker from one thread. The predictor
/// may be shared with other trackers.
public final class FaceTracker {
    /// The settings this tracker runs with.
    public let configuration: Configuration
    /// The landmark model.
    public let predictor: LandmarkPredictor

    private let detector: FaceDetector
    /// Searches on a second thread with a detector of its own (nil: everything on the caller's).
    private let worker: DetectionWorker?
    private let convention: FaceBoxConvention
    private var plan: SearchPlan?
    private var live: [FaceState] = []
    private var finished: [LandmarkTrack] = []
    private var nextID = 0
    private var lastFrameIndex: Int?
    private var lastDetectionFrame: Int?
    private var lastThoroughTime: Double?
    private var frameSize: (width: Int, height: Int)?

    /// Frame indices where the tracker restarts (see the type's documentation); set before the
    /// first frame. Usually `KeyframeIndex.chunkStarts`.
    public var restartFrames: Set<Int> = []
    /// Whether the frame being processed is a restart frame.
    private var isRestarting = false

    /// The candidate faces of the last video that were not used, and why (kept after `finish()`
    /// until the next video's first frame).
    public private(set) var rejections: [Rejection] = []
    /// Detection boxes recently found not to be usable faces (too small, or not holding the
    /// landmarks), with the frame they were last seen on: the same pattern found again at the same
    /// place within `recentRejectionFrames` is not examined again (four landmark predictions each).
    private var recentRejections: [(box: FaceBox, frameIndex: Int)] = []
    /// How long a rejected detection is remembered, in frames.
    private var recentRejectionFrames: Int { 6 * configuration.redetectInterval }

    /// Figures the tracker has gathered so far (for benchmarks and diagnostics).
    public private(set) var statistics = Statistics()

    /// Counters of the work done.
    public struct Statistics: Sendable, Equatable {
        /// Frames processed.
        public var frames = 0
        /// Coarse whole-frame searches run.
        public var detections = 0
        /// Detection passes run in a region around one face.
        public var regionDetections = 0
        /// Thorough searches run (the first frame's and one every `thoroughSearchSeconds`).
        public var thoroughSearches = 0
        /// Detection passes of the thorough searches (their tiles and rotated copies).
        public var thoroughPasses = 0
        /// Wall time in the thorough searches (included in `detectionSeconds`), seconds.
        public var thoroughSeconds: Double = 0
        /// Landmark predictions run.
        public var landmarkPredictions = 0
        /// Tentative faces dropped as false positives.
        public var droppedFalsePositives = 0
        /// Coarse searches run on the worker thread while faces were followed.
        public var concurrentSearches = 0
        /// Searches that missed a tracked face the landmark model still held (confirmed by that).
        public var landmarkConfirmations = 0
        /// Wall time in detection (whole-frame and region searches, including scaling the image), seconds.
        public var detectionSeconds: Double = 0
        /// Wall time in landmark prediction, seconds.
        public var landmarkSeconds: Double = 0
        /// Wall time reading the frames' luma, seconds.
        public var lumaSeconds: Double = 0
    }

    /// Seconds since an arbitrary origin, for the stage timings.
    @inline(__always)
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Creates a tracker. Throws `invalidArgument` for a configuration value out of range and
    /// `incompatible` when the predictor is not a 68-point model.
    public init(
        configuration: Configuration = Configuration(), predictor: LandmarkPredictor,
        detector: FaceDetector? = nil
    ) throws(AnalysisError) {
        try configuration.validate()
        guard predictor.pointCount == 68 else {
            throw AnalysisError(
                .incompatible,
                "the tracker needs a 68-point landmark model; \(predictor.modelURL.path) has \(predictor.pointCount) points",
                path: predictor.modelURL.path)
        }
        self.configuration = configuration
        self.predictor = predictor
        self.convention = FaceBoxConvention(meanShape: predictor.meanShape)
        self.worker = configuration.concurrentSearch ? try DetectionWorker() : nil
        if let detector {
            self.detector = detector
        } else {
            self.detector = try FaceDetector()
        }
    }

    /// Tracks faces in a decoded frame (its luma; see `GrayImage.init(_:)`), using the frame's
    /// index and time.
    public func process(_ frame: VideoFrame) throws(AnalysisError) {
        let start = Self.now()
        let image = try GrayImage(frame)
        statistics.lumaSeconds += Self.now() - start
        try process(image, frameIndex: frame.index, time: frame.time)
    }

    /// Tracks faces in the next frame: `image` at full resolution, its 0-based index and its
    /// time in seconds. Frames must come in increasing index order and keep one size.
    public func process(_ image: GrayImage, frameIndex: Int, time: Double) throws(AnalysisError) {
        if let lastFrameIndex, frameIndex <= lastFrameIndex {
            throw AnalysisError(
                .invalidArgument,
                "frames must come in increasing order; got frame \(frameIndex) after frame \(lastFrameIndex)")
        }
        if let frameSize, frameSize != (image.width, image.height) {
            throw AnalysisError(
                .incompatible,
                "every frame must have the first frame's size \(frameSize.width)x\(frameSize.height); frame \(frameIndex) is \(image.width)x\(image.height)"
            )
        }
        if let lastFrameIndex, frameIndex > lastFrameIndex + 1 {
            // Frames were skipped: faces cannot be followed across the gap.
            worker?.discard()
            for index in live.indices.reversed() { end(at: index, trimToConfirmed: false) }
        }
        if frameSize == nil {
            rejections = []
            recentRejections = []
            plan = SearchPlan(width: image.width, height: image.height, configuration: configuration)
        }
        frameSize = (image.width, image.height)
        lastFrameIndex = frameIndex
        statistics.frames += 1

        isRestarting = frameIndex > 0 && restartFrames.contains(frameIndex)
        if isRestarting {
            // Forget the schedule and what was rejected: search the whole frame now, thoroughly.
            worker?.discard()
            lastDetectionFrame = nil
            lastThoroughTime = nil
            recentRejections = []
        }
        defer { isRestarting = false }
        try follow(in: image, frameIndex: frameIndex, time: time)
        removeDuplicateFaces()
        if needsDetection(frameIndex: frameIndex, time: time) {
            try detectAndMatch(in: image, frameIndex: frameIndex, time: time)
        }
    }

    /// Ends every face, smooths the tracks and returns every track of the video, ordered by id.
    /// A face the video ended too soon to confirm (a still image, a face in the last frames) is
    /// kept if no detection missed it and one scored as a real face. The tracker is then empty
    /// and could start on another video.
    public func finish() throws(AnalysisError) -> [LandmarkTrack] {
        try finish(smoothing: true)
    }

    /// `finish()`, with the landmarks smoothed or (`smoothing` false) as predicted, for a caller
    /// that joins tracks of several pieces of a video before smoothing them (`smoothed(_:)`).
    public func finish(smoothing: Bool) throws(AnalysisError) -> [LandmarkTrack] {
        worker?.discard()
        // A face still tentative because the video ended (e.g. a still image: one frame) is kept
        // when every detection so far found it with a real-face score.
        let unfinished = live.indices.filter {
            live[$0].id == nil && live[$0].misses == 0 && live[$0].bestScore >= configuration.minimumConfirmationScore
        }
        for index in unfinished.sorted(by: { live[$0].box.center.x < live[$1].box.center.x }) {
            live[index].id = nextID
            nextID += 1
        }
        for index in live.indices.reversed() { end(at: index, trimToConfirmed: false) }
        var tracks = finished.sorted { $0.id < $1.id }
        if smoothing {
            for index in tracks.indices { tracks[index] = try smoothed(tracks[index]) }
        }
        finished = []
        lastFrameIndex = nil
        lastDetectionFrame = nil
        lastThoroughTime = nil
        frameSize = nil
        plan = nil
        nextID = 0
        return tracks
    }

    /// `track` with its landmarks smoothed as this tracker's configuration says (unchanged when
    /// smoothing is off).
    public func smoothed(_ track: LandmarkTrack) throws(AnalysisError) -> LandmarkTrack {
        guard let smoothing = configuration.smoothing else { return track }
        return try Self.smoothed(track, with: smoothing, convention: convention)
    }

    /// The ids of the faces tracked on the last frame (confirmed ones only).
    public var activeTrackIDs: [Int] { live.compactMap(\.id).sorted() }

    // MARK: - Per-frame steps

    /// Step 1: predict every live face's landmarks from its previous ones (from the box held while
    /// the picture in it is unchanged); end lost faces.
    private func follow(in image: GrayImage, frameIndex: Int, time: Double) throws(AnalysisError) {
        for index in live.indices.reversed() where live[index].lastFrameIndex < frameIndex {
            let face = live[index]
            // On an unchanged picture, the held box (the same picture gives the same landmarks);
            // otherwise the box of the previous landmarks. The box is held once the landmarks
            // have settled, and re-derived while they still move.
            let previousBox = convention.box(for: face.landmarks)
            let unchanged = isUnchanged(image, since: face.followBox)
            // A face tilted beyond `uprightRoll` is predicted turned upright around the
            // landmarks it is followed from (the landmark model starts from an upright face).
            let reference = unchanged ? face.followBox?.reference ?? face.landmarks : face.landmarks
            let roll = Self.roll(of: reference)
            let tilted = abs(roll) >= Self.uprightRoll
            let box = unchanged && !tilted ? face.followBox?.box ?? previousBox : previousBox
            let landmarks = tilted ? try predictUpright(image, from: reference, roll: roll) : try predict(image, box)
            let newBox = convention.box(for: landmarks)
            if !(unchanged && newBox.isWithin(Self.settledBoxChange, of: previousBox)) {
                live[index].followBox = FollowBox(box: newBox, samples: image.gridSamples(in: newBox), reference: landmarks)
            }
            let inside = insideFraction(landmarks, image)
            let overlap = newBox.intersectionOverUnion(box)
            let texture = image.gridStatistics(in: FaceBox.bounding(landmarks)).deviation
            let scaleChange = LandmarkPlacement(landmarks).scale / LandmarkPlacement(face.landmarks).scale
            if inside < configuration.minimumInsideFraction || texture < configuration.minimumTexture {
                end(at: index, trimToConfirmed: false)  // left the frame, or cut to a blank picture
                continue
            }
            if overlap < configuration.minimumFollowOverlap || max(scaleChange, 1 / scaleChange) > configuration.maximumScaleChange {
                live[index].isRescuing = true  // lost the shape: a detection on this frame may re-seed it
                continue
            }
            let stability = min(1, max(0, (overlap - configuration.minimumFollowOverlap) / (0.7 - configuration.minimumFollowOverlap)))
            let doubt: Float = face.misses > 0 ? 0.7 : 1
            live[index].append(
                TrackedFace(
                    frameIndex: frameIndex, time: time, box: newBox, landmarks: landmarks,
                    detectionScore: nil, confidence: inside * stability * doubt))
        }
    }

    /// Two faces that converged onto one: the younger one ends.
    private func removeDuplicateFaces() {
        var index = live.count - 1
        while index > 0 {
            let younger = live[index]
            if live[..<index].contains(where: { $0.box.intersectionOverUnion(younger.box) > 0.5 }) {
                end(at: index, trimToConfirmed: false, duplicate: true)
            }
            index -= 1
        }
    }

    /// Whether the whole frame is searched coarsely on this frame: when no face is tracked, and
    /// every `redetectInterval` frames.
    private func isSearchFrame(_ frameIndex: Int) -> Bool {
        guard !live.isEmpty, let lastDetectionFrame else { return true }
        return frameIndex - lastDetectionFrame >= configuration.redetectInterval
    }

    /// Whether the thorough search runs on this frame: on the first, then every
    /// `thoroughSearchSeconds` of video.
    private func isThoroughFrame(time: Double) -> Bool {
        guard let plan, !plan.thorough.isEmpty || !plan.rotated.isEmpty else { return false }
        guard let lastThoroughTime else { return true }
        guard let interval = configuration.thoroughSearchSeconds else { return false }
        return time - lastThoroughTime >= interval
    }

    /// Whether a face needs a detection on this frame even without a search: unconfirmed,
    /// missed its last detection, or lost its shape.
    private func needsLook(_ face: FaceState) -> Bool {
        face.id == nil || face.misses > 0 || face.isRescuing
    }

    private func needsDetection(frameIndex: Int, time: Double) -> Bool {
        isSearchFrame(frameIndex) || isThoroughFrame(time: time) || live.contains(where: needsLook)
            || (worker?.pendingFrame.map { frameIndex - $0 >= searchLatency } ?? false)
    }

    /// Frames between starting a coarse search on the worker and using its detections: one less
    /// than the search interval, so the worker has that long and a new face is still found within
    /// `redetectInterval` frames or so. Always the same, so the tracks do not depend on timing.
    private var searchLatency: Int { max(1, configuration.redetectInterval - 1) }

    private func merge(_ found: [FaceDetection], into detections: inout [FaceDetection]) {
        SearchPlan.merge(found, into: &detections)
    }

    /// Runs `passes` and merges their detections: with a worker, the passes are shared between the
    /// two threads by their cost (largest first, each to the less loaded thread), so the thorough
    /// search's tiles and turned copies run on both cores at once.
    private func search(_ passes: [SearchPlan.Pass], in image: GrayImage) throws(AnalysisError) -> [FaceDetection] {
        var mine: [SearchPlan.Pass] = [], theirs: [SearchPlan.Pass] = []
        if let worker {
            worker.discard()  // a coarse search still running is overtaken by this one
            var load: (mine: Float, theirs: Float) = (0, 0)
            for pass in passes.sorted(by: { $0.searchedPixels > $1.searchedPixels }) {
                if load.mine <= load.theirs {
                    mine.append(pass)
                    load.mine += pass.searchedPixels
                } else {
                    theirs.append(pass)
                    load.theirs += pass.searchedPixels
                }
            }
            if !theirs.isEmpty { worker.start(theirs, in: image, frameIndex: -1, adjustThreshold: configuration.adjustThreshold) }
        } else {
            mine = passes
        }
        var found: [FaceDetection] = []
        for pass in mine {
            merge(try pass.detect(in: image, with: detector, adjustThreshold: configuration.adjustThreshold), into: &found)
        }
        if let worker, !theirs.isEmpty { merge(try worker.collect(), into: &found) }
        return found
    }

    /// Step 2: detect, match detections to faces, confirm, re-seed, start and drop faces.
    ///
    /// The coarse search runs on search frames, the thorough and rotated ones on thorough frames
    /// (`SearchPlan`). Every face too small for the coarse search, and on other frames every face
    /// that `needsLook`, is looked for in a region around it (twice its box) scaled so the face is
    /// ~100 px: cheap, and never upsampled unless the face is below ~80 px at full resolution.
    private func detectAndMatch(in image: GrayImage, frameIndex: Int, time: Double) throws(AnalysisError) {
        guard let plan else { return }
        let gathered = try gatherDetections(plan, in: image, frameIndex: frameIndex, time: time)
        let detections = gathered.detections
        var lookedAt = gathered.lookedAt
        let matched = try match(detections, in: image, frameIndex: frameIndex, time: time)
        var faceMatched = matched.faceMatched

        // Faces that lost their shape and that no detection rescued end here.
        for index in live.indices.reversed() where live[index].isRescuing {
            end(at: index, trimToConfirmed: false, frameIndex: frameIndex)
            faceMatched.remove(at: index)
            lookedAt.remove(at: index)
        }

        try countMisses(faceMatched: faceMatched, lookedAt: lookedAt, in: image, frameIndex: frameIndex)

        // Detections no face matched: new tentative faces, unless inside a tracked face.
        for (index, found) in detections.enumerated() where !matched.detectionUsed[index] {
            try startFace(
                from: found, madeEarlier: index >= gathered.freshCount, in: image, frameIndex: frameIndex,
                time: time)
        }
        assignIDs(frameIndex: frameIndex)
    }

    /// This frame's detections, and for every live face whether a search looked at it (`lookedAt`).
    /// The first `freshCount` detections were made on this frame; the worker's, made on an earlier
    /// frame, follow where they are not already among them.
    private func gatherDetections(_ plan: SearchPlan, in image: GrayImage, frameIndex: Int, time: Double)
        throws(AnalysisError) -> (detections: [FaceDetection], freshCount: Int, lookedAt: [Bool])
    {
        var detections: [FaceDetection] = []
        var lookedAt = [Bool](repeating: false, count: live.count)
        let searching = isSearchFrame(frameIndex)
        let thorough = isThoroughFrame(time: time)
        // A coarse search started on the worker `searchLatency` frames ago is collected now.
        var collected = false
        var stale: [FaceDetection] = []  // the worker's detections, made on an earlier frame
        if let pending = worker?.pendingFrame, frameIndex - pending >= searchLatency {
            stale = try worker!.collect()
            collected = true
        }
        if searching || thorough,
            try searchWholeFrame(plan, in: image, frameIndex: frameIndex, time: time, thorough: thorough, into: &detections)
        {
            collected = true
        }
        if collected || thorough {
            let reach = thorough ? plan.smallestFound : plan.coarse.reach
            for index in live.indices where live[index].box.width >= reach { lookedAt[index] = true }
        }
        // (Faces too small for the coarse search were looked for around when it started.)
        for index in live.indices where !lookedAt[index] && (searching || thorough || needsLook(live[index])) {
            lookedAt[index] = true
            // A tentative face tilted too far for the upright detector is looked for turned, so
            // it can be confirmed (a confirmed one its landmark model still holds is kept anyway).
            let roll = live[index].id == nil ? Self.roll(of: live[index].landmarks) : 0
            merge(try detectAround(live[index].box, in: image, roll: roll), into: &detections)
        }

        // The worker's detections join this frame's where they are not already among them.
        let freshCount = detections.count
        for detection in stale where !detections.contains(where: { $0.box.intersectionOverUnion(detection.box) > 0.5 }) {
            detections.append(detection)
        }
        return (detections, freshCount, lookedAt)
    }

    /// The whole-frame search of a search or thorough frame: the thorough search (with the coarse
    /// one), or the coarse search, on the worker while faces are tracked. Returns whether a coarse
    /// search's detections were merged into `detections` here.
    private func searchWholeFrame(
        _ plan: SearchPlan, in image: GrayImage, frameIndex: Int, time: Double, thorough: Bool,
        into detections: inout [FaceDetection]
    ) throws(AnalysisError) -> Bool {
        let start = Self.now()
        defer { statistics.detectionSeconds += Self.now() - start }
        lastDetectionFrame = frameIndex
        statistics.detections += 1
        if thorough {
            lastThoroughTime = time
            statistics.thoroughSearches += 1
            statistics.thoroughPasses += plan.thorough.count + plan.rotated.count
            let thoroughStart = Self.now()
            merge(try search([plan.coarse] + plan.thorough + plan.rotated, in: image), into: &detections)
            statistics.thoroughSeconds += Self.now() - thoroughStart
        } else if let worker, !live.isEmpty, worker.pendingFrame == nil {
            // Faces are tracked: the coarse search only looks for new ones, so it runs on the
            // worker while the next frames are followed, and is collected `searchLatency` frames on.
            worker.start([plan.coarse], in: image, frameIndex: frameIndex, adjustThreshold: configuration.adjustThreshold)
            statistics.concurrentSearches += 1
        } else {
            merge(
                try plan.coarse.detect(in: image, with: detector, adjustThreshold: configuration.adjustThreshold),
                into: &detections)
            return true
        }
        return false
    }

    /// Matches detections to faces greedily by overlap, best pair first (ties: higher score, then
    /// lower indices), and confirms every matched face. Returns, per live face, whether a detection
    /// matched it, and per detection, whether a face took it.
    private func match(
        _ detections: [FaceDetection], in image: GrayImage, frameIndex: Int,
        time: Double
    ) throws(AnalysisError) -> (faceMatched: [Bool], detectionUsed: [Bool]) {
        var pairs: [(face: Int, detection: Int, overlap: Float)] = []
        for (faceIndex, face) in live.enumerated() {
            for (detectionIndex, detection) in detections.enumerated() {
                let overlap = face.box.intersectionOverUnion(detection.box)
                if overlap >= configuration.matchOverlap { pairs.append((faceIndex, detectionIndex, overlap)) }
            }
        }
        pairs.sort { a, b in
            if a.overlap != b.overlap { return a.overlap > b.overlap }
            if detections[a.detection].score != detections[b.detection].score {
                return detections[a.detection].score > detections[b.detection].score
            }
            return (a.face, a.detection) < (b.face, b.detection)
        }
        var faceMatched = [Bool](repeating: false, count: live.count)
        var detectionUsed = [Bool](repeating: false, count: detections.count)
        for pair in pairs where !faceMatched[pair.face] && !detectionUsed[pair.detection] {
            faceMatched[pair.face] = true
            detectionUsed[pair.detection] = true
            try confirm(
                face: pair.face, with: detections[pair.detection], overlap: pair.overlap, in: image,
                frameIndex: frameIndex, time: time)
        }
        return (faceMatched, detectionUsed)
    }

    /// Faces no detection matched: count a miss (not for faces partly out of the frame, which
    /// the detector cannot find). A confirmed face the landmark model still holds (its landmarks
    /// keep their size when the box changes, as at creation) is confirmed by that instead: HOG
    /// misses faces turned or lit unlike its training more often than it finds them, and a face
    /// the landmarks follow is still there. A face that missed too often is dropped or ends.
    private func countMisses(
        faceMatched: [Bool], lookedAt: [Bool], in image: GrayImage,
        frameIndex: Int
    ) throws(AnalysisError) {
        for index in live.indices.reversed() where !faceMatched[index] && lookedAt[index] {
            guard live[index].box.insideFraction(width: image.width, height: image.height) >= 0.95 else { continue }
            if live[index].id != nil,
                try shapeDrift(image, live[index].box, live[index].landmarks) <= configuration.maximumShapeDrift
            {
                live[index].hits += 1
                live[index].passes += 1
                live[index].misses = 0
                live[index].confirmedCount = live[index].frames.count
                statistics.landmarkConfirmations += 1
                continue
            }
            live[index].misses += 1
            live[index].passes += 1
            if live[index].id == nil {
                if live[index].misses >= configuration.tentativeMisses {
                    let face = live.remove(at: index)
                    reject(
                        face, frameIndex: frameIndex,
                        .lostBeforeConfirmation(detections: face.hits, needed: configuration.confirmationDetections))
                }
            } else if live[index].misses >= configuration.lostAfterMisses {
                end(at: index, trimToConfirmed: true, frameIndex: frameIndex)
            }
        }
    }

    /// A detection no face matched starts a tentative face, unless it is inside a tracked face,
    /// was recently found not to be a usable face, or its landmarks make a face too small or one
    /// the landmark model is not drawn to (both recorded in `rejections`). A detection
    /// `madeEarlier` (by the worker) must be found again around its place on this frame.
    private func startFace(
        from found: FaceDetection, madeEarlier: Bool, in image: GrayImage, frameIndex: Int,
        time: Double
    ) throws(AnalysisError) {
        var detection = found
        if madeEarlier {
            // Made frames ago: the face must still be there. Look around it on this frame, and
            // start from that detection; nothing there, nothing to start (and nothing to report).
            guard
                let fresh = try detectAround(detection.box, in: image, roll: detection.angle)
                    .max(by: { $0.box.intersectionOverUnion(detection.box) < $1.box.intersectionOverUnion(detection.box) }),
                fresh.box.intersectionOverUnion(detection.box) > 0.3
            else { return }
            detection = fresh
        }
        let covered = live.contains { face in
            face.box.intersectionArea(detection.box) > configuration.duplicateCoverage * detection.box.area
        }
        if covered { return }
        recentRejections.removeAll { frameIndex - $0.frameIndex > recentRejectionFrames }
        if let seen = recentRejections.firstIndex(where: { $0.box.intersectionOverUnion(detection.box) > 0.5 }) {
            recentRejections[seen].frameIndex = frameIndex  // the same pattern again: still not a face
            return
        }
        let (landmarks, box, followBox) = try seed(image, from: detection)
        // The face must not be covered by a tracked face either once its landmarks place it.
        if live.contains(where: { $0.box.intersectionOverUnion(box) > 0.5 }) { return }
        let drift = try shapeDrift(image, box, landmarks)
        if box.height < configuration.minimumFaceSize && drift <= configuration.maximumShapeDrift {
            recentRejections.append((detection.box, frameIndex))
            rejections.append(
                Rejection(
                    frameIndex: frameIndex, box: box, score: detection.score,
                    reason: .tooSmall(size: box.height, minimum: configuration.minimumFaceSize)))
            return
        }
        guard drift <= configuration.maximumShapeDrift else {
            statistics.droppedFalsePositives += 1
            recentRejections.append((detection.box, frameIndex))
            rejections.append(
                Rejection(
                    frameIndex: frameIndex, box: box, score: detection.score,
                    reason: .landmarksDoNotSettle(drift: drift, maximum: configuration.maximumShapeDrift)))
            return
        }
        var face = FaceState(
            first: TrackedFace(
                frameIndex: frameIndex, time: time, box: box, landmarks: landmarks,
                detectionScore: detection.score,
                confidence: insideFraction(landmarks, image)))
        face.followBox = followBox
        live.append(face)
    }

    /// A detection matched face `index` on the current frame.
    private func confirm(
        face index: Int, with detection: FaceDetection, overlap: Float, in image: GrayImage,
        frameIndex: Int, time: Double
    ) throws(AnalysisError) {
        var face = live[index]
        let hadMissed = face.misses > 0
        face.hits += 1
        face.passes += 1
        face.bestScore = max(face.bestScore, detection.score)
        face.misses = 0
        let rescued = face.isRescuing
        if rescued {
            // Following failed on this frame: start again from the detection.
            face.isRescuing = false
            face.frames.append(
                TrackedFace(
                    frameIndex: frameIndex, time: time, box: detection.box,
                    landmarks: face.landmarks, detectionScore: nil, confidence: 0))
        }
        var current = face.frames[face.frames.count - 1]
        if overlap < configuration.reseedOverlap || rescued || isRestarting {
            // Drifted, or a restart frame: predict again from the detection.
            let (landmarks, box, followBox) = try seed(image, from: detection)
            current.landmarks = landmarks
            current.box = box
            face.followBox = followBox
            current.confidence = insideFraction(landmarks, image)
        } else if hadMissed {
            current.confidence = min(1, current.confidence / 0.7)  // the doubt is lifted
        }
        current.detectionScore = detection.score
        face.frames[face.frames.count - 1] = current
        face.confirmedCount = face.frames.count
        live[index] = face
    }

    /// Gives ids to the tentative faces that reached `confirmationDetections` with a good enough
    /// score, left to right; drops those that reached it without one (face-like patterns).
    private func assignIDs(frameIndex: Int) {
        for index in live.indices.reversed()
        where live[index].id == nil && live[index].hits >= configuration.confirmationDetections
            && live[index].bestScore < configuration.minimumConfirmationScore
        {
            let face = live.remove(at: index)
            reject(face, frameIndex: frameIndex, .lowScore(score: face.bestScore, minimum: configuration.minimumConfirmationScore))
        }
        let ready = live.indices.filter { live[$0].id == nil && live[$0].hits >= configuration.confirmationDetections }
        for index in ready.sorted(by: { live[$0].box.center.x < live[$1].box.center.x }) {
            live[index].id = nextID
            nextID += 1
        }
    }

    /// Ends face `index`: a confirmed face becomes a finished track (cut back to its last
    /// confirmed frame when `trimToConfirmed`); a tentative one is dropped.
    /// A tentative face that ends is recorded in `rejections` unless it merely duplicated another.
    private func end(at index: Int, trimToConfirmed: Bool, frameIndex: Int? = nil, duplicate: Bool = false) {
        let face = live.remove(at: index)
        guard let id = face.id else {
            if duplicate { return }
            let reason: Rejection.Reason =
                face.bestScore < configuration.minimumConfirmationScore
                ? .lowScore(score: face.bestScore, minimum: configuration.minimumConfirmationScore)
                : .lostBeforeConfirmation(detections: face.hits, needed: configuration.confirmationDetections)
            reject(face, frameIndex: frameIndex ?? face.lastFrameIndex, reason)
            return
        }
        guard Float(face.hits) >= configuration.minimumHitRatio * Float(face.passes) else {
            // Rarely re-detected: a pattern, not a face.
            reject(face, frameIndex: frameIndex ?? face.lastFrameIndex, .rarelyDetected(detections: face.hits, searches: face.passes))
            return
        }
        let frames = trimToConfirmed ? Array(face.frames.prefix(face.confirmedCount)) : face.frames
        if !frames.isEmpty { finished.append(LandmarkTrack(id: id, frames: frames)) }
    }

    /// Records a face that was followed for a while but not kept.
    private func reject(_ face: FaceState, frameIndex: Int, _ reason: Rejection.Reason) {
        statistics.droppedFalsePositives += 1
        rejections.append(
            Rejection(
                frameIndex: face.frames[0].frameIndex, box: face.frames[0].box, score: face.bestScore,
                reason: reason))
    }

    // MARK: - Helpers

    private func predict(_ image: GrayImage, _ box: FaceBox) throws(AnalysisError) -> [Point2] {
        statistics.landmarkPredictions += 1
        let start = Self.now()
        defer { statistics.landmarkSeconds += Self.now() - start }
        return try predictor.landmarks(in: image, box: box)
    }

    /// The landmarks and box of a face first found in `detectionBox`: landmarks predicted in the
    /// detection's box, then again in the box the landmark model expects for them, so a face gets
    /// the same landmarks whatever box (of the detector's 20%-apart sizes) it was found with.
    /// `followBox` is the box they were predicted from, with what the picture shows in it: the next
    /// frame, if its picture is unchanged, is predicted from it and gives the same landmarks.
    ///
    /// A face a rotated search found (`FaceDetection.angle`), or whose first landmarks are tilted
    /// beyond `uprightRoll`, is predicted turned upright: the landmark model, which starts from
    /// an upright mean face, otherwise settles on a wrong shape for a head tilted 40°.
    private func seed(_ image: GrayImage, from detection: FaceDetection) throws(AnalysisError)
        -> (landmarks: [Point2], box: FaceBox, followBox: FollowBox?)
    {
        var first = try predict(image, detection.box)
        if detection.angle != 0 {
            // Found turned: predicted turned as it was found, kept only if the face is tilted
            // (an upright face a turned search happened to score higher is predicted upright).
            let turned = try predictUpright(image, in: detection.box, roll: detection.angle)
            if abs(Self.roll(of: turned)) >= Self.uprightRoll { first = turned }
        }
        let predictedFrom = convention.box(for: first)
        let roll = Self.roll(of: first)
        let landmarks =
            abs(roll) >= Self.uprightRoll ? try predictUpright(image, from: first, roll: roll) : try predict(image, predictedFrom)
        let held =
            configuration.unchangedPictureThreshold > 0
            ? FollowBox(box: predictedFrom, samples: image.gridSamples(in: predictedFrom), reference: first) : nil
        return (landmarks, convention.box(for: landmarks), held)
    }

    /// Faces tilted (rolled) more than this are predicted turned upright (`predictUpright`);
    /// below it the landmark model copes as it is, and nothing changes for them.
    static let uprightRoll: Float = 18 * .pi / 180

    /// The in-plane tilt of a 68-point face: the angle of the line from the centre of its left
    /// eye on screen (points 37–42) to the right one's (43–48), radians, positive clockwise on
    /// screen (the right eye lower).
    static func roll(of landmarks: [Point2]) -> Float {
        guard let (left, right) = MotionStatistics.eyeCentres(landmarks) else { return 0 }
        return atan2(right.y - left.y, right.x - left.x)
    }

    /// Landmarks predicted on the picture turned by `roll` about the centre of `reference`, so
    /// the face is upright for the landmark model, from the box the model expects for the turned
    /// `reference` landmarks; mapped back to the picture.
    private func predictUpright(_ image: GrayImage, from reference: [Point2], roll: Float) throws(AnalysisError) -> [Point2] {
        try predictUpright(image, around: FaceBox.bounding(reference), roll: roll) { toView in
            convention.box(for: reference.map(toView))
        }
    }

    /// Landmarks predicted on the picture turned by `roll` about the centre of `box`, from `box`
    /// (its size kept) turned with it.
    private func predictUpright(_ image: GrayImage, in box: FaceBox, roll: Float) throws(AnalysisError) -> [Point2] {
        try predictUpright(image, around: box, roll: roll) { toView in
            let centre = toView(box.center)
            return FaceBox(x: centre.x - box.width / 2, y: centre.y - box.height / 2, width: box.width, height: box.height)
        }
    }

    /// The region of three times `area`'s size around its centre, turned by `roll`; `viewBox`
    /// gives the box to predict from in the turned region (from a picture point → turned point
    /// mapping). Falls back to an upright prediction when the region is outside the picture.
    private func predictUpright(
        _ image: GrayImage, around area: FaceBox, roll: Float, viewBox: ((Point2) -> Point2) -> FaceBox
    ) throws(AnalysisError) -> [Point2] {
        let side = 3 * max(area.width, area.height)
        let x = Int((area.center.x - side / 2).rounded(.down)), y = Int((area.center.y - side / 2).rounded(.down))
        let size = Int(side.rounded(.up))
        guard let region = image.cropped(x: x, y: y, width: size, height: size) else {
            return try predict(image, area)
        }
        let left = Float(max(0, x)), top = Float(max(0, y))
        let turned = region.rotated(by: roll)
        let toView = { (point: Point2) in
            GrayImage.rotatedPoint(Point2(x: point.x - left, y: point.y - top), width: region.width, height: region.height, angle: roll)
        }
        let predicted = try predict(turned, viewBox(toView))
        return predicted.map { point in
            let back = GrayImage.rotatedPoint(point, width: region.width, height: region.height, angle: roll, inverse: true)
            return Point2(x: back.x + left, y: back.y + top)
        }
    }

    /// On an unchanged picture the follow box is re-derived until the landmarks' box moves by less
    /// than this fraction of its width in a frame (dlib's own wander is 0.1–0.3%), then held.
    static let settledBoxChange: Float = 0.005

    /// Whether the picture in the follow box has changed by less than
    /// `unchangedPictureThreshold` since the box was set.
    private func isUnchanged(_ image: GrayImage, since followBox: FollowBox?) -> Bool {
        guard let followBox, configuration.unchangedPictureThreshold > 0 else { return false }
        let now = image.gridSamples(in: followBox.box)
        guard now.count == followBox.samples.count, !now.isEmpty else { return false }
        var total = 0
        for index in now.indices { total += abs(Int(now[index]) - Int(followBox.samples[index])) }
        return Float(total) / Float(now.count) < configuration.unchangedPictureThreshold
    }

    /// Detections in the region of twice `box` around its centre, scaled so the face is about
    /// 100 px (interpolated up for smaller faces), in full-resolution pixels.
    /// A face tilted beyond `uprightRoll` (`roll`) is looked for in the region turned upright.
    private func detectAround(_ box: FaceBox, in image: GrayImage, roll: Float = 0) throws(AnalysisError) -> [FaceDetection] {
        let start = Self.now()
        defer { statistics.detectionSeconds += Self.now() - start }
        let side = max(box.width, box.height) * 2
        let x = Int((box.center.x - side / 2).rounded(.down)), y = Int((box.center.y - side / 2).rounded(.down))
        guard let region = image.cropped(x: x, y: y, width: Int(side.rounded(.up)), height: Int(side.rounded(.up))) else {
            return []
        }
        let left = max(0, x), top = max(0, y)  // where the clipped region starts
        let scale = 100 / max(box.width, 1)
        let searched = region.resampled(
            width: max(1, Int((Float(region.width) * scale).rounded())),
            height: max(1, Int((Float(region.height) * scale).rounded())))
        let scaleX = Float(searched.width) / Float(region.width), scaleY = Float(searched.height) / Float(region.height)
        statistics.regionDetections += 1
        let turn = abs(roll) >= Self.uprightRoll ? roll : 0
        let found = try detector.detect(
            in: turn == 0 ? searched : searched.rotated(by: turn), adjustThreshold: configuration.adjustThreshold)
        return found.map {
            var box = $0.box
            if turn != 0 {
                // Back on the unturned region, the box kept upright (as the turned searches do).
                let centre = GrayImage.rotatedPoint(box.center, width: searched.width, height: searched.height, angle: turn, inverse: true)
                box = FaceBox(x: centre.x - box.width / 2, y: centre.y - box.height / 2, width: box.width, height: box.height)
            }
            return FaceDetection(
                box: FaceBox(
                    x: box.x / scaleX + Float(left), y: box.y / scaleY + Float(top),
                    width: box.width / scaleX, height: box.height / scaleY),
                score: $0.score, subdetector: $0.subdetector, angle: turn)
        }
    }

    /// How much the landmarks' size follows the box: predicted again from `box` enlarged by 20%
    /// and shrunk by 15% about its centre, the summed relative change of the shape's scale.
    /// A face tilted beyond `uprightRoll` is probed turned upright, as it is followed.
    private func shapeDrift(_ image: GrayImage, _ box: FaceBox, _ landmarks: [Point2]) throws(AnalysisError) -> Float {
        let reference = LandmarkPlacement(landmarks)
        let roll = Self.roll(of: landmarks)
        let scaled = { (box: FaceBox, factor: Float) in
            FaceBox(
                x: box.center.x - box.width * factor / 2, y: box.center.y - box.height * factor / 2,
                width: box.width * factor, height: box.height * factor)
        }
        var drift: Float = 0
        for factor: Float in [1.2, 0.85] {
            let probed =
                abs(roll) >= Self.uprightRoll
                ? try predictUpright(image, around: FaceBox.bounding(landmarks), roll: roll) { toView in
                    scaled(convention.box(for: landmarks.map(toView)), factor)
                } : try predict(image, scaled(box, factor))
            drift += abs(LandmarkPlacement(probed).scale / reference.scale - 1)
        }
        return drift
    }

    /// The fraction of `landmarks` inside the image.
    private func insideFraction(_ landmarks: [Point2], _ image: GrayImage) -> Float {
        let width = Float(image.width), height = Float(image.height)
        let inside = landmarks.reduce(0) { count, point in
            count + (point.x >= 0 && point.y >= 0 && point.x < width && point.y < height ? 1 : 0)
        }
        return Float(inside) / Float(landmarks.count)
    }

    /// A track with smoothed landmarks; boxes are the convention's boxes of the smoothed landmarks.
    /// Coordinates are smoothed in units of a 200 px face so the smoother's `beta` does not depend
    /// on resolution.
    static func smoothed(
        _ track: LandmarkTrack, with smoother: TemporalSmoother,
        convention: FaceBoxConvention
    ) throws(AnalysisError) -> LandmarkTrack {
        guard track.frames.count > 2 else { return track }
        let widths = track.frames.map(\.box.width).sorted()
        let unit = max(widths[widths.count / 2], 1) / 200
        let series = track.frames.map { face in face.landmarks.flatMap { [$0.x / unit, $0.y / unit] } }
        let smoothed = try smoother.smooth(series, times: track.frames.map(\.time))
        var result = track
        for index in result.frames.indices {
            let values = smoothed[index]
            let landmarks = (0..<(values.count / 2)).map { Point2(x: values[2 * $0] * unit, y: values[2 * $0 + 1] * unit) }
            result.frames[index].box = convention.box(for: landmarks)
            result.frames[index].landmarks = landmarks
        }
        return result
    }
}

/// One face being followed (tentative until it has an id).
/// A box held for following, with what the picture showed in it when it was set.
private struct FollowBox {
    var box: FaceBox
    /// `GrayImage.gridSamples(in: box)` when the box was set.
    var samples: [UInt8]
    /// The landmarks whose box `box` is: a tilted face is predicted upright around them.
    var reference: [Point2]
}

private struct FaceState {
    /// The track id, once confirmed.
    var id: Int?
    /// The frames so far.
    var frames: [TrackedFace]
    /// Detections matched so far.
    var hits = 1
    /// Detection passes that could have matched (the face's box at least 95% inside the frame), creation included.
    var passes = 1
    /// The highest detection score so far.
    var bestScore: Float
    /// Detection passes in a row that did not match.
    var misses = 0
    /// Following failed on the current frame; a matching detection must re-seed the face or it ends.
    var isRescuing = false
    /// `frames.count` when a detection last matched.
    var confirmedCount = 1
    /// The box the landmarks are predicted from while the picture in it stays unchanged
    /// (`Configuration.unchangedPictureThreshold`); nil: the last landmarks' own box.
    var followBox: FollowBox?

    init(first: TrackedFace) {
        self.frames = [first]
        self.bestScore = first.detectionScore ?? 0
    }

    var landmarks: [Point2] { frames[frames.count - 1].landmarks }
    var box: FaceBox { frames[frames.count - 1].box }
    var lastFrameIndex: Int { frames[frames.count - 1].frameIndex }

    mutating func append(_ face: TrackedFace) { frames.append(face) }
}
