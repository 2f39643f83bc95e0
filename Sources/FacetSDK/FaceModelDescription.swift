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

/// Names of the face regions every Facet host describes in the expression space, whatever the model.
public enum ExpressionRegionName {
    /// Lips, mouth corners, jaw and chin.
    public static let mouth = "mouth"
    /// Both eyes' lids and the skin around them.
    public static let eyes = "eyes"
    /// Both eyebrows and the forehead above them.
    public static let brows = "brows"

    /// Every standard region, in the order parameter tables list them.
    public static let all = [mouth, eyes, brows]
}

/// A face region as a linear map of the expression space: `part(of: change)` is the expression
/// change that moves that region as `change` does and leaves the rest of the face still (as
/// nearly as the model's expression space can: a least-squares fit of the region's motion).
///
/// The regions of a model do not overlap, so the parts of one change over all regions plus what
/// is left (cheeks, nose) add up to the change.
public struct ExpressionRegion: Codable, Sendable, Equatable {
    /// The map as a `d×d` matrix, row-major, `d` the expression dimension.
    public var projection: [Float]

    /// Creates a region from its `d×d` row-major projection.
    public init(projection: [Float]) {
        self.projection = projection
    }

    /// The expression dimension `d` (0 when the matrix is not square).
    public var dimension: Int {
        let root = Int(Double(projection.count).squareRoot().rounded())
        return root * root == projection.count ? root : 0
    }

    /// The part of the expression change `change` that moves this region. A change of another
    /// dimension than the region's is returned as zeros of its own length.
    public func part(of change: [Float]) -> [Float] {
        let d = dimension
        guard d == change.count else { return [Float](repeating: 0, count: change.count) }
        var result = [Float](repeating: 0, count: d)
        for row in 0..<d {
            var sum: Float = 0
            for column in 0..<d { sum += projection[row * d + column] * change[column] }
            result[row] = sum
        }
        return result
    }
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
    /// The standard face regions (`ExpressionRegionName`) as maps of the expression space; empty
    /// when the host could not derive them (a model without landmark vertices).
    public var regions: [String: ExpressionRegion]

    /// Creates a description.
    public init(
        name: String, expressionBasis: ExpressionBasis, expressionNames: [String],
        controls: [String: [Float]], coefficientRange: [ClosedRange<Float>],
        regions: [String: ExpressionRegion] = [:]
    ) {
        self.name = name
        self.expressionBasis = expressionBasis
        self.expressionNames = expressionNames
        self.controls = controls
        self.coefficientRange = coefficientRange
        self.regions = regions
    }

    private enum CodingKeys: String, CodingKey {
        case name, expressionBasis, expressionNames, controls, coefficientRange, regions
    }

    /// Decodes a description; `regions` may be absent (hosts before it was added).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            expressionBasis: try container.decode(ExpressionBasis.self, forKey: .expressionBasis),
            expressionNames: try container.decode([String].self, forKey: .expressionNames),
            controls: try container.decode([String: [Float]].self, forKey: .controls),
            coefficientRange: try container.decode([ClosedRange<Float>].self, forKey: .coefficientRange),
            regions: try container.decodeIfPresent([String: ExpressionRegion].self, forKey: .regions) ?? [:])
    }

    /// The region called `name` (an `ExpressionRegionName`), if the host derived it.
    public func region(named name: String) -> ExpressionRegion? { regions[name] }

    /// The number of expression coefficients.
    public var expressionDimension: Int { expressionNames.count }

    /// The direction of the control called `name`, if the model has one.
    public func control(named name: String) -> [Float]? { controls[name] }
}
