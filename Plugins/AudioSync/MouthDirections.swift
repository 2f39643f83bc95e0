import FacetSDK

// The mouth controls as directions in the face model's expression space, found among the
// model's controls or, where it has none, made from the ones it has (see Docs/AudioSync.md).

/// The directions the mouth amounts move the expression along, and the part of an expression
/// that is the mouth (what `replace` takes away).
struct MouthDirections {
    /// Names a model may give its own lip-spread control, in order of preference.
    static let spreadNames = ["lip-spread", "lips-spread", "mouth-stretch"]
    /// Names a model may give its own lip-rounding control.
    static let roundNames = ["lip-round", "lips-round", "lip-pucker", "pucker"]
    /// Names a model may give its own lip-press control.
    static let pressNames = ["lip-press", "lips-pressed", "lips-closed"]
    /// A full spread, as a fraction of the model's smile (mouth part) when the model has no
    /// spread of its own: speech spreads the lips less than a full smile.
    static let spreadPerSmile: Float = 0.5
    /// The rounding fallback, per unit: this much less spread (the jaw part of a rounded vowel
    /// is in its target already).
    static let roundAsSpread: Float = -0.6
    /// The press fallback, per unit: the jaw closing this much past neutral.
    static let pressAsJaw: Float = -0.25

    /// Jaw dropped (`mouth-open`).
    let jaw: [Float]
    /// Lips spread.
    let spread: [Float]
    /// Lips rounded.
    let round: [Float]
    /// Lips pressed.
    let press: [Float]
    /// Both eyelids down, for blinks (nil when the model has no eye control).
    let eyes: [Float]?
    /// The expression dimension.
    let dimension: Int
    private let mouthRegion: ExpressionRegion?
    /// An orthonormal basis of the mouth directions, used without a mouth region.
    private let mouthBasis: [[Float]]

    /// The directions of `model`; throws when it has no jaw opening at all.
    init(model: FaceModelDescription) throws {
        let dimension = model.expressionDimension
        self.dimension = dimension
        func fitted(_ direction: [Float]) -> [Float] {
            direction.count >= dimension
                ? Array(direction.prefix(dimension)) : direction + [Float](repeating: 0, count: dimension - direction.count)
        }
        func first(_ names: [String]) -> [Float]? { names.lazy.compactMap { model.control(named: $0) }.first.map(fitted) }
        guard let jaw = first([ExpressionControlName.mouthOpen, "jaw-open"]) else {
            let own = model.controls.keys.sorted().joined(separator: ", ")
            throw EffectError(
                .invalidMotion,
                "audio-sync moves the jaw with the face model's \(ExpressionControlName.mouthOpen) control, and model \(model.name) has none (its controls: \(own))"
            )
        }
        self.jaw = jaw
        let region = model.region(named: ExpressionRegionName.mouth)
        mouthRegion = region?.dimension == dimension ? region : nil
        if let own = first(Self.spreadNames) {
            spread = own
        } else if let smile = first([ExpressionControlName.smile]) {
            let mouthPart = mouthRegion?.part(of: smile) ?? smile
            spread = mouthPart.map { $0 * Self.spreadPerSmile }
        } else {
            spread = [Float](repeating: 0, count: dimension)
        }
        if let own = first(Self.roundNames) {
            round = own
        } else {
            round = spread.map { $0 * Self.roundAsSpread }
        }
        if let own = first(Self.pressNames) {
            press = own
        } else {
            press = jaw.map { $0 * Self.pressAsJaw }
        }
        if let both = first([ExpressionControlName.eyesClosed]) {
            eyes = both
        } else if let left = first([ExpressionControlName.leftEyeClosed]), let right = first([ExpressionControlName.rightEyeClosed]) {
            eyes = zip(left, right).map { $0 + $1 }
        } else {
            eyes = nil
        }
        mouthBasis = Self.orthonormalBasis([jaw, spread, round, press])
    }

    /// The part of `expression` that is the mouth: the face model's mouth region when it has one,
    /// else the projection onto the mouth directions.
    func mouthPart(of expression: [Float]) -> [Float] {
        if let mouthRegion { return mouthRegion.part(of: expression) }
        var part = [Float](repeating: 0, count: expression.count)
        for axis in mouthBasis {
            let amount = zip(axis, expression).reduce(0) { $0 + $1.0 * $1.1 }
            for index in part.indices where index < axis.count { part[index] += amount * axis[index] }
        }
        return part
    }

    /// How far `expression` opens the jaw, in units of `jaw` (0 when it closes it).
    func jawOpening(of expression: [Float]) -> Float {
        let norm = jaw.reduce(0) { $0 + $1 * $1 }
        guard norm > 0 else { return 0 }
        return max(0, zip(jaw, expression).reduce(0) { $0 + $1.0 * $1.1 } / norm)
    }

    /// The expression change of `pose` at `strength`, given the expression it is added to: the
    /// press also cancels that expression's own jaw opening (by up to `strength` 1), so lips close on an open portrait.
    func change(for pose: MouthPose, strength: Float, on expression: [Float]) -> [Float] {
        let opening = jawOpening(of: expression)
        let jawAmount = strength * Float(pose.jaw) - min(1, strength) * Float(min(1, max(0, pose.press))) * opening
        var change = [Float](repeating: 0, count: dimension)
        for index in 0..<dimension {
            change[index] =
                jawAmount * jaw[index] + strength
                * (Float(pose.spread) * spread[index] + Float(pose.round) * round[index]
                    + Float(pose.press) * press[index])
        }
        return change
    }

    /// Gram–Schmidt: an orthonormal basis of the span of `vectors` (dependent ones dropped).
    private static func orthonormalBasis(_ vectors: [[Float]]) -> [[Float]] {
        var basis: [[Float]] = []
        for vector in vectors {
            var residual = vector
            for axis in basis {
                let amount = zip(axis, residual).reduce(0) { $0 + $1.0 * $1.1 }
                for index in residual.indices { residual[index] -= amount * axis[index] }
            }
            let norm = residual.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let scale = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 1e-4 * max(scale, 1e-12) else { continue }
            basis.append(residual.map { $0 / norm })
        }
        return basis
    }
}
