import FacetMedia
import FacetMorphableModel
import FacetNeural
import FacetPIRender
import FacetSDK
import Foundation

// The neural render stage (PIRenderer, Ren et al., ICCV 2021): per edited face, crop the frame as
// PIRender's VoxCeleb training data was cropped, drive the generator with the edited motion, and
// composite its 256×256 output back inside a feathered face mask.

/// Turns a face crop and a driving window into a generated face: PIRender's generator, or a
/// stand-in that lets the crop/paste pipeline be tested without weights.
protocol FaceImageGenerator: AnyObject {
    /// The side R of the square crops it takes and returns.
    var cropResolution: Int { get }
    /// Half the driving window: the window holds 2·radius + 1 frames.
    var windowRadius: Int { get }
    /// The generated face, (1, 3, R, R) in [−1, 1], for `source` (1, 3, R, R) in [−1, 1] and
    /// `driving` (1, 73, 2·radius + 1); valid until the next call.
    func generate(source: Tensor, driving: Tensor) throws(RenderError) -> Tensor
}

extension PIRenderGenerator: FaceImageGenerator {
    var cropResolution: Int { config.resolution }
    var windowRadius: Int { config.semanticRadius }

    func generate(source: Tensor, driving: Tensor) throws(RenderError) -> Tensor {
        do {
            return try forward(inputImage: source, drivingCoefficients: driving).fakeImage
        } catch {
            throw RenderError(.generator, "the PIRender generator failed", cause: error)
        }
    }
}

/// Where the neural renderer's time goes, summed over every face it generated.
public struct NeuralRenderStatistics: Sendable, Equatable {
    /// Frames in which at least one face was generated.
    public var framesRendered = 0
    /// Faces generated (one generator pass each).
    public var facesRendered = 0
    /// Edited faces left as decoded because their frame has no 68 landmarks to frame them.
    public var facesWithoutLandmarks = 0
    /// Reading the crop from the frame and building the driving window.
    public var crop: Duration = .zero
    /// The generator passes.
    public var generator: Duration = .zero
    /// Colour matching and writing the face back.
    public var paste: Duration = .zero

    /// Creates empty statistics.
    public init() {}

    /// Mean milliseconds per generated face of (crop, generator, paste).
    public var millisecondsPerFace: (crop: Double, generator: Double, paste: Double) {
        let faces = Double(max(facesRendered, 1))
        func milliseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) * 1e-15
        }
        return (milliseconds(crop) / faces, milliseconds(generator) / faces, milliseconds(paste) / faces)
    }

    /// One line for reports, e.g. "12 faces in 12 frames; per face: crop 4.1 ms, generator 1010 ms, paste 6.3 ms".
    public var summary: String {
        let (crop, generator, paste) = millisecondsPerFace
        var text =
            "\(facesRendered) faces in \(framesRendered) frames; per face: crop \(String(format: "%.1f", crop)) ms, "
            + "generator \(String(format: "%.0f", generator)) ms, paste \(String(format: "%.1f", paste)) ms"
        if facesWithoutLandmarks > 0 { text += "; \(facesWithoutLandmarks) edited faces without landmarks left unchanged" }
        return text
    }
}

/// Renders edited faces with the PIRender generator.
///
/// Needs generator weights and the face model PIRender's coefficients belong to: the BFM with
/// Deep3DFaceRecon's 64-component PCA expression space, as converted by
/// `facet models convert-bfm`. Ask `availability(model:weights:)` first to tell the user which
/// renderer runs and why.
///
/// Per frame and per face whose coefficients differ from the source's:
/// 1. crop: a square around the face, framed (from the 68 landmarks, smoothed over the track)
///    so that Deep3DFaceRecon's alignment reports s ≈ 1, t ≈ (128, 128) as on VoxCeleb
///    (`FaceFramer`), resampled to R×R RGB in [−1, 1];
/// 2. generate: the driving window holds the edited expression, angles and translation of the
///    frames k−13 … k+13 of the track (clamped at its ends) and the source crop parameters of
///    those frames (`FaceAlignment`);
/// 3. paste: the output is colour-matched to the source crop inside the face mask and written
///    into the frame's own planes inside the feathered `FaceMask` only; every other pixel stays
///    bit-identical.
///
/// ```swift
/// let check = NeuralRenderer.availability(model: model, weights: weightsURL)
/// guard check.isAvailable else { print(check.message); return }
/// var renderer = try NeuralRenderer(model: model!, weights: weightsURL!)
/// try renderer.render(frame, source: motion, edited: editedMotion)
/// print(renderer.statistics.summary)
/// ```
public struct NeuralRenderer: FrameRenderer {
    /// Whether the neural renderer can run, and if not, everything that is missing.
    public struct Availability: Sendable, Equatable {
        /// What is missing or unsuitable, one sentence each; empty when the renderer can run.
        public var problems: [String]
        /// True when weights and a compatible model are configured.
        public var isAvailable: Bool { problems.isEmpty }
        /// A message for the user: "neural renderer (PIRender) available", or the problems.
        public var message: String {
            isAvailable
                ? "neural renderer (PIRender) available"
                : "neural renderer (PIRender) unavailable: " + problems.joined(separator: "; ")
        }
    }

    /// The expression dimension PIRender was trained with (Deep3DFaceRecon's coeff[80:144]).
    public static let expressionDimension = 64

    /// Whether weights and a compatible model are configured (the weights file must exist; its
    /// contents are checked when the renderer is created).
    public static func availability(model: MorphableModel?, weights: URL?) -> Availability {
        var problems: [String] = []
        if let weights {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: weights.path, isDirectory: &isDirectory) {
                problems.append("the PIRender weights file \(weights.path) was not found")
            } else if isDirectory.boolValue {
                problems.append("the PIRender weights path \(weights.path) is a folder, not a weights file")
            } else if let problem = weightsFormatProblem(weights) {
                problems.append(problem)
            }
        } else {
            problems.append("no PIRender weights file configured (a safetensors state_dict or the official .pth checkpoint)")
        }
        if let model {
            if let problem = modelProblem(model) { problems.append(problem) }
        } else {
            problems.append(
                "no face model configured: PIRender needs the 64-component PCA expression space of the BFM "
                    + "converted with `facet models convert-bfm`")
        }
        return Availability(problems: problems)
    }

    /// Why the file at `url` cannot be PIRender's weights, judged from its first bytes (so a
    /// broken file is named even when the model is what stops the renderer): a safetensors file
    /// starts with its header's length and `{`, a PyTorch checkpoint is a zip (`PK`) or a pickle
    /// (0x80). Nil when it looks like one of them.
    static func weightsFormatProblem(_ url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            return "the PIRender weights file \(url.path) cannot be read"
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 9)) ?? Data())
        if head.count >= 2, head[0] == 0x50, head[1] == 0x4B { return nil }  // zip: the official .pth
        if let first = head.first, first == 0x80 { return nil }  // a legacy pickle
        if head.count == 9, head[8] == UInt8(ascii: "{") {
            let length = head[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? UInt64) ?? 0
            if length > 1, length + 8 <= size { return nil }
        }
        return "the PIRender weights file \(url.path) is neither a safetensors file nor a PyTorch checkpoint "
            + "(\(head.isEmpty ? "it is empty" : "its first bytes are " + head.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " "))); "
            + "expected PIRender's weights"
    }

    /// Why `model` cannot drive PIRender, or nil when it can.
    static func modelProblem(_ model: MorphableModel) -> String? {
        let needed =
            "PIRender needs the \(expressionDimension)-component PCA expression space of the BFM converted with "
            + "`facet models convert-bfm`"
        switch model.expressionKind {
        case .blendshapes:
            return "model \"\(model.name)\" has \(model.expressionCount) blendshape expressions but \(needed)"
        case .pca where model.expressionCount != expressionDimension:
            return "model \"\(model.name)\" has a \(model.expressionCount)-component PCA expression space but \(needed)"
        case .pca:
            let layout = model.convention.coefficientLayout ?? ""
            guard layout.contains("Deep3DFaceRecon") else {
                return "model \"\(model.name)\" has \(expressionDimension) PCA expression components but not in "
                    + "Deep3DFaceRecon's layout (its layout: \(layout.isEmpty ? "not stated" : layout)); \(needed)"
            }
            return nil
        }
    }

    /// The generator's work so far: faces rendered and the time split (crop, generator, paste).
    public private(set) var statistics = NeuralRenderStatistics()
    /// The framing of PIRender's input crops.
    public var framer = FaceFramer()

    private let model: MorphableModel
    private let workspace: Workspace

    /// A renderer for `model` with the PIRender weights at `weights` (safetensors, or the
    /// official `.pth` checkpoint's `net_G_ema`), running on `threads` compute threads.
    ///
    /// - Parameters:
    ///   - config: the generator's hyper-parameters; nil takes the weights file's `config`
    ///     metadata, else config/face.yaml's.
    ///   - threads: compute threads of the neural engine (a process-wide setting).
    /// - Throws: `RenderError(.unavailable)` when the weights are not configured or the model is
    ///   incompatible; `RenderError(.generator)` when the weights cannot be read or do not fit.
    public init(model: MorphableModel, weights: URL, config: PIRenderConfig? = nil, threads: Int = 2) throws(RenderError) {
        let check = Self.availability(model: model, weights: weights)
        guard check.isAvailable else { throw RenderError(.unavailable, check.message) }
        guard threads >= 1 else { throw RenderError(.invalidArgument, "threads must be at least 1; got \(threads)") }
        let generator: PIRenderGenerator
        do {
            let file = try WeightFiles.load(weights)
            generator = try PIRenderGenerator(weights: file, config: config, source: weights.path)
        } catch {
            throw RenderError(.generator, "cannot load the PIRender weights \(weights.path)", cause: error)
        }
        ComputeThreads.set(threads)
        try self.init(model: model, generator: generator)
    }

    /// A renderer around any generator (tests use a stand-in).
    init(model: MorphableModel, generator: any FaceImageGenerator) throws(RenderError) {
        if let problem = Self.modelProblem(model) { throw RenderError(.unavailable, problem) }
        self.model = model
        workspace = Workspace(generator: generator)
    }

    /// Describes the renderer.
    /// Faces rendered and the time spent cropping, generating and pasting.
    public var statisticsSummary: String? { statistics.summary }

    public var summary: String { "neural (PIRender, \(workspace.generator.cropResolution)×\(workspace.generator.cropResolution))" }

    /// Re-renders every face of `frame` whose edited coefficients differ from the source's.
    public mutating func render(_ frame: VideoFrame, source: SceneMotion, edited: SceneMotion) throws {
        let jobs = try faceJobs(frameIndex: frame.index, frameHeight: frame.height, source: source, edited: edited)
        guard !jobs.isEmpty else { return }
        var statistics = self.statistics
        let workspace = self.workspace
        do {
            try frame.withWritablePlanes { picture in
                for job in jobs { try workspace.render(job, into: picture, statistics: &statistics) }
            }
        } catch let error as RenderError {
            self.statistics = statistics
            throw error
        } catch {
            self.statistics = statistics
            throw RenderError(.pixels, "frame \(frame.index): cannot write the generated faces", cause: error)
        }
        statistics.framesRendered += 1
        self.statistics = statistics
    }

    /// One face to generate in the current frame.
    struct FaceJob {
        var track: FaceTrack
        var position: Int
        var framing: TrackFraming
        var landmarks: [Point2]
        var cameraDistance: Float
    }

    /// The faces of frame `frameIndex` that the edit changed and that can be framed.
    mutating func faceJobs(
        frameIndex: Int, frameHeight: Int, source: SceneMotion,
        edited: SceneMotion
    ) throws(RenderError) -> [FaceJob] {
        var jobs: [FaceJob] = []
        for track in edited.tracks {
            guard let position = track.position(ofFrame: frameIndex),
                let sourceTrack = source.tracks.first(where: { $0.id == track.id }),
                let sourcePosition = sourceTrack.position(ofFrame: frameIndex)
            else { continue }
            let sourceFace = sourceTrack.frames[sourcePosition]
            guard sourceFace.coefficients != track.frames[position].coefficients else { continue }
            try checkTrack(track)
            guard let landmarks = sourceFace.landmarks, landmarks.count == 68 else {
                statistics.facesWithoutLandmarks += 1
                continue
            }
            let framing = try workspace.framing(of: sourceTrack, frameHeight: frameHeight, framer: framer)
            jobs.append(
                FaceJob(
                    track: track, position: position, framing: framing, landmarks: landmarks,
                    cameraDistance: model.convention.cameraDistance ?? 10))
        }
        return jobs
    }

    private func checkTrack(_ track: FaceTrack) throws(RenderError) {
        guard track.modelName == model.name, track.expressionBasis == .pca else {
            throw RenderError(
                .incompatible,
                "track \(track.id) was fitted with model \"\(track.modelName)\" "
                    + "(\(track.expressionBasis.rawValue) expressions) but the neural renderer drives PIRender "
                    + "with \"\(model.name)\"'s \(Self.expressionDimension) PCA expression coefficients: "
                    + "analyse the video with that model")
        }
    }

    /// The (1, 73, 2·radius+1) driving window of track position `position`: edited expression,
    /// angles and translation of each window frame (indices clamped to the track), with the
    /// crop parameters of the source frame at the same video frame.
    static func drivingWindow(
        track: FaceTrack, position: Int, framing: TrackFraming, radius: Int,
        cameraDistance: Float, into output: Tensor
    ) throws(RenderError) {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(2 * radius + 1)
        for offset in -radius...radius {
            let index = min(max(position + offset, 0), track.frames.count - 1)
            let face = track.frames[index]
            let coefficients = face.coefficients
            guard coefficients.expression.count == expressionDimension else {
                throw RenderError(
                    .incompatible,
                    "track \(track.id) frame \(face.frameIndex) has \(coefficients.expression.count) "
                        + "expression coefficients; PIRender expects \(expressionDimension)")
            }
            let angles = Deep3DFaceRecon.angles(coefficients.pose)
            let translation = coefficients.translation
            do {
                vectors.append(
                    try DrivingWindow.coefficients(
                        expression: coefficients.expression, angles: [angles.x, angles.y, angles.z],
                        translation: [translation.x, translation.y, translation.z + cameraDistance],
                        crop: framing.cropParameters(frameIndex: face.frameIndex)))
            } catch {
                throw RenderError(.invalidArgument, "driving window of track \(track.id)", cause: error)
            }
        }
        do {
            try DrivingWindow.fill(output, frames: vectors, center: radius, radius: radius)
        } catch {
            throw RenderError(.invalidArgument, "driving window of track \(track.id)", cause: error)
        }
    }
}

/// A source track's crop boxes and crop parameters, computed once per track.
struct TrackFraming {
    /// Frame indices of the source track, in order.
    var frameIndices: [Int]
    /// The smoothed crop box of every source frame.
    var boxes: [FaceCropBox]
    /// Deep3DFaceRecon's (s, t_x, t_y) of every source frame inside its box, at the framing's
    /// reference resolution (PIRender's 256).
    var cropParameters: [[Float]]

    /// The position of the source frame nearest to `frameIndex`.
    func position(nearest frameIndex: Int) -> Int {
        var low = 0, high = frameIndices.count - 1
        while low < high {
            let middle = (low + high) / 2
            if frameIndices[middle] < frameIndex { low = middle + 1 } else { high = middle }
        }
        if low > 0, abs(frameIndices[low - 1] - frameIndex) <= abs(frameIndices[low] - frameIndex) { return low - 1 }
        return low
    }

    /// The crop box for video frame `frameIndex`.
    func box(frameIndex: Int) -> FaceCropBox { boxes[position(nearest: frameIndex)] }

    /// The crop parameters for video frame `frameIndex`.
    func cropParameters(frameIndex: Int) -> [Float] { cropParameters[position(nearest: frameIndex)] }

    /// Frames a source track: smoothed boxes, and the crop parameters of each frame's landmarks.
    init(track: FaceTrack, frameHeight: Int, framer: FaceFramer) throws(RenderError) {
        frameIndices = track.frames.map(\.frameIndex)
        boxes = try framer.boxes(track: track, frameHeight: frameHeight)
        let resolution = framer.targetResolution
        var parameters: [[Float]?] = []
        for (frame, box) in zip(track.frames, boxes) {
            if let landmarks = frame.landmarks, landmarks.count == 68,
                let fit = try? FaceAlignment.fit(
                    landmarks: box.cropLandmarks(landmarks, resolution: resolution),
                    imageHeight: resolution)
            {
                parameters.append(fit.cropParameters)
            } else {
                parameters.append(nil)
            }
        }
        let known = parameters.indices.filter { parameters[$0] != nil }
        cropParameters = parameters.indices.map { index in
            parameters[index] ?? parameters[known.min { abs($0 - index) < abs($1 - index) }!]!
        }
    }
}

/// The renderer's reusable state: generator, scratch tensors and buffers, framing per track.
final class Workspace {
    let generator: any FaceImageGenerator
    /// The crop fed to the generator, (1, 3, R, R) in [−1, 1].
    let crop: Tensor
    /// The driving window, (1, 73, 2·radius + 1).
    let driving: Tensor
    let sampler: FaceCropSampler
    let paster = FacePaster()
    /// Mask weight per crop pixel (R·R) for the colour statistics.
    var cropWeights: [Float] = []
    /// Framing per source track id, with the track it was computed from.
    private var framings: [Int: (track: FaceTrack, framing: TrackFraming)] = [:]

    init(generator: any FaceImageGenerator) {
        self.generator = generator
        let resolution = generator.cropResolution
        crop = Tensor(shape: [1, 3, resolution, resolution])
        driving = Tensor(shape: [1, DrivingWindow.coefficientCount, 2 * generator.windowRadius + 1])
        sampler = FaceCropSampler(resolution: resolution)
    }

    func framing(of track: FaceTrack, frameHeight: Int, framer: FaceFramer) throws(RenderError) -> TrackFraming {
        if let cached = framings[track.id], cached.track.frames.count == track.frames.count,
            cached.track.frames.first?.frameIndex == track.frames.first?.frameIndex,
            cached.track.frames.last?.landmarks == track.frames.last?.landmarks
        {
            return cached.framing
        }
        let framing = try TrackFraming(track: track, frameHeight: frameHeight, framer: framer)
        framings[track.id] = (track, framing)
        return framing
    }

    /// Crops, generates and pastes one face.
    func render(
        _ job: NeuralRenderer.FaceJob, into picture: WritablePicture,
        statistics: inout NeuralRenderStatistics
    ) throws(RenderError) {
        let clock = ContinuousClock()
        let start = clock.now
        let frameIndex = job.track.frames[job.position].frameIndex
        let box = job.framing.box(frameIndex: frameIndex)
        try sampler.sample(picture, box: box, into: crop)
        try NeuralRenderer.drivingWindow(
            track: job.track, position: job.position, framing: job.framing,
            radius: generator.windowRadius, cameraDistance: job.cameraDistance, into: driving)
        let cropped = clock.now
        let generated = try generator.generate(source: crop, driving: driving)
        let ran = clock.now
        let mask = try FaceMask(landmarks: job.landmarks)
        FacePaster.cropWeights(mask: mask, box: box, resolution: generator.cropResolution, into: &cropWeights)
        let transfer = ColourTransfer.matching(generated: generated, source: crop, weights: cropWeights)
        paster.paste(generated, box: box, transfer: transfer, mask: mask, into: picture)
        let pasted = clock.now
        statistics.crop += cropped - start
        statistics.generator += ran - cropped
        statistics.paste += pasted - ran
        statistics.facesRendered += 1
    }
}
