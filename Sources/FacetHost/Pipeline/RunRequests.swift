import FacetMedia
import Foundation

// What a run is asked to do and what it reports: plain values the CLI, a batch runner or a
// library user fill in and read.

/// Everything `facet apply` needs: what to read, what to write, and what to do in between.
public struct ApplyRequest: Sendable {
    /// The input video or still image.
    public var input: URL
    /// The output video (.mp4, .m4v, .mov or .mkv).
    public var output: URL
    /// The effects to run, in order.
    public var chain: EffectChain
    /// Video encoder settings.
    public var encoder: EncoderSettings
    /// For a still-image input: the video's length in seconds (nil: the audio's length, else the
    /// chain's animation length, else 5 s).
    public var stillDuration: Double?
    /// For a still-image input: frames per second of the video made (nil: the frame rate of the
    /// chain's first moving driver, else 25).
    public var stillFrameRate: Double?
    /// A separate audio file to use as the soundtrack (default: the input's own audio).
    public var audio: URL?
    /// Replace an existing output file.
    public var overwrite: Bool
    /// A before | after contact sheet to write alongside the video (nil: none).
    public var contactSheet: ContactSheetRequest?

    /// Creates a request with default encoder settings.
    public init(
        input: URL, output: URL, chain: EffectChain = .empty, encoder: EncoderSettings = EncoderSettings(),
        stillDuration: Double? = nil, stillFrameRate: Double? = nil, audio: URL? = nil, overwrite: Bool = false,
        contactSheet: ContactSheetRequest? = nil
    ) {
        self.contactSheet = contactSheet
        self.input = input
        self.output = output
        self.chain = chain
        self.encoder = encoder
        self.stillDuration = stillDuration
        self.stillFrameRate = stillFrameRate
        self.audio = audio
        self.overwrite = overwrite
    }
}

/// What a run did, for people and (as JSON) for scripts.
public struct ApplyReport: Codable, Sendable {
    /// The input path.
    public var input: String
    /// The output path.
    public var output: String
    /// Frames written.
    public var frames: Int
    /// Output duration in seconds.
    public var duration: Double
    /// Wall-clock seconds of the whole run.
    public var elapsedSeconds: Double
    /// Frames per second processed.
    public var framesPerSecond: Double
    /// How the audio was handled, e.g. "copied aac", "transcoded pcm_s16le → aac", or "none".
    public var audio: String
    /// Length of the audio written, in seconds (nil without audio).
    public var audioDuration: Double?
    /// The effect chain that ran, in one-line syntax.
    public var chain: String
    /// Faces found by analysis.
    public var faces: Int
    /// What analysed the faces and what rendered them.
    public var analysis: String
    /// The renderer.
    public var renderer: String
    /// Damage found while decoding the input (empty when none).
    public var inputDamage: [String]
    /// Warnings from the media layer and the effects.
    public var warnings: [String]
    /// The contact sheet written, if one was asked for.
    public var contactSheet: String?
    /// Where the time went.
    public var timings: StageTimings
    /// The renderer's own account of the run (e.g. the neural renderer's per-stage cost), if any.
    public var rendererStatistics: String?
    /// The driving inputs prepared for the chain, one per file.
    public var drivers: [DriverReport] = []
    /// The speech analysed for effects that declare `.speech`, one per distinct audio and transcript.
    public var speech: [SpeechReport] = []
}

/// Seconds spent in each stage of a run (decoding and encoding make up the rest of the time).
public struct StageTimings: Codable, Sendable, Equatable {
    /// Face analysis (its own decoding pass included) or reading the motion file.
    public var analysisSeconds: Double = 0
    /// Preparing driving inputs: analysing drivers the cache did not have, cache lookups, motion
    /// files, their audio (see `ApplyReport.drivers` for each file's share).
    public var drivingSeconds: Double = 0
    /// Speech analysis of the effects' audio (cache lookups included).
    public var speechSeconds: Double = 0
    /// The effect chain.
    public var effectsSeconds: Double = 0
    /// The renderer, over all frames.
    public var renderSeconds: Double = 0
    /// Face-frames whose coefficients the chain changed: the ones the renderer redrew.
    public var editedFaceFrames: Int = 0

    /// Creates empty timings.
    public init() {}

    /// The renderer's mean cost per edited face and frame, in milliseconds (nil when none was edited).
    public var renderMillisecondsPerFace: Double? {
        editedFaceFrames > 0 ? 1000 * renderSeconds / Double(editedFaceFrames) : nil
    }
}

/// What `facet preview` needs: the input, the chain, and the contact sheet to write (no video).
public struct PreviewRequest: Sendable {
    /// The input video or still image.
    public var input: URL
    /// The effects to run, in order.
    public var chain: EffectChain
    /// The sheet to write and the frames to show.
    public var sheet: ContactSheetRequest
    /// For a still-image input: the length of the video `apply` would make, in seconds (nil: as `apply` decides).
    public var stillDuration: Double?
    /// For a still-image input: frames per second (nil: the first moving driver's, else 25).
    public var stillFrameRate: Double?
    /// A separate soundtrack (effects that follow audio read it).
    public var audio: URL?

    /// Creates a request.
    public init(
        input: URL, chain: EffectChain = .empty, sheet: ContactSheetRequest, stillDuration: Double? = nil,
        stillFrameRate: Double? = nil, audio: URL? = nil
    ) {
        self.input = input
        self.chain = chain
        self.sheet = sheet
        self.stillDuration = stillDuration
        self.stillFrameRate = stillFrameRate
        self.audio = audio
    }
}

/// What a preview run did.
public struct PreviewReport: Codable, Sendable {
    /// The input path.
    public var input: String
    /// The contact sheet written.
    public var output: String
    /// The frames shown, in row order.
    public var frameIndices: [Int]
    /// Their times in seconds.
    public var times: [Double]
    /// The effect chain that ran, in one-line syntax.
    public var chain: String
    /// Faces found by analysis.
    public var faces: Int
    /// What analysed the faces.
    public var analysis: String
    /// The renderer.
    public var renderer: String
    /// Wall-clock seconds of the whole run.
    public var elapsedSeconds: Double
    /// Warnings from analysis and the effects.
    public var warnings: [String]
    /// The speech analysed for effects that declare `.speech`.
    public var speech: [SpeechReport] = []
}
