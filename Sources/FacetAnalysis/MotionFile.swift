import FacetSDK
import Foundation

/// A saved analysis: the motion of every face in one video, so a video is analysed once and
/// edited many times (`facet analyze INPUT -o motion.json`, then `facet apply INPUT --motion
/// motion.json …`).
///
/// The file is JSON with a format name and version at the top; Docs/MotionFiles.md documents
/// every field. Readers refuse a newer version than they know, a file that is not a motion
/// file, and motion that contradicts itself (frames out of order, wrong landmark counts,
/// expression vectors of varying length, frame indices past the end).
public struct MotionFile: Codable, Sendable, Equatable {
    /// The value of `format` in every motion file.
    public static let formatName = "facet-motion"
    /// The format version this Facet writes and the newest it reads.
    public static let currentVersion = 1

    /// Always `facet-motion`.
    public var format: String
    /// The format version the file was written with.
    public var version: Int
    /// What wrote the file, e.g. `facet 0.2.0`.
    public var generator: String
    /// The video the motion was measured on.
    public var source: SourceVideo
    /// How the analysis was configured (detector, landmark model, face model, smoothing).
    public var analysis: [String: String]
    /// The motion: frame times and one track per face.
    public var motion: SceneMotion

    /// The video a motion file describes: enough to refuse applying it to another video.
    public struct SourceVideo: Codable, Sendable, Equatable {
        /// The path the video was read from (informative only; files move).
        public var path: String
        /// Frame width in pixels.
        public var width: Int
        /// Frame height in pixels.
        public var height: Int
        /// Number of frames analysed.
        public var frameCount: Int
        /// Nominal frame rate.
        public var frameRate: Double

        /// Creates a description.
        public init(path: String, width: Int, height: Int, frameCount: Int, frameRate: Double) {
            self.path = path
            self.width = width
            self.height = height
            self.frameCount = frameCount
            self.frameRate = frameRate
        }
    }

    /// Creates a motion file of the current version.
    public init(generator: String, source: SourceVideo, analysis: [String: String] = [:], motion: SceneMotion) {
        self.format = Self.formatName
        self.version = Self.currentVersion
        self.generator = generator
        self.source = source
        self.analysis = analysis
        self.motion = motion
    }

    // MARK: - Reading and writing

    /// Reads and validates a motion file.
    public static func read(from url: URL) throws(AnalysisError) -> MotionFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            guard exists else {
                throw AnalysisError(.fileNotFound, "no motion file here; expected a file written by `facet analyze -o`", path: url.path)
            }
            throw AnalysisError(.malformed, "cannot read the motion file", path: url.path, cause: error)
        }
        return try decode(data, path: url.path)
    }

    /// Decodes and validates motion-file JSON; `path` names the file in errors.
    public static func decode(_ data: Data, path: String) throws(AnalysisError) -> MotionFile {
        // The header first, so a newer or foreign file gets a message about that, not about a field.
        struct Header: Decodable { var format: String?; var version: Int? }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            if let syntax = jsonSyntaxError(data) {
                throw AnalysisError(.malformed, "not a motion file: the JSON breaks off or is malformed at \(syntax)", path: path)
            }
            throw AnalysisError(.malformed, "not a motion file: the content is not a JSON object", path: path, cause: error)
        }
        guard header.format == formatName else {
            throw AnalysisError(
                .malformed, "not a motion file: format is \(header.format.map { "\"\($0)\"" } ?? "missing"); expected \"\(formatName)\"",
                path: path)
        }
        guard let version = header.version else {
            throw AnalysisError(.malformed, "the motion file has no \"version\"; expected 1 … \(currentVersion)", path: path)
        }
        guard (1...currentVersion).contains(version) else {
            throw AnalysisError(
                .incompatible,
                "motion file format version \(version) is newer than this Facet reads (1 … \(currentVersion)); update Facet or re-run `facet analyze`",
                path: path)
        }
        let file: MotionFile
        do {
            file = try JSONDecoder().decode(MotionFile.self, from: data)
        } catch {
            throw AnalysisError(.malformed, "the motion file does not have the expected shape", path: path, cause: error)
        }
        try file.validate(path: path)
        return file
    }

    /// Writes the file atomically (a temporary file beside it, renamed at the end).
    public func write(to url: URL) throws(AnalysisError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let data = try encoder.encode(self)
            try data.write(to: url, options: .atomic)
        } catch {
            throw AnalysisError(.io, "cannot write the motion file", path: url.path, cause: error)
        }
    }

    // MARK: - Validation

    /// Checks the motion is self-consistent and every number inside `MotionLimits.standard`;
    /// throws naming the first problem and where it is.
    public func validate(path: String) throws(AnalysisError) {
        let frameCount = motion.frameTimes.count
        guard frameCount == source.frameCount else {
            throw AnalysisError(
                .malformed, "motion has \(frameCount) frame times but source.frameCount is \(source.frameCount); expected them equal",
                path: path)
        }
        guard motion.frameWidth == source.width, motion.frameHeight == source.height else {
            throw AnalysisError(
                .malformed, "motion is for \(motion.frameWidth)x\(motion.frameHeight) but the source is \(source.width)x\(source.height)",
                path: path)
        }
        var seenIDs = Set<Int>()
        for track in motion.tracks {
            guard seenIDs.insert(track.id).inserted else {
                throw AnalysisError(.malformed, "two tracks have id \(track.id); expected unique ids", path: path)
            }
            let dimension = track.expressionDimension
            if let names = track.expressionNames, !track.frames.isEmpty, names.count != dimension {
                throw AnalysisError(
                    .malformed, "track \(track.id) names \(names.count) expressions but its frames have \(dimension) coefficients",
                    path: path)
            }
            var previous = -1
            for frame in track.frames {
                let place = "track \(track.id), frame \(frame.frameIndex)"
                guard frame.frameIndex > previous else {
                    throw AnalysisError(
                        .malformed, "\(place): frames must be in increasing frameIndex order without duplicates", path: path)
                }
                guard frame.frameIndex < frameCount || frameCount == 0 else {
                    throw AnalysisError(.malformed, "\(place): frameIndex is past the last frame (\(frameCount - 1))", path: path)
                }
                if let landmarks = frame.landmarks, landmarks.count != 68 {
                    throw AnalysisError(.malformed, "\(place): \(landmarks.count) landmarks; expected the 68 iBUG points", path: path)
                }
                guard frame.coefficients.expression.count == dimension else {
                    throw AnalysisError(
                        .malformed,
                        "\(place): \(frame.coefficients.expression.count) expression coefficients; expected \(dimension) like the track's first frame",
                        path: path)
                }
                guard (0...1).contains(frame.confidence) else {
                    throw AnalysisError(.malformed, "\(place): confidence \(frame.confidence) is outside [0, 1]", path: path)
                }
                previous = frame.frameIndex
            }
        }
        if let violation = motion.rangeViolation() {
            throw AnalysisError(.malformed, "motion out of range (see MotionLimits in Docs/MotionFiles.md)", path: path, cause: violation)
        }
    }

    /// Refuses to apply this motion to a video of another size or length.
    ///
    /// `frameCount` is the video's frame count when known (a container's estimate may be off by
    /// a frame or two, so a difference of up to `tolerance` frames is accepted).
    public func checkMatches(
        width: Int, height: Int, frameCount: Int?, tolerance: Int = 2,
        videoPath: String
    ) throws(AnalysisError) {
        guard width == source.width, height == source.height else {
            throw AnalysisError(
                .incompatible,
                "the motion file is for a \(source.width)x\(source.height) video but \(videoPath) is \(width)x\(height); analyse this video with `facet analyze`",
                path: nil)
        }
        if let frameCount, abs(frameCount - source.frameCount) > tolerance {
            throw AnalysisError(
                .incompatible,
                "the motion file has \(source.frameCount) frames but \(videoPath) has about \(frameCount); analyse this video with `facet analyze`",
                path: nil)
        }
    }

    /// Where JSON text stops being valid, as "line L, column C (what)", or nil when it parses.
    /// (JSONDecoder says only "not valid JSON"; JSONSerialization gives the character offset.)
    static func jsonSyntaxError(_ data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            let reason = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? ErrorChain.describe(error)
            var offset = data.count
            if let range = reason.range(of: "character "),
                let number = Int(reason[range.upperBound...].prefix { $0.isNumber })
            {
                offset = min(number, data.count)
            }
            var line = 1, column = 1
            for byte in data.prefix(offset) {
                if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
            }
            return "line \(line), column \(column) (\(reason.trimmingCharacters(in: CharacterSet(charactersIn: "."))))"
        }
    }
}
