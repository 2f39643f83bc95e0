import FacetAnalysis
import FacetMedia
import FacetSDK
import Foundation

/// Motion that is already known (e.g. analysed once and re-used for a second pass).
public struct PrecomputedMotion: MotionSource {
    /// The motion every call returns.
    public var motion: SceneMotion
    /// What produced it, for reports.
    public var summary: String

    /// Wraps known motion.
    public init(_ motion: SceneMotion, summary: String) {
        self.motion = motion
        self.summary = summary
    }

    /// Returns the stored motion.
    public func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion { motion }
}

/// Motion read from a motion file written by `facet analyze -o` (analyse once, edit many times).
///
/// The file is read and validated when the source is created, so a bad file is reported before
/// any decoding; it is checked against the video's size and length when the run starts.
public struct MotionFileSource: MotionSource {
    /// The file read.
    public let url: URL
    /// Its content.
    public let file: MotionFile

    /// Reads and validates the motion file.
    public init(url: URL) throws(HostError) {
        self.url = url
        do {
            file = try MotionFile.read(from: url)
        } catch {
            throw HostError(.io, error.description)
        }
    }

    /// The file's motion, after checking it belongs to a video of this size and length.
    public func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion {
        guard let video = info.video else { return file.motion }
        let frames = stillImage.map { Int(($0.duration * $0.frameRate).rounded()) } ?? video.estimatedFrameCount
        do {
            try file.checkMatches(width: video.width, height: video.height, frameCount: frames, videoPath: input.path)
        } catch {
            throw HostError(.invalidArguments, "\(url.path): \(error.message)")
        }
        return file.motion
    }

    /// Names the file.
    public var summary: String { "motion file \(url.lastPathComponent)" }
}
