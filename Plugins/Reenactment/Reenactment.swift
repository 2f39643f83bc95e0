import FacetSDK
import Foundation

/// Reenactment: a driving face's head pose and expression drive the chosen faces of the video.
///
/// The driver is a video, still image or motion file named by `driver`; the host analyses it
/// and hands its motion over (`EffectContext.drivingInput(for:)`), in the driver's own time. For
/// each selected source frame at source time `t` (seconds from the source's first frame):
///
/// 1. **Time.** Driver time `τ = t + offset`, then `fit`: `hold` keeps the driver's first frame
///    before it starts and its last after it ends; `loop` repeats it; `stretch` scales it over
///    the source's length first (`τ = t · driverLength / sourceLength + offset`, then held);
///    `trim` drives only where the driver has frames — outside, the face returns to its own
///    motion over 0.25 s (`TimeMapping.trimEase`) and a warning names the undriven span. A still
///    (or any one-frame driver) drives every frame with its one frame.
/// 2. **Driving sample** `d(τ)`: the driver face's pose, translation and expression, smoothed
///    (zero-phase Gaussian, σ = `smooth` seconds, each frame weighted by the time it stands for)
///    and linearly interpolated at `τ` — times, never frame indices. Where analysis lost the
///    driver face (missing frames and a gap over 1.5 median frame intervals): up to 1 s it is
///    interpolated across; longer, the last value is held 0.25 s, eased to the reference over
///    0.5 s, held there, and eased from the reference to the returning value over the 0.5 s
///    before the face returns. One warning lists the losses. Before the face first appears and
///    after it last appears, the nearest value is held.
/// 3. **Reference** `r`: `first` (the first frame with the face), a time (the frame with the face
///    nearest it), or `auto`: the frame with the lowest score averaged over ±0.2 s, score =
///    |yaw|/10° + |pitch|/10° + |roll|/20° + ‖expression‖₂ / ‖smile control‖₂ + 2·(1 − confidence)
///    (the norm of the model's smile control, else 1): the most frontal, neutral, confident frame.
/// 4. **Relative mode**: pose = source + s_pose·wrap(d − r) (angle differences in (−π, π]);
///    translation = source + s_translation·(d − r); expression = source + s_expression·[s_mouth·MΔ
///    + s_eyes·EΔ + s_brows·BΔ + (Δ − MΔ − EΔ − BΔ)], Δ = d − r, M, E, B the face model's regions
///    (`FaceModelDescription.region(named:)`). **Absolute mode**: the same with `source` in place
///    of `r` and no translation: the head stays where the source's is.
///    Components not listed in `components` get strength 0; the last term (the face outside
///    the regions) is there only with `expression` or `all`. `translation` goes with `pose`.
///    Expressions of different lengths are padded with zeros to the longer.
/// 5. The result is clamped to `PoseLimits` and the model's coefficient ranges
///    (`PlausibilityClamp`), with one warning per pose limit and one for the expression.
///
/// Strengths and `offset` are read at each source frame's time, so they can be keyframed;
/// `smooth` filters the whole driver once and must be constant. Only the selected tracks change,
/// so several invocations with their own `faces` and `driver` compose in one chain.
public struct Reenactment: FaceEffect {
    // MARK: - Parameter table

    /// The driving video, still image or motion file.
    public static let driver = DrivingInputParameter(
        "driver",
        "The driving video, still image or motion file (`facet analyze -o`); a relative path is relative to the preset file that names it, else to the working directory."
    )
    /// Which face of the driver drives.
    public static let driverFace = TextParameter(
        "driver-face", default: "largest",
        "Which face of the driver drives: largest, index:N (counted from the left, 0 is the leftmost) or id:N (a track id); one face drives, so not all."
    )
    /// Which faces of the video are driven (a `FaceSelector`).
    public static let faces = TextParameter(
        "faces", default: "all", "Which faces of the video are driven: all, largest, id:N (a track id), or index:N counted from the left.")
    /// Whether the driver's changes add to the source's motion or replace it.
    public static let mode = ChoiceParameter(
        "mode", default: Mode.relative,
        "relative: add the driver's change from its reference to the source's own motion; absolute: give the faces the driver's pose and expression (each head keeps its own position)."
    )
    /// The driver frame that counts as "no change".
    public static let reference = TextParameter(
        "reference", default: "auto",
        "The driver frame that means no change (relative mode) and that a lost driver face eases to: auto (its most frontal, neutral frame), first, or a time in seconds (e.g. 2.5)."
    )
    /// What the driver drives.
    public static let components = TextParameter(
        "components", default: "all",
        "What the driver drives, comma-separated: pose, expression, mouth, eyes, brows, all (e.g. pose, or mouth,eyes); expression is every region and the rest of the face."
    )
    /// Strength of the head rotation.
    public static let pose = NumberParameter(
        "pose", default: 1, range: 0...2, "Strength of the driver's head rotation: 0 none, 1 as the driver, 2 twice as much.")
    /// Strength of the whole expression.
    public static let expression = NumberParameter(
        "expression", default: 1, range: 0...2, "Strength of the driver's expression; multiplies mouth, eyes and brows.")
    /// Strength of the mouth region.
    public static let mouth = NumberParameter(
        ExpressionRegionName.mouth, default: 1, range: 0...2,
        "Strength of the driver's mouth (lips, jaw, chin); other than 1 it needs the face model's regions.")
    /// Strength of the eyes region.
    public static let eyes = NumberParameter(
        ExpressionRegionName.eyes, default: 1, range: 0...2,
        "Strength of the driver's eyes (lids and the skin around them); other than 1 it needs the face model's regions.")
    /// Strength of the brows region.
    public static let brows = NumberParameter(
        ExpressionRegionName.brows, default: 1, range: 0...2,
        "Strength of the driver's brows and forehead; other than 1 it needs the face model's regions.")
    /// How much of the driver's head movement is added (relative mode).
    public static let translation = NumberParameter(
        "translation", default: 0, range: 0...1,
        "Relative mode only: how much of the driver's head movement (its translation change from the reference, model units) is added to the source's; absolute mode keeps the source's position."
    )
    /// Driver time minus source time, seconds.
    public static let offset = NumberParameter(
        "offset", default: 0, range: -3600...3600, unit: "s", "Driver time = source time (from the source's first frame) + offset.")
    /// How lengths that differ are reconciled.
    public static let fit = ChoiceParameter(
        "fit", default: Fit.hold,
        "When the lengths differ: trim drives only where the driver has frames; loop repeats the driver; hold keeps its last (or, before it starts, first) frame; stretch time-scales it over the source's length."
    )
    /// Smoothing of the driving motion, seconds.
    public static let smooth = NumberParameter(
        "smooth", default: 0.03, range: 0...2, unit: "s",
        "Zero-phase Gaussian smoothing of the driver's motion before it is resampled: σ in seconds, 0 for none; a constant, not keyframes."
    )

    /// Identity, version and parameters.
    public static let descriptor = EffectDescriptor(
        id: "org.facet.reenactment",
        version: EffectVersion(0, 1, 0),
        summary: "Make chosen faces follow the head pose and expression of a face in a driving video, image or motion file.",
        parameters: [
            driver, driverFace, faces, mode, reference, components,
            pose, expression, mouth, eyes, brows, translation, offset, fit, smooth,
        ],
        temporalAccess: .wholeSequence
    )

    /// The values of `mode`.
    public enum Mode: String, CaseIterable, Sendable {
        /// Add the driver's change from its reference to the source's motion.
        case relative
        /// Give the faces the driver's pose and expression; keep their position.
        case absolute
    }

    /// The values of `fit`.
    public enum Fit: String, CaseIterable, Sendable {
        /// Drive only where the driver has frames; elsewhere the face follows its own motion.
        case trim
        /// Repeat the driver.
        case loop
        /// Keep the driver's last frame after it ends and its first before it starts.
        case hold
        /// Time-scale the driver over the source's length.
        case stretch
    }

    /// The strength parameters of the face regions, by `ExpressionRegionName`.
    static let regionStrengths: [String: NumberParameter] = [
        ExpressionRegionName.mouth: mouth, ExpressionRegionName.eyes: eyes, ExpressionRegionName.brows: brows,
    ]

    // MARK: - Setup

    private let parameters: EffectParameters
    private let driverPath: String
    private let driverSelector: FaceSelector
    private let selector: FaceSelector
    private let isAbsolute: Bool
    private let referenceChoice: ReferenceChoice
    private let parts: Components
    private let timeFit: Fit
    private let sigma: Double

    /// Creates the effect from validated parameters; throws for an empty `driver`, a
    /// `driver-face` of `all`, or `faces`, `reference` or `components` text it does not understand.
    public init(parameters: EffectParameters) throws {
        self.parameters = parameters
        driverPath = parameters[Self.driver].trimmingCharacters(in: .whitespaces)
        guard !driverPath.isEmpty else {
            throw EffectError(
                .missingInput,
                "driver is not set; expected a video, image or motion file, e.g. `reenactment:driver=talk.mp4` or `--set driver=talk.mp4`")
        }
        driverSelector = try Self.parseDriverFace(parameters[Self.driverFace])
        selector = try FaceSelector(parsing: parameters[Self.faces])
        isAbsolute = parameters[Self.mode] == .absolute
        referenceChoice = try ReferenceChoice(parsing: parameters[Self.reference])
        parts = try Components(parsing: parameters[Self.components])
        timeFit = parameters[Self.fit]
        guard !parameters.isAnimated(Self.smooth) else {
            throw EffectError(
                .invalidParameter,
                "smooth is keyframed, but it filters the driver's whole motion once; expected a constant, e.g. smooth=0.05")
        }
        sigma = parameters[Self.smooth, at: 0]
    }

    // MARK: - Processing

    /// Drives the selected tracks; every other track is left as it was.
    public func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        guard let driving = context.drivingInput(for: Self.driver) else {
            throw EffectError(
                .missingInput,
                "the host gave no driving input for driver=\(driverPath); expected a host that analyses driving inputs (Facet ≥ 0.8)")
        }
        let driverTrack = try self.driverTrack(in: driving)
        let selected = try selectedTracks(in: motion)
        guard !selected.isEmpty else { return }
        let signal = DrivingSignal(track: driverTrack, of: driving, smooth: sigma)
        let referenceIndex = try ReferenceFrame.index(
            in: signal, choice: referenceChoice, expressionScale: Self.expressionScale(context.faceModel),
            name: driving.fileName, length: driving.duration)
        let isConstant = driving.kind == .still || driving.motion.frameCount <= 1 || signal.isConstant
        let drive = Drive(
            signal: signal, reference: signal.samples[referenceIndex],
            mapping: TimeMapping(fit: timeFit, driverLength: driving.duration, sourceLength: motion.duration, isConstant: isConstant),
            sourceStart: motion.frameTimes.first ?? 0)
        var clamps = PlausibilityClamp()
        for trackIndex in selected {
            try checkModels(source: motion.tracks[trackIndex], driver: driverTrack, driving: driving)
            let dimension = max(motion.tracks[trackIndex].expressionDimension, driverTrack.expressionDimension)
            let regions = try regionMaps(context.faceModel, dimension: dimension)
            drive.apply(
                to: &motion.tracks[trackIndex], effect: self, regions: regions, dimension: dimension, model: context.faceModel,
                clamps: &clamps)
        }
        var warnings = [lossWarning(signal, driving), trimWarning(drive, motion: motion, driving)].compactMap { $0 }
        if isConstant, !isAbsolute {
            warnings.append(
                "driver \(driving.fileName) is one frame, which in relative mode is also its reference, so it changes nothing; "
                    + "expected mode=absolute to give the faces its pose and expression")
        }
        warnings += clamps.warnings
        for warning in warnings { context.warn(warning) }
    }

    /// The time (seconds from the driver's first frame) of the reference frame these parameters
    /// choose in `driving`, with `faceModel` scaling the expression term of `auto`.
    public static func referenceTime(
        in driving: DrivingInput, parameters: EffectParameters, faceModel: FaceModelDescription? = nil
    ) throws -> Double {
        let effect = try Reenactment(parameters: parameters)
        let signal = DrivingSignal(track: try effect.driverTrack(in: driving), of: driving, smooth: effect.sigma)
        let index = try ReferenceFrame.index(
            in: signal, choice: effect.referenceChoice, expressionScale: expressionScale(faceModel), name: driving.fileName,
            length: driving.duration)
        return signal.times[index]
    }

    /// The strengths at source time `time`, times `weight`, with undriven components at 0.
    func strengths(at time: Double, weight: Double) -> Strengths {
        let posePart = parts.pose ? weight : 0
        var regions: [String: Double] = [:]
        for (name, parameter) in Self.regionStrengths where parts.regions.contains(name) {
            regions[name] = parameters[parameter, at: time]
        }
        return Strengths(
            pose: posePart * parameters[Self.pose, at: time],
            translation: isAbsolute ? 0 : posePart * parameters[Self.translation, at: time],
            expression: parts.drivesExpression ? weight * parameters[Self.expression, at: time] : 0,
            regions: regions, rest: parts.rest ? 1 : 0)
    }

    /// The `offset` at source time `time`, seconds.
    func offset(at time: Double) -> Double { parameters[Self.offset, at: time] }

    /// Whether the driver replaces (rather than adds to) the source's pose and expression.
    var replaces: Bool { isAbsolute }

    // MARK: - Helpers

    /// Parses `driver-face`: a `FaceSelector` other than `all`.
    private static func parseDriverFace(_ text: String) throws(EffectError) -> FaceSelector {
        let parsed: FaceSelector
        do {
            parsed = try FaceSelector(parsing: text)
        } catch {
            throw EffectError(
                .invalidParameter, "driver-face \"\(text)\" is not understood; expected largest, index:N or id:N (N ≥ 0)", cause: error)
        }
        guard parsed != .all else {
            throw EffectError(
                .invalidParameter,
                "driver-face=all, but one driver face drives; expected largest, index:N or id:N "
                    + "(to drive several faces, chain one reenactment per face, each with its own faces=)")
        }
        return parsed
    }

    /// The driver's track that `driver-face` picks; an error when the driver shows no face.
    private func driverTrack(in driving: DrivingInput) throws -> FaceTrack {
        let name = driving.fileName
        let showing = "expected a video, image or motion file showing a face"
        guard !driving.motion.tracks.isEmpty else {
            throw EffectError(.missingInput, "driver \(name) has no face track (analysis found no face); \(showing)")
        }
        guard let index = driverSelector.trackIndices(in: driving.motion).first else {
            let ids = driving.motion.tracks.map { String($0.id) }.joined(separator: ", ")
            throw EffectError(
                .invalidParameter,
                "driver-face=\(driverSelector), but driver \(name) has no such face; it has \(driving.motion.tracks.count) "
                    + "face(s), ids \(ids); expected largest, index:0 … index:\(driving.motion.tracks.count - 1) or one of those ids")
        }
        let track = driving.motion.tracks[index]
        guard !track.frames.isEmpty else {
            throw EffectError(.missingInput, "driver \(name) has no face in any frame (face track \(track.id) is empty); \(showing)")
        }
        return track
    }

    /// The tracks `faces` picks; an explicit id or index the video lacks is an error.
    private func selectedTracks(in motion: SceneMotion) throws -> [Int] {
        let selected = selector.trackIndices(in: motion)
        guard selected.isEmpty, !motion.tracks.isEmpty else { return selected }
        let ids = motion.tracks.map { String($0.id) }.joined(separator: ", ")
        switch selector {
        case .trackID(let id):
            throw EffectError(
                .invalidParameter,
                "faces=id:\(id), but the video has no face \(id); its faces are \(ids) (see `facet analyze`), or use all / largest")
        case .leftToRight(let index):
            throw EffectError(
                .invalidParameter,
                "faces=index:\(index), but the video has \(motion.tracks.count) face(s); "
                    + "expected index:0 … index:\(motion.tracks.count - 1), all or largest")
        case .all, .largest:
            return selected
        }
    }

    /// Refuses a driver fitted with another face model than the source track.
    private func checkModels(source: FaceTrack, driver: FaceTrack, driving: DrivingInput) throws {
        guard source.modelName != driver.modelName else { return }
        throw EffectError(
            .invalidMotion,
            "driver \(driving.fileName) was fitted with face model \(driver.modelName), but face \(source.id) of the video with "
                + "\(source.modelName); expected both fitted with one model (analyse the driver with --model \(source.modelName))")
    }

    /// The region maps the strengths and components need, checked against the expression
    /// `dimension`; throws `.missingInput` when a needed one is missing.
    private func regionMaps(_ model: FaceModelDescription?, dimension: Int) throws -> [String: ExpressionRegion] {
        guard parts.drivesExpression else { return [:] }
        var maps: [String: ExpressionRegion] = [:]
        for name in ExpressionRegionName.all where needsMap(name) {
            guard let region = model?.region(named: name) else {
                let why = parts.rest ? "\(name)=\(describe(Self.regionStrengths[name]!))" : "components=\(parameters[Self.components])"
                let source = model.map { "face model \($0.name) has no \(name) region" } ?? "the host gave no face model"
                throw EffectError(
                    .missingInput,
                    "\(why) needs the face model's regions to take the \(name) part of the expression, but \(source); "
                        + "expected the whole expression driven (components=all or expression, with mouth, eyes and brows at 1)")
            }
            guard region.dimension == dimension else {
                throw EffectError(
                    .invalidMotion,
                    "the face model's \(name) region maps \(region.dimension) expression coefficients, but the faces have "
                        + "\(dimension); expected motion fitted with the model the host describes")
            }
            maps[name] = region
        }
        return maps
    }

    /// Whether region `name`'s part of the change is weighed differently from the rest of the face.
    private func needsMap(_ name: String) -> Bool {
        guard parts.regions.contains(name) else { return parts.rest }
        guard parts.rest, let strength = Self.regionStrengths[name] else { return true }
        return parameters.isAnimated(strength) || parameters[strength, at: 0] != 1
    }

    /// A number parameter's value for messages: the constant, or `keyframes`.
    private func describe(_ parameter: NumberParameter) -> String {
        parameters.isAnimated(parameter) ? "keyframes" : ParameterSpec.format(parameters[parameter, at: 0])
    }

    /// ‖smile control‖₂ of the model, the unit of expression in the `auto` score; 1 without one.
    private static func expressionScale(_ model: FaceModelDescription?) -> Double {
        guard let smile = model?.control(named: ExpressionControlName.smile) else { return 1 }
        let norm = smile.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        return norm > 0 ? norm : 1
    }

    /// One sentence listing the spans where the driver face was lost, or nil.
    private func lossWarning(_ signal: DrivingSignal, _ driving: DrivingInput) -> String? {
        let spans = signal.lostSpans
        guard !spans.isEmpty else { return nil }
        let listed = spans.prefix(5).map { span in
            "for \(seconds(span.duration)) s from \(seconds(span.start)) s: "
                + (span.easedToReference ? "held, then eased to its reference" : "interpolated across")
        }
        let more = spans.count > 5 ? "; and \(spans.count - 5) more" : ""
        return "driver face lost in \(driving.fileName) " + listed.joined(separator: "; ") + more
    }

    /// One sentence naming where `fit: trim` leaves the faces undriven, or nil.
    private func trimWarning(_ drive: Drive, motion: SceneMotion, _ driving: DrivingInput) -> String? {
        let times = motion.frameTimes.map { $0 - drive.sourceStart }
        var spans: [(start: Double, end: Double)] = []
        for (index, time) in times.enumerated()
        where drive.mapping.isUndriven(sourceTime: time, offset: offset(at: motion.frameTimes[index])) {
            let end = index + 1 < times.count ? times[index + 1] : motion.duration
            if let last = spans.last, last.end >= time - 1e-9 { spans[spans.count - 1].end = end } else { spans.append((time, end)) }
        }
        guard !spans.isEmpty else { return nil }
        let listed = spans.map { "\(seconds($0.start)) s to \(seconds($0.end)) s" }.joined(separator: ", ")
        return "fit=trim: driver \(driving.fileName) is \(seconds(driving.duration)) s long, so the faces follow their own motion "
            + "from \(listed) (source time); expected that, or fit=loop, hold or stretch to drive the whole video"
    }
}

/// What drives every selected track: the signal, its reference and the time mapping.
private struct Drive {
    /// The driving face's motion.
    let signal: DrivingSignal
    /// The reference sample.
    let reference: DrivingSample
    /// Source time to driver time.
    let mapping: TimeMapping
    /// Time of the source's first frame, seconds.
    let sourceStart: Double

    /// Drives every frame of `track` (the source's own values where the weight is 0).
    func apply(
        to track: inout FaceTrack, effect: Reenactment, regions: [String: ExpressionRegion], dimension: Int,
        model: FaceModelDescription?, clamps: inout PlausibilityClamp
    ) {
        for index in track.frames.indices {
            let time = track.frames[index].time
            var coefficients = track.frames[index].coefficients
            let (driverTime, weight) = mapping.map(sourceTime: time - sourceStart, offset: effect.offset(at: time))
            guard weight > 0 else {
                coefficients.expression = Retargeting.padded(coefficients.expression, dimension)
                track.frames[index].coefficients = coefficients
                continue
            }
            let driving = signal.value(at: driverTime, reference: reference)
            let strengths = effect.strengths(at: time, weight: weight)
            if effect.replaces {
                Retargeting.absolute(&coefficients, driving: driving, strengths: strengths, regions: regions, dimension: dimension)
            } else {
                Retargeting.relative(
                    &coefficients, driving: driving, reference: reference, strengths: strengths, regions: regions, dimension: dimension)
            }
            clamps.clamp(&coefficients.pose)
            if let model { clamps.clamp(&coefficients.expression, to: model) }
            track.frames[index].coefficients = coefficients
        }
    }
}
