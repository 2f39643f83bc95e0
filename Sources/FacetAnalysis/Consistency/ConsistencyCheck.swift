import FacetMedia
import FacetSDK
import Foundation

/// Checks that analysis gives one answer for one picture, however the picture reaches Facet.
///
/// The picture is analysed as it is (the reference), then as the variants a person makes of it
/// without changing the face: scaled by 0.5 and 2; mirrored; turned by ±10°; as a 3 s video at
/// its own size, framed in 1280x720 and with noise added to every frame; and side by side with
/// its mirror image (two and three pictures in a row). Every face of the reference is looked for
/// where the variant puts it, and compared with what the variant should give: the same pose;
/// yaw and roll of opposite sign when mirrored; roll changed by the turn when turned. Videos of
/// the still picture also say how steady the tracking is (landmark and pose jitter, smoothed and
/// raw). `Bounds` says what counts as agreeing; `facet analyze --consistency IMAGE` prints the
/// report as a table.
public struct ConsistencyCheck {
    /// What counts as agreeing (the defaults are Facet's published targets).
    public struct Bounds: Sendable, Codable, Equatable {
        /// A face at least `minimumFaceSize` tall in a variant must be found on at least this share of its frames.
        public var foundShare: Double = 0.95
        /// Yaw, pitch and roll (and their mirrored values) agree within this, degrees.
        public var pose: Double = 2
        /// A turned picture's roll changes by the turn within this, degrees (yaw and pitch within `pose`).
        public var rollChange: Double = 1.5
        /// A still picture as a video: landmark jitter after smoothing below this, pixels.
        public var landmarkJitter: Double = 0.3
        /// A still picture as a video: pose jitter (RMS of yaw, pitch, roll) after smoothing below this, degrees.
        public var poseJitter: Double = 0.2

        /// The defaults.
        public init() {}
    }

    /// One face of the reference picture.
    public struct ReferenceFace: Sendable, Codable, Equatable {
        /// The track id in the reference analysis (faces too small to analyse are numbered after the tracks).
        public var id: Int
        /// The face box (the landmark model's convention), reference pixels.
        public var box: FaceBox
        /// Yaw, pitch, roll in degrees; nil for a face too small to analyse in the reference (it is
        /// only looked for in the variants where it is large enough).
        public var pose: Angles?
    }

    /// Yaw, pitch and roll in degrees.
    public typealias Angles = PoseDegrees

    /// One face in one variant.
    public struct FaceResult: Sendable, Codable, Equatable {
        /// The variant's name ("0.5x", "mirrored", "video 1280x720", ...).
        public var variant: String
        /// Which reference face (its id).
        public var face: Int
        /// The face's size in the variant, pixels.
        public var size: Double
        /// Frames the face was found on, and the variant's frames.
        public var foundFrames: Int
        public var frames: Int
        /// The measured pose (median over the frames found), nil when not found.
        public var pose: Angles?
        /// The pose the variant should give, from the reference's (nil when the reference face is too small).
        public var expected: Angles?
        /// The largest difference of yaw, pitch and roll from `expected`, degrees.
        public var deviation: Double?
        /// Whether the variant's analysis named the face as too small to analyse (where it was not found).
        public var reportedTooSmall: Bool
        /// Landmark jitter (px) and pose jitter (°) after smoothing, and without smoothing (videos only).
        public var landmarkJitter: Double?
        public var poseJitter: Double?
        public var rawLandmarkJitter: Double?
        public var rawPoseJitter: Double?
        /// What is out of bounds (empty when the face agrees).
        public var failures: [String]
    }

    /// The whole check of one picture.
    public struct Report: Sendable, Codable, Equatable {
        /// The picture checked.
        public var image: String
        public var width: Int
        public var height: Int
        /// The faces of the reference analysis.
        public var referenceFaces: [ReferenceFace]
        /// Candidates the reference analysis did not use, with their reasons (faces too small, ...).
        public var notUsed: [String]
        /// Every face in every variant.
        public var results: [FaceResult]
        /// The bounds used.
        public var bounds: Bounds
        /// Whether every result is within the bounds.
        public var withinBounds: Bool { results.allSatisfy { $0.failures.isEmpty } }
    }

    /// The analyzer (smoothing as configured) and the same without smoothing, for raw jitter.
    public let analyzer: FaceAnalyzer
    private let rawAnalyzer: FaceAnalyzer
    /// The bounds results are checked against.
    public var bounds = Bounds()
    /// Length and frame rate of the video variants.
    public var videoSeconds: Double = 3
    public var videoFrameRate: Double = 30
    /// Strength of the noise added to every frame of the noisy video (uniform, ± this, per channel).
    public var noiseAmplitude: Int = 12

    /// A check with `analyzer`'s models and settings.
    public init(analyzer: FaceAnalyzer) {
        self.analyzer = analyzer
        var raw = analyzer.configuration
        raw.tracking.smoothing = nil
        raw.coefficientSmoothing = nil
        rawAnalyzer = analyzer.sharingModels(configuration: raw)
    }

    /// Where a variant puts the reference picture: scaled, mirrored, turned, moved.
    struct Placement {
        var scale: Double = 1
        var mirrored = false
        /// Turned by this many degrees (counter-clockwise on screen) about the scaled picture's centre,
        /// onto a canvas of `canvas` size.
        var degrees: Double = 0
        var canvas: (width: Int, height: Int)? = nil
        var x: Double = 0
        var y: Double = 0

        /// Where a reference point lands, for a reference picture of `width` x `height`.
        func map(_ point: Point2, width: Int, height: Int) -> Point2 {
            var px = Double(point.x) * scale, py = Double(point.y) * scale
            let scaledWidth = Double(width) * scale, scaledHeight = Double(height) * scale
            if mirrored { px = scaledWidth - 1 - px }
            if degrees != 0, let canvas {
                let angle = degrees * .pi / 180
                let dx = px - 0.5 * (scaledWidth - 1), dy = py - 0.5 * (scaledHeight - 1)
                px = dx * cos(angle) + dy * sin(angle) + 0.5 * Double(canvas.width - 1)
                py = -dx * sin(angle) + dy * cos(angle) + 0.5 * Double(canvas.height - 1)
            }
            return Point2(x: Float(px + x), y: Float(py + y))
        }

        /// The pose a face of pose `pose` should have once placed.
        func expected(_ pose: Angles) -> Angles {
            var result = pose
            if mirrored {
                result.yaw = -result.yaw
                result.roll = -result.roll
            }
            result.roll += degrees
            return result
        }
    }

    /// A variant made on disk, ready to analyse.
    struct Variant {
        var name: String
        var url: URL
        var isVideo: Bool
        /// Every copy of the reference in it.
        var placements: [Placement]
        /// Whether the jitter bounds apply (the still picture as a video, without added noise).
        var checksJitter: Bool
    }

    /// Runs the check on `image` (any picture FFmpeg reads). Variants are written to `directory`
    /// (created if needed; the files are removed afterwards). `progress` hears each variant's
    /// name before it is analysed.
    public func run(_ image: URL, in directory: URL, progress: ((String) -> Void)? = nil) throws -> Report {
        let picture: RGBImage
        do { picture = try ImageIO.readImage(image) } catch {
            throw AnalysisError(
                error.code == .fileNotFound ? .fileNotFound : .malformed,
                "the consistency check needs a picture", path: image.path, cause: error)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let work = directory.appendingPathComponent("facet-consistency-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        progress?("still")
        let referenceFile = work.appendingPathComponent("still.png")
        try writePNG(picture, to: referenceFile)
        let reference = try analyzer.analyze(referenceFile, stillImage: StillImageOptions(duration: 1, frameRate: 1))
        var faces = reference.motion.tracks.compactMap { track -> ReferenceFace? in
            guard let frame = track.frames.first, let box = frame.box else { return nil }
            return ReferenceFace(id: track.id, box: box, pose: Self.angles(frame.coefficients.pose))
        }
        // Faces too small to analyse here are looked for where a variant makes them large enough.
        for rejection in reference.rejections {
            guard case .tooSmall = rejection.reason, rejection.score >= 0.3,
                !faces.contains(where: { $0.box.intersectionOverUnion(rejection.box) > 0.3 })
            else { continue }
            faces.append(ReferenceFace(id: faces.count, box: rejection.box, pose: nil))
        }
        var results: [FaceResult] = []
        for variant in try makeVariants(of: picture, in: work) {
            progress?(variant.name)
            let analysis = try analyzer.analyze(
                variant.url, stillImage: variant.isVideo ? nil : StillImageOptions(duration: 1, frameRate: 1))
            let raw = variant.isVideo ? try rawAnalyzer.analyze(variant.url).motion : nil
            for face in faces {
                for placement in variant.placements {
                    results.append(
                        measure(
                            face, placement: placement, variant: variant, analysis: analysis, raw: raw,
                            width: picture.width, height: picture.height))
                }
            }
            try? FileManager.default.removeItem(at: variant.url)
        }
        return Report(
            image: image.path, width: picture.width, height: picture.height, referenceFaces: faces,
            notUsed: reference.warnings.filter { $0.hasPrefix("not used:") }, results: results, bounds: bounds)
    }

    // MARK: - Variants

    private func makeVariants(of picture: RGBImage, in directory: URL) throws -> [Variant] {
        var variants: [Variant] = []
        func still(_ name: String, _ image: RGBImage, _ placements: [Placement]) throws {
            let url = directory.appendingPathComponent("\(variants.count).png")
            try writePNG(image, to: url)
            variants.append(Variant(name: name, url: url, isVideo: false, placements: placements, checksJitter: false))
        }
        func video(_ name: String, _ image: RGBImage, _ placement: Placement, noise: Bool) throws {
            let url = directory.appendingPathComponent("\(variants.count).mp4")
            try writeVideo(image, to: url, noise: noise, directory: directory)
            variants.append(Variant(name: name, url: url, isVideo: true, placements: [placement], checksJitter: !noise))
        }
        for factor in [0.5, 2.0] {
            let scaled = picture.scaled(by: factor)
            try still(factor < 1 ? "0.5x" : "2x", scaled, [Placement(scale: Double(scaled.width) / Double(picture.width))])
        }
        try still("mirrored", picture.mirrored(), [Placement(mirrored: true)])
        for degrees in [10.0, -10.0] {
            let turned = picture.rotated(degrees: degrees)
            try still(
                String(format: "turned %+.0f°", degrees), turned,
                [Placement(degrees: degrees, canvas: (turned.width, turned.height))])
        }
        // Videos: even sizes (4:2:0 video), the picture's own and framed in 1280x720.
        let even =
            picture.width % 2 == 0 && picture.height % 2 == 0
            ? picture
            : picture.resized(width: picture.width - picture.width % 2, height: picture.height - picture.height % 2)
        let evenPlacement = Placement(scale: Double(even.width) / Double(picture.width))
        try video("video, own size", even, evenPlacement, noise: false)
        let framed = picture.framed(width: 1280, height: 720)
        try video(
            "video 1280x720", framed.image, Placement(scale: framed.scale, x: Double(framed.x), y: Double(framed.y)),
            noise: false)
        try video("video with noise", even, evenPlacement, noise: true)
        // Side by side with its mirror image, at the picture's height.
        let mirrored = picture.mirrored()
        for count in [2, 3] {
            let copies = (0..<count).map { $0 % 2 == 0 ? picture : mirrored }
            let strip = RGBImage.sideBySide(copies, height: picture.height)
            let placements = strip.placements.enumerated().map { index, placed in
                Placement(scale: placed.scale, mirrored: index % 2 == 1, x: Double(placed.x))
            }
            try still("side by side ×\(count)", strip.image, placements)
        }
        return variants
    }

    private func writePNG(_ image: RGBImage, to url: URL) throws {
        do { try ImageIO.writePNG(image, to: url) } catch {
            throw AnalysisError(.io, "could not write a variant for the consistency check", path: url.path, cause: error)
        }
    }

    /// `image` as a video of `videoSeconds` (H.264, CRF 23), optionally with fresh noise on every frame.
    private func writeVideo(_ image: RGBImage, to url: URL, noise: Bool, directory: URL) throws {
        let source = directory.appendingPathComponent("video-source.png")
        try writePNG(image, to: source)
        defer { try? FileManager.default.removeItem(at: source) }
        do {
            let reader = try VideoReader(url: source, stillImage: StillImageOptions(duration: videoSeconds, frameRate: videoFrameRate))
            let writer = try VideoWriter(outputURL: url, video: reader.video, audio: nil, settings: EncoderSettings(crf: 23))
            var random = NoiseGenerator(seed: 0x5EED)
            while let frame = try reader.nextFrame() {
                if noise { frame.replaceImage(random.noisy(image, amplitude: noiseAmplitude)) }
                try writer.write(frame)
            }
            _ = try writer.finish()
        } catch {
            throw AnalysisError(.io, "could not write a video variant for the consistency check", path: url.path, cause: error)
        }
    }

    // MARK: - Measuring

    private func measure(
        _ face: ReferenceFace, placement: Placement, variant: Variant, analysis: AnalysisResult, raw: SceneMotion?,
        width: Int, height: Int
    ) -> FaceResult {
        let motion = analysis.motion
        let centre = placement.map(face.box.center, width: width, height: height)
        let size = Double(face.box.height) * placement.scale
        let expected = face.pose.map(placement.expected)
        let track = Self.track(near: centre, size: size, in: motion)
        let reportedTooSmall = analysis.rejections.contains { rejection in
            guard case .tooSmall = rejection.reason else { return false }
            let dx = Double(rejection.box.center.x - centre.x), dy = Double(rejection.box.center.y - centre.y)
            return (dx * dx + dy * dy).squareRoot() < 0.5 * size
        }
        var result = FaceResult(
            variant: variant.name, face: face.id, size: size, foundFrames: track?.frames.count ?? 0,
            frames: motion.frameCount, pose: nil, expected: expected, deviation: nil,
            reportedTooSmall: track == nil && reportedTooSmall,
            landmarkJitter: nil, poseJitter: nil, rawLandmarkJitter: nil, rawPoseJitter: nil, failures: [])
        let required = Float(size) >= analyzer.configuration.tracking.minimumFaceSize
        if let track {
            let poses = track.frames.map { Self.angles($0.coefficients.pose) }
            let pose = Angles(
                yaw: Self.median(poses.map(\.yaw)), pitch: Self.median(poses.map(\.pitch)),
                roll: Self.median(poses.map(\.roll)))
            result.pose = pose
            if let expected, let reference = face.pose {
                let differences = [pose.yaw - expected.yaw, pose.pitch - expected.pitch, Self.wrapped(pose.roll - expected.roll)].map(abs)
                result.deviation = differences.max()
                if placement.degrees != 0 {
                    if differences[2] > bounds.rollChange {
                        result.failures.append(
                            String(
                                format: "roll changed by %.1f°, expected %.0f ± %.1f°",
                                Self.wrapped(pose.roll - reference.roll), placement.degrees, bounds.rollChange))
                    }
                    if max(differences[0], differences[1]) > bounds.pose {
                        result.failures.append(
                            String(
                                format: "yaw or pitch moved by %.1f° (at most %.1f°)",
                                max(differences[0], differences[1]), bounds.pose))
                    }
                } else if let deviation = result.deviation, deviation > bounds.pose {
                    result.failures.append(String(format: "pose differs by %.1f° (at most %.1f°)", deviation, bounds.pose))
                }
            }
            if variant.isVideo {
                let statistics = MotionStatistics(measuring: Self.scene(motion, only: track))
                result.landmarkJitter = statistics.landmarkJitter.map(Double.init)
                result.poseJitter = statistics.poseJitterRMSDegrees.map(Double.init)
                if let raw, let rawTrack = Self.track(near: centre, size: size, in: raw) {
                    let rawStatistics = MotionStatistics(measuring: Self.scene(raw, only: rawTrack))
                    result.rawLandmarkJitter = rawStatistics.landmarkJitter.map(Double.init)
                    result.rawPoseJitter = rawStatistics.poseJitterRMSDegrees.map(Double.init)
                }
                if variant.checksJitter {
                    if let jitter = result.landmarkJitter, jitter >= bounds.landmarkJitter {
                        result.failures.append(String(format: "landmark jitter %.2f px (below %.2f)", jitter, bounds.landmarkJitter))
                    }
                    if let jitter = result.poseJitter, jitter >= bounds.poseJitter {
                        result.failures.append(String(format: "pose jitter %.2f° (below %.2f°)", jitter, bounds.poseJitter))
                    }
                }
            }
        }
        let share = Double(result.foundFrames) / Double(max(result.frames, 1))
        if required && share < bounds.foundShare {
            result.failures.append(
                String(
                    format: "found on %d of %d frames (at least %.0f%%)", result.foundFrames, result.frames,
                    bounds.foundShare * 100))
        }
        if !required && track == nil && !reportedTooSmall && size >= 0.8 * Double(analyzer.configuration.tracking.minimumFaceSize) {
            result.failures.append(String(format: "a %.0f px face neither found nor reported as too small", size))
        }
        return result
    }

    /// The track (the longest, if several) whose boxes are centred within half a face of `centre`.
    static func track(near centre: Point2, size: Double, in motion: SceneMotion) -> FaceTrack? {
        let candidates = motion.tracks.filter { track in
            let centres = track.frames.compactMap { $0.box?.center }
            guard !centres.isEmpty else { return false }
            let x = median(centres.map { Double($0.x) }), y = median(centres.map { Double($0.y) })
            return ((x - Double(centre.x)) * (x - Double(centre.x)) + (y - Double(centre.y)) * (y - Double(centre.y))).squareRoot() < 0.5
                * size
        }
        return candidates.max { $0.frames.count < $1.frames.count }
    }

    private static func scene(_ motion: SceneMotion, only track: FaceTrack) -> SceneMotion {
        SceneMotion(
            frameTimes: motion.frameTimes, frameRate: motion.frameRate, frameWidth: motion.frameWidth,
            frameHeight: motion.frameHeight, tracks: [track])
    }

    static func angles(_ pose: HeadPose) -> Angles { PoseDegrees(pose) }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : 0.5 * (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2])
    }

    /// An angle difference in (−180°, 180°].
    private static func wrapped(_ degrees: Double) -> Double {
        var value = degrees.truncatingRemainder(dividingBy: 360)
        if value > 180 { value -= 360 }
        if value <= -180 { value += 360 }
        return value
    }
}

/// Seeded uniform noise for the noisy video variant (xorshift64*; the same seed gives the same frames).
struct NoiseGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    private mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// `image` with independent noise in [−amplitude, amplitude] added to every channel of every pixel.
    mutating func noisy(_ image: RGBImage, amplitude: Int) -> RGBImage {
        var result = image
        let span = UInt64(2 * amplitude + 1)
        result.pixels.withUnsafeMutableBufferPointer { pixels in
            var index = 0
            while index < pixels.count {
                var bits = next()
                // Eight noise values per draw, one byte of entropy each.
                for _ in 0..<8 where index < pixels.count {
                    let offset = Int((bits & 0xFF) * span >> 8) - amplitude
                    bits >>= 8
                    pixels[index] = UInt8(max(0, min(255, Int(pixels[index]) + offset)))
                    index += 1
                }
            }
        }
        return result
    }
}
