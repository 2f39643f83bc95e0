// The contract between the host and every effect.
//
// An effect changes face *motion* — per-frame 3DMM coefficients — never pixels. The host runs
// the whole chain on the motion of a video, then renders the edited motion once per frame.

/// A semantic version `major.minor.patch`.
public struct EffectVersion: Sendable, Equatable, Comparable, CustomStringConvertible, Codable {
    /// Breaking changes to parameters or behaviour.
    public var major: Int
    /// Compatible additions.
    public var minor: Int
    /// Fixes.
    public var patch: Int

    /// Creates a version.
    public init(_ major: Int, _ minor: Int = 0, _ patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `1`, `1.2` or `1.2.3`; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...3).contains(parts.count), parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        self.init(parts[0]!, parts.count > 1 ? parts[1]! : 0, parts.count > 2 ? parts[2]! : 0)
    }

    /// `major.minor.patch`.
    public var description: String { "\(major).\(minor).\(patch)" }

    /// Orders versions by major, then minor, then patch.
    public static func < (lhs: EffectVersion, rhs: EffectVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }
}

/// What an effect may look at in time, around the frame it edits.
///
/// Processing a file, the host gives every effect the whole sequence; a live host gives each
/// frame once `ahead` later frames are known, so a declared window bounds the latency.
public enum TemporalAccess: Sendable, Equatable, CustomStringConvertible {
    /// Each frame depends only on its own motion and time.
    case perFrame
    /// Each frame may read `behind` earlier and `ahead` later frames' motion (and the audio
    /// over the same span).
    case window(behind: Int, ahead: Int)
    /// The effect reads the whole sequence (e.g. aligning a driving video or the whole speech).
    case wholeSequence

    /// A short phrase for effect listings.
    public var description: String {
        switch self {
        case .perFrame: return "per frame"
        case .window(let behind, let ahead): return "window: \(behind) behind, \(ahead) ahead"
        case .wholeSequence: return "whole sequence"
        }
    }
}

/// Inputs besides the face motion that an effect can ask the host for.
public struct EffectInputs: OptionSet, Sendable, Hashable {
    /// The raw option bits.
    public let rawValue: Int
    /// Creates inputs from raw bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The video's audio as 16 kHz mono PCM (`EffectContext.audio`).
    public static let audio = EffectInputs(rawValue: 1 << 0)
    /// Each driving input's audio as 16 kHz mono PCM, beside its motion (`DrivingInput.audio`).
    /// Driving inputs themselves are declared by `DrivingInputParameter`s, not here.
    public static let drivingAudio = EffectInputs(rawValue: 1 << 1)
    /// The timed phones and loudness of the effect's audio (`EffectContext.speech`): the host
    /// analyses the speech once per audio (with the effect's `TranscriptParameter` text, if it
    /// has one) and caches the result by content. Implies `.audio`.
    public static let speech = EffectInputs(rawValue: 1 << 2)

    /// Whether the effect hears the video's audio: it declared `.audio`, or `.speech`, which implies it.
    public var hearsAudio: Bool { !isDisjoint(with: [.audio, .speech]) }
}

/// Everything a host shows and checks about an effect, available without instantiating it.
public struct EffectDescriptor: Sendable, Equatable {
    /// Reverse-DNS identifier, e.g. `org.facet.direct-edit`; unique among loaded effects.
    public let id: String
    /// The effect's own version.
    public let version: EffectVersion
    /// One line saying what the effect does.
    public let summary: String
    /// The parameters, in the order a parameter table lists them.
    public let parameters: [ParameterSpec]
    /// How far in time the effect looks.
    public let temporalAccess: TemporalAccess
    /// Inputs the effect needs besides motion.
    public let inputs: EffectInputs

    /// Creates a descriptor from typed parameter declarations, the way an effect declares its
    /// schema: `parameters: [Self.yaw, Self.pitch, Self.mode]`, listed in table order.
    ///
    /// Stops the program when two declarations share a name: that is a mistake in the effect.
    @_disfavoredOverload
    public init(
        id: String, version: EffectVersion, summary: String, parameters: [any ParameterDeclaration],
        temporalAccess: TemporalAccess = .perFrame, inputs: EffectInputs = []
    ) {
        let specs = parameters.map(\.spec)
        var names = Set<String>()
        for spec in specs where !names.insert(spec.name).inserted {
            fatalError("FacetSDK: effect \(id) declares parameter '\(spec.name)' twice; expected unique names")
        }
        self.init(
            id: id, version: version, summary: summary, parameters: specs, temporalAccess: temporalAccess,
            inputs: inputs)
    }

    /// Creates a descriptor from untyped parameter specs: for descriptors built at run time (a
    /// host decoding a plugin's JSON, a bridge to another plugin format). An effect with a fixed
    /// schema declares typed parameters and uses the other initialiser.
    public init(
        id: String, version: EffectVersion, summary: String, parameters: [ParameterSpec],
        temporalAccess: TemporalAccess = .perFrame, inputs: EffectInputs = []
    ) {
        self.id = id
        self.version = version
        self.summary = summary
        self.parameters = parameters
        self.temporalAccess = temporalAccess
        self.inputs = inputs
    }

    /// The last component of the id (`direct-edit` for `org.facet.direct-edit`), usable in chains.
    public var shortName: String {
        id.split(separator: ".").last.map(String.init) ?? id
    }

    /// The parameter called `name`, if declared.
    public func parameter(named name: String) -> ParameterSpec? {
        parameters.first { $0.name == name }
    }
}

/// Mono audio samples at a known rate, for effects that listen (e.g. speech-driven mouths).
public struct AudioClip: Sendable, Equatable {
    /// Samples per second.
    public let sampleRate: Int
    /// Samples in [-1, 1]; sample `i` is at time `startTime + i / sampleRate`.
    public let samples: [Float]
    /// Time in seconds (video timeline) of the first sample.
    public let startTime: Double

    /// Creates a clip.
    public init(sampleRate: Int, samples: [Float], startTime: Double = 0) {
        self.sampleRate = sampleRate
        self.samples = samples
        self.startTime = startTime
    }

    /// Length in seconds.
    public var duration: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }
}

/// What the host gives an effect while it processes motion.
public struct EffectContext: Sendable {
    /// The video's audio at 16 kHz mono, when the effect asked for `.audio` and the video has sound.
    public let audio: AudioClip?
    /// The face model the coefficients belong to (expression names and named controls); nil when
    /// the host analysed no faces or knows nothing of the model (e.g. motion from a file).
    public let faceModel: FaceModelDescription?
    /// Collects warnings the host shows the user (e.g. a clamped value), prefixed with the effect id.
    public let warn: @Sendable (String) -> Void
    /// The driving inputs of this effect's `DrivingInputParameter`s, keyed by parameter name;
    /// a parameter left empty has no entry.
    public let drivingInputs: [String: DrivingInput]
    /// The speech of `audio`, when the effect asked for `.speech` and the video has sound.
    public let speech: SpeechInput?

    /// Creates a context.
    public init(
        audio: AudioClip? = nil, faceModel: FaceModelDescription? = nil,
        drivingInputs: [String: DrivingInput] = [:], speech: SpeechInput? = nil,
        warn: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.audio = audio
        self.faceModel = faceModel
        self.drivingInputs = drivingInputs
        self.speech = speech
        self.warn = warn
    }

    /// The driving input the host prepared for `parameter`, or nil when none was named.
    public func drivingInput(for parameter: DrivingInputParameter) -> DrivingInput? {
        drivingInputs[parameter.spec.name]
    }
}

/// An effect: a named, versioned transformation of face motion with a typed parameter schema.
///
/// Lifecycle: the host reads `descriptor` (listing, validation) without creating an instance;
/// it validates the parameters of a chain, then creates each effect with `init(parameters:)`
/// before decoding anything; then calls `process(_:context:)` once per video, in chain order.
/// An instance is used from one thread at a time.
public protocol FaceEffect: Sendable {
    /// The effect's identity, version, parameter schema and temporal needs.
    static var descriptor: EffectDescriptor { get }

    /// Creates the effect from validated parameters (defaults filled in). Throw `EffectError`
    /// for combinations the schema alone cannot rule out.
    init(parameters: EffectParameters) throws

    /// Transforms the motion of every face in place. Must not change `frameTimes`, frame size,
    /// track ids or which frames a track covers; may change coefficients and identity.
    func process(_ motion: inout SceneMotion, context: EffectContext) throws
}

// MARK: - Per-frame effects

/// An effect whose every frame depends only on that frame's own coefficients and time.
///
/// Conformers implement one method; `process(_:context:)` is provided.
public protocol PerFrameFaceEffect: FaceEffect {
    /// Edits one face's coefficients in one frame. `time` is the frame's time in seconds;
    /// `track` is the face's whole track as it was before this effect; `context` is the one the
    /// host passed to `process(_:context:)`, with the face model (`context.faceModel`: named
    /// expression controls, coefficient ranges) and `context.warn`. The host shows every
    /// warning it is given and `edit` runs once per face and frame, so warn about a frame only
    /// when each one matters; for a summary ("clamped in 12 frames"), implement
    /// `process(_:context:)` instead.
    func edit(_ coefficients: inout FaceCoefficients, time: Double, track: FaceTrack, context: EffectContext) throws
}

// MARK: - Default implementations

extension PerFrameFaceEffect {
    /// Applies `edit` to every frame of every track, in track and then frame order, passing
    /// `context` on.
    public func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        for trackIndex in motion.tracks.indices {
            let track = motion.tracks[trackIndex]
            for frameIndex in track.frames.indices {
                let time = track.frames[frameIndex].time
                try edit(
                    &motion.tracks[trackIndex].frames[frameIndex].coefficients, time: time, track: track,
                    context: context)
            }
        }
    }
}
