import FacetSDK

/// Semantic edits of chosen faces: head pose in degrees, head position, and named expressions,
/// every number constant or keyframed.
///
/// Order of operations per frame: take the source's coefficients (or, with `motion: freeze`,
/// the pose and expression of the frame at `freeze-at`); scale the expression towards neutral by
/// `neutralise`; add (relative mode) or set (absolute mode) the pose; shift the head; add each
/// named expression control times its strength; clamp to plausible limits (see `Limits`), warning
/// once per effect with the limit that was applied.
public struct DirectEdit: FaceEffect {
    // MARK: - Parameter table

    /// Turn left/right, degrees.
    public static let yaw = NumberParameter(
        "yaw", default: 0, range: -45...45, unit: "deg", "Turn left/right; positive turns the face to the viewer's right (its own left).")
    /// Nod, degrees.
    public static let pitch = NumberParameter("pitch", default: 0, range: -30...30, unit: "deg", "Nod; positive tilts the chin down.")
    /// Tilt in the image plane, degrees.
    public static let roll = NumberParameter(
        "roll", default: 0, range: -30...30, unit: "deg", "Tilt in the image plane; positive is counter-clockwise.")
    /// Whether the angles add to the source's pose or replace it.
    public static let mode = ChoiceParameter(
        "mode", default: PoseMode.relative, "Add the angles to the source's pose, or replace it by them.")
    /// Move right, model units.
    public static let shiftX = NumberParameter(
        "shift-x", default: 0, range: -50...50, unit: "mm", "Move the head right (model units; millimetres for the Surrey model).")
    /// Move up, model units.
    public static let shiftY = NumberParameter("shift-y", default: 0, range: -50...50, unit: "mm", "Move the head up.")
    /// Move towards the camera, model units.
    public static let shiftZ = NumberParameter(
        "shift-z", default: 0, range: -100...100, unit: "mm", "Move the head towards the camera (it grows).")
    /// Strength of the `smile` control.
    public static let smile = NumberParameter(
        ExpressionControlName.smile, default: 0, range: -1...1.5, "Smile strength; 1 is a full smile, negative removes the source's smile.")
    /// The smile strength up to which the lips keep their opening.
    public static let smilePartsLips = NumberParameter(
        "smile-parts-lips", default: 1, range: 0...1.5,
        "The smile strength up to which a smile keeps the lips' opening as it was (closed lips stay closed); only the part of a smile beyond it parts them. 0 lets every smile part the lips as the face model's smile does."
    )
    /// Strength of the `mouth-open` control.
    public static let mouthOpen = NumberParameter(
        ExpressionControlName.mouthOpen, default: 0, range: -1...1.5, "Open the mouth (drop the jaw); 1 parts the lips by about 2 cm.")
    /// Strength of the `eyes-closed` control.
    public static let eyesClosed = NumberParameter(
        ExpressionControlName.eyesClosed, default: 0, range: -1...1,
        "Close both eyes; 1 shuts them, negative opens them wider than the source.")
    /// Strength of the `left-eye-closed` control.
    public static let leftEyeClosed = NumberParameter(
        ExpressionControlName.leftEyeClosed, default: 0, range: -1...1, "Close the subject's left eye (on the viewer's right): a wink.")
    /// Strength of the `right-eye-closed` control.
    public static let rightEyeClosed = NumberParameter(
        ExpressionControlName.rightEyeClosed, default: 0, range: -1...1, "Close the subject's right eye (on the viewer's left).")
    /// Strength of the `brows-raised` control.
    public static let browsRaised = NumberParameter(ExpressionControlName.browsRaised, default: 0, range: -1...1.5, "Raise both eyebrows.")
    /// One of the face model's own expressions, by name.
    public static let expression = TextParameter(
        "expression", default: "",
        "One of the face model's own expressions by name (e.g. surprise, anger, or pc3 for a PCA model); `facet models list` lists them.")
    /// Strength of `expression`.
    public static let expressionStrength = NumberParameter("expression-strength", default: 1, range: -1...1.5, "Strength of `expression`.")
    /// How much of the source's own expression is taken away.
    public static let neutralise = NumberParameter(
        "neutralise", default: 0, range: 0...1,
        "Take the source's own expression away: 0 keeps it, 1 makes the face neutral before the controls above apply.")
    /// Whether the source's head motion and expression are kept or frozen.
    public static let motion = ChoiceParameter(
        "motion", default: MotionMode.keep,
        "Keep the source's own head motion and expression, or freeze them at `freeze-at` (the head still follows the source's position).")
    /// The time whose pose and expression a frozen face keeps, seconds.
    public static let freezeAt = NumberParameter(
        "freeze-at", default: 0, range: 0..., unit: "s", "With motion: freeze, the time whose pose and expression every frame takes.")
    /// Which faces are edited (a `FaceSelector`).
    public static let faces = TextParameter(
        "faces", default: "all", "Which faces: all, largest, id:N (a track id), or index:N counted from the left (0 is the leftmost).")

    /// Identity, version and parameters.
    public static let descriptor = EffectDescriptor(
        id: "org.facet.direct-edit",
        version: EffectVersion(0, 2, 1),
        summary: "Turn, tilt and move the head by exact amounts and set expressions (smile, mouth, eyes, brows), constant or keyframed.",
        parameters: [
            yaw, pitch, roll, mode, shiftX, shiftY, shiftZ,
            smile, smilePartsLips, mouthOpen, eyesClosed, leftEyeClosed, rightEyeClosed, browsRaised,
            expression, expressionStrength, neutralise, motion, freezeAt, faces,
        ],
        temporalAccess: .perFrame
    )

    /// The values of `mode`.
    public enum PoseMode: String, CaseIterable, Sendable {
        /// Add the angles to the source's pose.
        case relative
        /// Replace the source's pose by the angles.
        case absolute
    }

    /// The values of `motion`.
    public enum MotionMode: String, CaseIterable, Sendable {
        /// Keep the source's own head motion and expression.
        case keep
        /// Every frame takes the pose and expression of the frame at `freeze-at`.
        case freeze
    }

    /// The plausibility limits of the edited pose (the SDK's, shared with every effect that
    /// writes poses); results beyond a limit are clamped with a warning.
    public typealias Limits = PoseLimits

    /// The strength parameters of the standard expression controls, in table order; each is
    /// named after its control (`ExpressionControlName`).
    static let controlParameters = [smile, mouthOpen, eyesClosed, leftEyeClosed, rightEyeClosed, browsRaised]

    // MARK: - Setup

    private let parameters: EffectParameters
    private let isAbsolute: Bool
    private let freezes: Bool
    private let selector: FaceSelector
    private let modelExpression: String

    /// Creates the effect from validated parameters.
    public init(parameters: EffectParameters) throws {
        self.parameters = parameters
        self.isAbsolute = parameters[Self.mode] == .absolute
        self.freezes = parameters[Self.motion] == .freeze
        self.selector = try FaceSelector(parsing: parameters[Self.faces])
        self.modelExpression = parameters[Self.expression].trimmingCharacters(in: .whitespaces)
    }

    // MARK: - Processing

    /// Edits the selected tracks only.
    public func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        let selected = try selectedTracks(in: motion)
        let controls = try controlsInUse(context.faceModel)
        var clamps = PlausibilityClamp()
        for trackIndex in selected {
            let track = motion.tracks[trackIndex]
            let frozen = freezes ? Self.frame(of: track, nearest: parameters[Self.freezeAt, at: 0]) : nil
            for frameIndex in track.frames.indices {
                let frame = track.frames[frameIndex]
                var coefficients = frame.coefficients
                if let frozen {
                    coefficients.pose = frozen.coefficients.pose
                    coefficients.expression = frozen.coefficients.expression
                }
                edit(&coefficients, time: frame.time, controls: controls, model: context.faceModel, clamps: &clamps)
                motion.tracks[trackIndex].frames[frameIndex].coefficients = coefficients
            }
        }
        for warning in clamps.warnings { context.warn(warning) }
    }

    /// The tracks the `faces` parameter picks; an explicit id or index the video lacks is an error.
    private func selectedTracks(in motion: SceneMotion) throws -> [Int] {
        let selected = selector.trackIndices(in: motion)
        guard selected.isEmpty, !motion.tracks.isEmpty else { return selected }
        let ids = motion.tracks.map { String($0.id) }.joined(separator: ", ")
        switch selector {
        case .trackID(let id):
            throw EffectError(
                .invalidParameter,
                "faces=id:\(id), but the video has no face \(id); its faces are \(ids) "
                    + "(see `facet analyze`), or use all / largest")
        case .leftToRight(let index):
            throw EffectError(
                .invalidParameter,
                "faces=index:\(index), but the video has \(motion.tracks.count) face(s); "
                    + "expected index:0 … index:\(motion.tracks.count - 1), all or largest")
        case .all, .largest:
            return selected
        }
    }

    /// The expression controls in use (keyframed or non-zero), checked against the model.
    private func controlsInUse(_ model: FaceModelDescription?) throws -> [Control] {
        // (the parameter that asks for it, the control's name in the model, its strength)
        var wanted: [(parameter: String, control: String, strength: NumberParameter)] = Self.controlParameters
            .filter { parameters.isAnimatedOrNonzero($0) }
            .map { (parameter: $0.spec.name, control: $0.spec.name, strength: $0) }
        if !modelExpression.isEmpty {
            wanted.append((parameter: Self.expression.spec.name, control: modelExpression, strength: Self.expressionStrength))
        }
        guard !wanted.isEmpty else { return [] }
        guard let model else {
            throw EffectError(
                .missingInput,
                "expression controls (\(wanted.map(\.parameter).joined(separator: ", "))) need the "
                    + "face model's expression space, which the host did not provide (motion without a model?)")
        }
        return try wanted.map { parameter, control, strength in
            guard let direction = model.control(named: control) else {
                let own = model.expressionNames.joined(separator: ", ")
                throw EffectError(
                    .invalidParameter,
                    parameter == Self.expression.spec.name
                        ? "expression \"\(modelExpression)\" is not one of model \(model.name)'s expressions; expected one of \(own)"
                        : "model \(model.name) has no \"\(control)\" control (its expressions: \(own))")
            }
            return Control(strength: strength, direction: direction, isSmile: parameter == Self.smile.spec.name)
        }
    }

    /// The track's frame closest in time to `time`.
    private static func frame(of track: FaceTrack, nearest time: Double) -> FaceFrame? {
        track.frames.min { abs($0.time - time) < abs($1.time - time) }
    }

    /// Applies the pose, translation and expression change at `time`.
    private func edit(
        _ coefficients: inout FaceCoefficients, time: Double, controls: [Control],
        model: FaceModelDescription?, clamps: inout PlausibilityClamp
    ) {
        let radians = Float.pi / 180
        let yaw = Float(parameters[Self.yaw, at: time]) * radians
        let pitch = Float(parameters[Self.pitch, at: time]) * radians
        let roll = Float(parameters[Self.roll, at: time]) * radians
        if isAbsolute {
            coefficients.pose = HeadPose(yaw: yaw, pitch: pitch, roll: roll)
        } else {
            coefficients.pose.yaw += yaw
            coefficients.pose.pitch += pitch
            coefficients.pose.roll += roll
        }
        clamps.clamp(&coefficients.pose)
        coefficients.translation.x += Float(parameters[Self.shiftX, at: time])
        coefficients.translation.y += Float(parameters[Self.shiftY, at: time])
        coefficients.translation.z += Float(parameters[Self.shiftZ, at: time])

        let neutralise = Float(parameters[Self.neutralise, at: time])
        guard neutralise > 0 || !controls.isEmpty, let model else { return }
        var expression = coefficients.expression
        if expression.count < model.expressionDimension {
            // Motion fitted before the model gained dimensions (e.g. derived blendshapes): the
            // missing ones were zero.
            expression += [Float](repeating: 0, count: model.expressionDimension - expression.count)
        }
        if neutralise > 0 {
            for index in expression.indices { expression[index] *= 1 - neutralise }
        }
        for control in controls {
            let strength = Float(parameters[control.strength, at: time])
            guard strength != 0 else { continue }
            let direction = control.direction
            for index in 0..<min(direction.count, expression.count) { expression[index] += strength * direction[index] }
            if control.isSmile, strength > 0, let seal = model.control(named: ExpressionControlName.smileLipSeal) {
                // The lips keep their opening up to `smile-parts-lips`.
                let sealed = min(strength, Float(parameters[Self.smilePartsLips, at: time]))
                for index in 0..<min(seal.count, expression.count) { expression[index] += sealed * seal[index] }
            }
        }
        clamps.clamp(&expression, to: model)
        coefficients.expression = expression
    }
}

/// An expression control in use: the parameter giving its strength and its direction in the
/// model's expression space.
private struct Control {
    /// The strength parameter (a standard control's own, or `expression-strength`).
    let strength: NumberParameter
    /// The control's direction, of the model's expression dimension.
    let direction: [Float]
    /// Whether this is the standard smile, which keeps the lips' opening up to `smile-parts-lips`.
    let isSmile: Bool
}

extension EffectParameters {
    /// Whether `parameter` is keyframed or set to a non-zero constant.
    func isAnimatedOrNonzero(_ parameter: NumberParameter) -> Bool {
        isAnimated(parameter) || self[parameter, at: 0] != 0
    }
}
