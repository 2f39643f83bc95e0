import FacetCompression
import FacetErrors
import FacetMedia
import Foundation

// What a job file asks for, once read and checked: every item with its input, its output and the
// chain and options `facet apply` would take for it. `BatchJobLoader` makes these from the file;
// `BatchState` remembers which are done; `BatchItemRunner` runs one; `SlurmPlan` schedules them.

/// A checked job file: its items (globs expanded, outputs named) and the cluster settings.
public struct BatchJob: Sendable {
    /// The job file, as an absolute path.
    public var file: URL
    /// The job file's format (`format:` at its top).
    public var format: Int
    /// One line saying what the batch does (`summary:`), empty when none.
    public var summary: String
    /// The items, numbered from 1 in the order the file gives them (a glob's matches sorted by path).
    public var items: [BatchItem]
    /// How often a failed item is tried again (`retries:`, or `--retries`).
    public var retries: Int
    /// The `slurm:` section (flags of `facet batch --slurm` override it).
    public var slurm: SlurmSettings

    /// The folder relative paths in the job file are read from: the job file's own.
    public var folder: URL { file.deletingLastPathComponent() }
}

/// One video to make: an input, an output and what to do in between.
public struct BatchItem: Sendable {
    /// The item's number in the batch, from 1 (Slurm's array index, `--task N`).
    public var number: Int
    /// The input video or still image.
    public var input: URL
    /// The output video.
    public var output: URL
    /// The chain and options, as `facet apply` takes them.
    public var settings: BatchItemSettings
    /// The resolved effect chain (the preset's effects, then the `chain:` effects).
    public var chain: EffectChain
    /// Where the item is written in the job file.
    public var location: SourceLocation

    /// The request `facet apply` would make for this item (the output is always replaced: the
    /// batch decides before running whether an existing output may be).
    public var request: ApplyRequest {
        var encoder = EncoderSettings()
        encoder.crf = settings.crf
        encoder.preset = settings.x264Preset.rawValue
        encoder.pixelFormat = settings.pixelFormat
        return ApplyRequest(
            input: input, output: output, chain: chain, encoder: encoder, stillDuration: settings.duration,
            stillFrameRate: settings.fps, audio: settings.audio, overwrite: true)
    }

    /// The pipeline options for this item's renderer, face model and speech model.
    public var pipelineOptions: PipelineOptions {
        var options = PipelineOptions()
        options.analysis.modelName = settings.model
        options.analysis.modelsDirectory = settings.models
        options.renderer = settings.renderer
        options.weights = settings.weights
        options.speechModelDirectory = settings.speechModel
        return options
    }

    /// A digest of everything that decides the output: the input (path, size and modification
    /// time), the output path, the resolved chain with its effects' versions, and every option.
    /// An item is done when its output exists and was made with this fingerprint.
    public var fingerprint: String {
        var hash = SHA256()
        func add(_ name: String, _ value: String?) { hash.update("\(name)=\(value ?? "-")\n") }
        add("input", input.path)
        add("input-file", Self.fileStamp(input))
        add("output", output.path)
        add("chain", chain.description)
        for invocation in chain.invocations {
            add("effect", "\(invocation.descriptor.id)@\(invocation.descriptor.version)")
        }
        add("crf", String(settings.crf))
        add("x264-preset", settings.x264Preset.rawValue)
        add("pix-fmt", settings.pixelFormat.rawValue)
        add("duration", settings.duration.map { String($0) })
        add("fps", settings.fps.map { String($0) })
        add("audio", settings.audio?.path)
        add("audio-file", settings.audio.flatMap(Self.fileStamp))
        add("renderer", settings.renderer.rawValue)
        add("model", settings.model)
        add("models", settings.models?.path)
        add("weights", settings.weights?.path)
        add("weights-file", settings.weights.flatMap(Self.fileStamp))
        add("speech-model", settings.speechModel?.path)
        add("segments", settings.segments?.description)
        return hash.finalize().hexadecimal
    }

    /// The size of a file in bytes, nil when it cannot be read.
    static func fileSize(_ url: URL) -> Int64? {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value
    }

    /// `size:modification time` of a file, nil when it cannot be read.
    static func fileStamp(_ url: URL) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(size):\(modified)"
    }
}

/// The options of one item, with the names `facet apply`'s flags have.
public struct BatchItemSettings: Sendable, Equatable {
    /// A preset name or preset file (`preset:`).
    public var preset: String?
    /// An effect chain in one-line syntax (`chain:`), run after the preset's effects.
    public var chain: String?
    /// `name=value` settings applied to every effect that has the parameter (`set:`).
    public var assignments: [String] = []
    /// H.264 constant rate factor (`crf:`).
    public var crf = 18
    /// x264 speed preset (`x264-preset:`).
    public var x264Preset = X264Preset.veryfast
    /// Output chroma (`pix-fmt:`).
    public var pixelFormat = PixelFormatChoice.auto
    /// For a still image: the video's length in seconds (`duration:`).
    public var duration: Double?
    /// For a still image: frames per second (`fps:`).
    public var fps: Double?
    /// A soundtrack replacing the input's own audio (`audio:`).
    public var audio: URL?
    /// The renderer (`renderer:`).
    public var renderer = RendererChoice.auto
    /// The face model (`model:`).
    public var model = "sfm"
    /// The models directory (`models:`).
    public var models: URL?
    /// PIRender's weights (`weights:`).
    public var weights: URL?
    /// The speech model's folder (`speech-model:`).
    public var speechModel: URL?
    /// Split the input into segments made at once (`segments:`); nil: one piece.
    public var segments: SegmentRequest?

    /// The defaults `facet apply` has.
    public init() {}
}

/// How `facet batch --slurm` asks Slurm for resources (the `slurm:` section of the job file).
public struct SlurmSettings: Sendable, Equatable {
    /// `--partition`; nil: the cluster's default partition.
    public var partition: String?
    /// `--time`, Slurm's time-limit syntax (`30`, `1:30:00`, `2-00:00:00`); nil: the partition's.
    public var timeLimit: String?
    /// `--mem`, e.g. `4G`; nil: the partition's default.
    public var memory: String?
    /// `--cpus-per-task`; nil: 2 (a worker uses two threads).
    public var cpusPerTask: Int?
    /// At most this many array tasks at once (`--array=…%N`); nil: no limit.
    public var maximumParallel: Int?
    /// More `#SBATCH` lines, each written as its option, e.g. `--account=lab` or `--qos=short`.
    public var extraOptions: [String] = []

    /// No settings: Slurm's defaults.
    public init() {}

    /// These settings with every value `other` sets taking its place (flags over the job file).
    public func overridden(by other: SlurmSettings) -> SlurmSettings {
        var merged = self
        if let value = other.partition { merged.partition = value }
        if let value = other.timeLimit { merged.timeLimit = value }
        if let value = other.memory { merged.memory = value }
        if let value = other.cpusPerTask { merged.cpusPerTask = value }
        if let value = other.maximumParallel { merged.maximumParallel = value }
        merged.extraOptions += other.extraOptions
        return merged
    }
}

extension ErrorCode where Domain == HostErrorDomain {
    /// A job file of `facet batch` that cannot be read or has errors (all of them are listed).
    public static var jobFile: Self { Self("job file error") }

    /// An item of a batch failed, or the batch could not run its items (the state, a worker).
    public static var batchFailed: Self { Self("batch failed") }

    /// Slurm's commands are missing, refused the work or the cluster cannot be reached.
    public static var scheduler: Self { Self("scheduler error") }
}
