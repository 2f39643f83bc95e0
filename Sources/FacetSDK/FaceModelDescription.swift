// What an effect may know about the face model behind the coefficients, without depending on
// the model itself: the names of its expression dimensions and named expression controls.

/// Names of the expression controls every Facet host offers, whatever the face model.
///
/// "Left" and "right" are the subject's own: the left eye appears on the viewer's right.
public enum ExpressionControlName {
    /// Mouth corners up and back.
    public static let smile = "smile"
    /// Jaw dropped, lips parted.
    public static let mouthOpen = "mouth-open"
    /// Both upper eyelids down.
    public static let eyesClosed = "eyes-closed"
    /// The subject's left upper eyelid down.
    public static let leftEyeClosed = "left-eye-closed"
    /// The subject's right upper eyelid down.
    public static let rightEyeClosed = "right-eye-closed"
    /// Both eyebrows up.
    public static let browsRaised = "brows-raised"

    /// Not a parameter: the direction that, added per unit of smile, keeps the lips' opening
    /// where it was (the jaw closing by as much as the smile would part the lips). Hosts provide
    /// it where the model's smile parts the lips.
    public static let smileLipSeal = "smile-lip-seal"

    /// Every standard control, in the order parameter tables list them.
    public static let all = [smile, mouthOpen, eyesClosed, leftEyeClosed, rightEyeClosed, browsRaised]
}

/// The face model as effects see it: its expression space and named directions in it.
///
/// The host builds this from the model it analysed with and passes it in `EffectContext`. A
/// control's direction has the expression dimension; adding `strength × direction` to a frame's
/// expression makes that expression `strength` times (1 = a full, natural-looking amount).
public struct FaceModelDescription: Codable, Sendable, Equatable {
    /// The model's name, as in `FaceTrack.modelName`.
    public var name: String
    /// How expression coefficients combine.
    public var expressionBasis: ExpressionBasis
    /// The names of the expression dimensions, one per coefficient.
    public var expressionNames: [String]
    /// Named directions in the expression space: the standard `ExpressionControlName`s and,
    /// under their own names, the model's named dimensions.
    public var controls: [String: [Float]]
    /// The smallest and largest sensible value of each expression coefficient (blendshape weights
    /// 0…1.5; PCA coefficients ±3 standard deviations), used to clamp edits.
    public var coefficientRange: [ClosedRange<Float>]

    /// Creates a description.
    public init(
        name: String, expressionBasis: ExpressionBasis, expressionNames: [String],
        controls: [String: [Float]], coefficientRange: [ClosedRange<Float>]
    ) {
        self.name = name
        self.expressionBasis = expressionBasis
        self.expressionNames = expressionNames
        self.controls = controls
        self.coefficientRange = coefficientRange
    }

    /// The number of expression coefficients.
    public var expressionDimension: Int { expressionNames.count }

    /// The direction of the control called `name`, if the model has one.
    public func control(named name: String) -> [Float]? { controls[name] }
}
