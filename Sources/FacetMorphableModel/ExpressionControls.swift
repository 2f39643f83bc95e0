import FacetSDK
import Foundation

// Named expression controls: what "smile" or "mouth-open" means in a model's own expression space.
//
// For a blendshape model a control is a blendshape (its own, e.g. the Surrey model's "happiness"
// for a smile, or a derived one such as "jaw-open"). A PCA space has no named axes: its controls
// come from a controls file beside the model (`<model>.controls.json`, written by whoever made
// the directions, e.g. from labelled captures), and any standard control the file lacks is the
// least-squares projection of the derived displacement field onto the PCA basis.

/// A file naming directions in a PCA model's expression space (`<model>.controls.json`).
///
/// ```json
/// { "format": "facet-expression-controls", "version": 1, "model": "bfm09-front",
///   "controls": { "smile": [0.8, -0.1, …], "mouth-open": [ … ] } }
/// ```
/// Each direction has one value per expression coefficient; strength 1 is a full expression.
public struct ExpressionControlFile: Codable, Sendable, Equatable {
    /// Always "facet-expression-controls".
    public var format: String
    /// The format version (1).
    public var version: Int
    /// The model the directions belong to.
    public var model: String
    /// Control name → direction.
    public var controls: [String: [Float]]

    /// The format name.
    public static let formatName = "facet-expression-controls"

    /// Creates a file's content.
    public init(model: String, controls: [String: [Float]]) {
        self.format = Self.formatName
        self.version = 1
        self.model = model
        self.controls = controls
    }

    /// Reads and checks a controls file against the model it should belong to.
    public static func read(from url: URL, for model: MorphableModel) throws -> ExpressionControlFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError(.fileNotFound, "cannot read the expression controls file", path: url.path, cause: error)
        }
        let file: ExpressionControlFile
        do { file = try JSONDecoder().decode(ExpressionControlFile.self, from: data) } catch {
            throw ModelError(
                .malformed,
                "not an expression controls file (expected JSON with format, version, model, "
                    + "controls)", path: url.path, cause: error)
        }
        guard file.format == formatName else {
            throw ModelError(.malformed, "format is \"\(file.format)\"; expected \"\(formatName)\"", path: url.path)
        }
        guard file.version == 1 else {
            throw ModelError(.incompatible, "version \(file.version) is newer than this Facet reads (1)", path: url.path)
        }
        for (name, direction) in file.controls.sorted(by: { $0.key < $1.key }) {
            guard direction.count == model.expressionCount else {
                throw ModelError(
                    .incompatible,
                    "control \"\(name)\" has \(direction.count) values; model \(model.name) has "
                        + "\(model.expressionCount) expression coefficients", path: url.path)
            }
            guard direction.allSatisfy(\.isFinite) else {
                throw ModelError(.malformed, "control \"\(name)\" has a value that is not a finite number", path: url.path)
            }
        }
        return file
    }
}

extension MorphableModel {
    /// The model as effects see it: expression names, named controls and sensible coefficient
    /// ranges. `file` supplies directions for a PCA model (see `ExpressionControlFile`).
    public func effectDescription(controls file: ExpressionControlFile? = nil) -> FaceModelDescription {
        var controls: [String: [Float]] = [:]
        func unit(_ index: Int) -> [Float] {
            var direction = [Float](repeating: 0, count: expressionCount)
            direction[index] = 1
            return direction
        }
        func sum(_ names: [String]) -> [Float]? {
            let indices = names.compactMap { expressionNames.firstIndex(of: $0) }
            guard indices.count == names.count else { return nil }
            var direction = [Float](repeating: 0, count: expressionCount)
            for index in indices { direction[index] = 1 }
            return direction
        }
        let derived = DerivedExpressions.self
        let standard: [(String, [String])] = [
            (ExpressionControlName.mouthOpen, [derived.jawOpen]),
            (ExpressionControlName.eyesClosed, [derived.leftEyeClosed, derived.rightEyeClosed]),
            (ExpressionControlName.leftEyeClosed, [derived.leftEyeClosed]),
            (ExpressionControlName.rightEyeClosed, [derived.rightEyeClosed]),
            (ExpressionControlName.browsRaised, [derived.leftBrowRaised, derived.rightBrowRaised]),
        ]
        switch expressionKind {
        case .blendshapes:
            for (index, name) in expressionNames.enumerated() { controls[name] = unit(index) }
            if let happiness = expressionNames.firstIndex(of: "happiness") {
                controls[ExpressionControlName.smile] = unit(happiness)
            }
            for (control, parts) in standard { if let direction = sum(parts) { controls[control] = direction } }
            if let happiness = expressionNames.firstIndex(of: "happiness"), let jaw = expressionNames.firstIndex(of: derived.jawOpen),
                let ratio = innerLipOpeningRatio(happiness, per: jaw), ratio > 0
            {
                // The jaw closing that keeps a unit smile's lips where they were.
                var seal = [Float](repeating: 0, count: expressionCount)
                seal[jaw] = -ratio
                controls[ExpressionControlName.smileLipSeal] = seal
            }
        case .pca:
            // lip-round is not a standard control: lip sync (AudioSync) looks for it by this name.
            let projected: [(String, [String])] =
                [(ExpressionControlName.smile, [derived.smile]), (derived.lipRound, [derived.lipRound])] + standard
            for (control, parts) in projected {
                var direction = [Float](repeating: 0, count: expressionCount)
                var complete = true
                for part in parts {
                    guard
                        let field = try? DerivedExpressions.displacement(
                            part, mean: mean, landmarks: landmarks,
                            triangles: triangles)
                    else {
                        complete = false
                        break
                    }
                    let coefficients = projectOntoExpressionBasis(field)
                    for index in direction.indices { direction[index] += coefficients[index] }
                }
                if complete { controls[control] = direction }
            }
        }
        for (name, direction) in file?.controls ?? [:] where direction.count == expressionCount {
            controls[name] = direction
        }
        let range: ClosedRange<Float> = expressionKind == .blendshapes ? 0...1.5 : -3...3
        var ranges = Array(repeating: range, count: expressionCount)
        if expressionKind == .blendshapes, let jaw = expressionNames.firstIndex(of: DerivedExpressions.jawOpen) {
            // The jaw may close a little past the neutral mouth: lips pressed together.
            ranges[jaw] = -0.5...1.5
        }
        return FaceModelDescription(
            name: name, expressionBasis: expressionKind, expressionNames: expressionNames,
            controls: controls, coefficientRange: ranges, regions: expressionRegions())
    }

    /// How much expression `column` opens the inner lips of the mean face (iBUG 62–68, 63–67,
    /// 64–66, vertically) per unit of expression `reference`; nil when the model lacks the
    /// landmarks or `reference` does not open them.
    func innerLipOpeningRatio(_ column: Int, per reference: Int) -> Float? {
        let pairs = [(62, 68), (63, 67), (64, 66)].compactMap { pair -> (Int, Int)? in
            guard let upper = landmarkVertex(pair.0), let lower = landmarkVertex(pair.1) else { return nil }
            return (upper, lower)
        }
        guard pairs.count == 3 else { return nil }
        let rows = mean.count
        func opening(_ k: Int) -> Float {
            // y is up: the upper lip moving up or the lower moving down opens the mouth.
            pairs.reduce(0) { $0 + expressionBasis[k * rows + 3 * $1.0 + 1] - expressionBasis[k * rows + 3 * $1.1 + 1] } / 3
        }
        let base = opening(reference)
        guard base > 1e-6 else { return nil }
        return opening(column) / base
    }

    /// The expression coefficients whose shape change best matches `displacement` (`3N` values):
    /// ridge-regularised least squares, `(EᵀE + λI) c = Eᵀd`, λ a thousandth of the basis's scale.
    public func projectOntoExpressionBasis(_ displacement: [Float]) -> [Float] {
        let rows = mean.count, k = expressionCount
        guard k > 0, displacement.count == rows else { return [Float](repeating: 0, count: k) }
        var normal = [Double](repeating: 0, count: k * k)
        var right = [Double](repeating: 0, count: k)
        expressionBasis.withUnsafeBufferPointer { basis in
            for a in 0..<k {
                var dot = 0.0
                for row in 0..<rows { dot += Double(basis[a * rows + row]) * Double(displacement[row]) }
                right[a] = dot
                for b in a..<k {
                    var value = 0.0
                    for row in 0..<rows { value += Double(basis[a * rows + row]) * Double(basis[b * rows + row]) }
                    normal[a * k + b] = value
                    normal[b * k + a] = value
                }
            }
        }
        let trace = (0..<k).reduce(0.0) { $0 + normal[$1 * k + $1] }
        let ridge = 1e-3 * trace / Double(k)
        for index in 0..<k { normal[index * k + index] += ridge }
        // Cholesky solve of the small symmetric positive-definite system.
        var lower = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0...i {
                var value = normal[i * k + j]
                for p in 0..<j { value -= lower[i * k + p] * lower[j * k + p] }
                lower[i * k + j] = i == j ? max(value, 1e-12).squareRoot() : value / lower[j * k + j]
            }
        }
        var solution = right
        for i in 0..<k {
            for p in 0..<i { solution[i] -= lower[i * k + p] * solution[p] }
            solution[i] /= lower[i * k + i]
        }
        for i in stride(from: k - 1, through: 0, by: -1) {
            for p in (i + 1)..<k { solution[i] -= lower[p * k + i] * solution[p] }
            solution[i] /= lower[i * k + i]
        }
        return solution.map { Float($0) }
    }
}
