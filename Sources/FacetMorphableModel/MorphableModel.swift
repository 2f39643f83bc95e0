// A 3D morphable model ready for evaluation and fitting:
// vertices = mean + identityBasis · identity + expressionBasis · expression,
// with the identity basis scaled by the square root of its eigenvalues so identity coefficients
// are ~N(0, 1).

import FacetSDK
import Foundation

/// How a model is meant to be used: its length unit and the camera its coefficients assume.
public struct ModelConvention: Codable, Sendable, Equatable {
    /// The length unit of vertices and translations ("mm" for the SFM, "dm" for Deep3DFaceRecon's BFM).
    public var lengthUnit: String
    /// The projection the model's coefficients are defined with.
    public var projection: FaceCamera.Projection
    /// Focal length in pixels for `referenceImageSize` (perspective models), e.g. 1015 for 224.
    public var referenceFocalLength: Float?
    /// The image size (square) the reference focal length belongs to, e.g. 224.
    public var referenceImageSize: Float?
    /// Distance of the camera from the model origin along +z (e.g. 10 for Deep3DFaceRecon).
    public var cameraDistance: Float?
    /// Free text: where the coefficients come from and how they are laid out.
    public var coefficientLayout: String?

    /// Creates a convention.
    public init(
        lengthUnit: String, projection: FaceCamera.Projection, referenceFocalLength: Float? = nil,
        referenceImageSize: Float? = nil, cameraDistance: Float? = nil, coefficientLayout: String? = nil
    ) {
        self.lengthUnit = lengthUnit
        self.projection = projection
        self.referenceFocalLength = referenceFocalLength
        self.referenceImageSize = referenceImageSize
        self.cameraDistance = cameraDistance
        self.coefficientLayout = coefficientLayout
    }

    /// The Surrey Face Model's: millimetres, weak perspective.
    public static let surrey = ModelConvention(
        lengthUnit: "mm", projection: .weakPerspective,
        coefficientLayout: "identity: 63 shape PCs ~N(0,1); expression: 6 blendshape weights >= 0")
}

/// A model manifest stored next to a converted model (`<name>.json`).
public struct ModelManifest: Codable, Sendable, Equatable {
    /// The model's name (e.g. "bfm09-front").
    public var name: String
    /// Units and camera.
    public var convention: ModelConvention
    /// Names of the expression dimensions, if any.
    public var expressionNames: [String]?
    /// Where the model came from.
    public var source: String?

    /// Creates a manifest.
    public init(name: String, convention: ModelConvention, expressionNames: [String]? = nil, source: String? = nil) {
        self.name = name
        self.convention = convention
        self.expressionNames = expressionNames
        self.source = source
    }
}

/// A 3DMM: mean shape, identity and expression bases, mesh, and where the 68 landmarks sit.
public struct MorphableModel: Sendable {
    /// The model's name, recorded in tracks (`FaceTrack.modelName`).
    public let name: String
    /// Number of vertices `N`.
    public let vertexCount: Int
    /// The mean shape (plus the expression model's mean, if any): `3N` values `x0 y0 z0 …`.
    public let mean: [Float]
    /// Identity basis, column-major `3N × identityCount`, scaled so coefficients are ~N(0, 1).
    public let identityBasis: [Float]
    /// Number of identity coefficients.
    public let identityCount: Int
    /// Standard deviation of every identity component in the model's length unit (√eigenvalue).
    public let identityStandardDeviations: [Float]
    /// Expression basis, column-major `3N × expressionCount` (blendshape displacements or scaled PCs).
    public let expressionBasis: [Float]
    /// Number of expression coefficients.
    public let expressionCount: Int
    /// Whether the expression coefficients are blendshape weights or PCA coefficients.
    public let expressionKind: ExpressionBasis
    /// Names of the expression dimensions (blendshape names, or "pc1"… for PCA).
    public let expressionNames: [String]
    /// Triangles as 0-based vertex indices.
    public let triangles: [SIMD3<Int32>]
    /// The unique mesh edges (pairs of 0-based vertex indices, smaller first), for wireframes.
    public let edges: [SIMD2<Int32>]
    /// Texture coordinates (may be empty).
    public let textureCoordinates: [SIMD2<Double>]
    /// Where the 68 iBUG landmarks sit.
    public let landmarks: LandmarkMap
    /// Units and camera convention.
    public let convention: ModelConvention
    /// The edge topology, when loaded (SFM), for occluding-contour fitting.
    public let edgeTopology: EdgeTopology?

    /// Builds a model from an eos file's content; `blendshapes` (a separate file) override its expression model,
    /// `expressionNames` (e.g. from a manifest) name the expression dimensions when their count matches.
    public init(
        name: String, file: EosModelFile, blendshapes: [EosBlendshape]? = nil, landmarks: LandmarkMap? = nil,
        convention: ModelConvention = .surrey, edgeTopology: EdgeTopology? = nil, expressionNames: [String]? = nil,
        path: String? = nil
    ) throws {
        let shape = file.shape
        try Self.checkShape(shape, path: path)
        let rows = shape.mean.count
        let count = rows / 3
        var mean = shape.mean
        var identity = shape.orthonormalBasis
        let deviations = shape.eigenvalues.map { $0.squareRoot() }
        for column in 0..<shape.componentCount {
            let scale = deviations[column]
            for row in 0..<rows { identity[column * rows + row] *= scale }
        }
        let (expression, kind, modelNames) = try Self.expressionModel(
            of: file, blendshapes: blendshapes, mean: &mean,
            path: path)
        let map = try Self.landmarkMap(landmarks, of: file, vertexCount: count, path: path)
        try Self.checkTopology(edgeTopology, of: shape, path: path)

        self.name = name
        self.vertexCount = count
        self.mean = mean
        self.identityBasis = identity
        self.identityCount = shape.componentCount
        self.identityStandardDeviations = deviations
        self.expressionBasis = expression
        self.expressionCount = modelNames.count
        self.expressionKind = kind
        var names = modelNames
        if let expressionNames, expressionNames.count == names.count { names = expressionNames }
        self.expressionNames = names
        self.triangles = shape.triangles
        self.edges = Self.uniqueEdges(shape.triangles)
        self.textureCoordinates = file.textureCoordinates
        self.landmarks = map
        self.convention = convention
        self.edgeTopology = edgeTopology
    }

    /// Checks that the shape model's basis has `3N × componentCount` values and its eigenvalues are finite and ≥ 0.
    private static func checkShape(_ shape: EosPcaModel, path: String?) throws {
        let rows = shape.mean.count
        guard rows > 0, rows % 3 == 0, shape.orthonormalBasis.count == rows * shape.componentCount else {
            throw ModelError(
                .malformed,
                "the shape model's basis has \(shape.orthonormalBasis.count) values: expected "
                    + "\(rows) × \(shape.componentCount)", path: path)
        }
        if let bad = shape.eigenvalues.firstIndex(where: { !($0 >= 0) || !$0.isFinite }) {
            throw ModelError(
                .malformed, "shape eigenvalue \(bad) is \(shape.eigenvalues[bad]): expected a finite value >= 0",
                path: path)
        }
    }

    /// The expression basis, its kind and its dimensions' names: `blendshapes` when given, else the file's
    /// expression model (none when it has none). A PCA model's mean is added to `mean` (the shape's, `3N`
    /// values) and its basis scaled by the square root of its eigenvalues.
    private static func expressionModel(
        of file: EosModelFile, blendshapes: [EosBlendshape]?, mean: inout [Float],
        path: String?
    ) throws -> (basis: [Float], kind: ExpressionBasis, names: [String]) {
        let rows = mean.count
        let count = rows / 3
        func checkRows(_ actual: Int, _ what: String) throws {
            guard actual == rows else {
                throw ModelError(
                    .incompatible,
                    "\(what) has \(actual) values per column: expected \(rows) (3 × \(count) "
                        + "vertices of the shape model)", path: path)
            }
        }
        var shapes = blendshapes
        if shapes == nil, case .blendshapes(let fileShapes)? = file.expression { shapes = fileShapes }
        if let shapes {
            var expression: [Float] = []
            var names: [String] = []
            for shape in shapes {
                try checkRows(shape.deformation.count, "blendshape \"\(shape.name)\"")
                expression += shape.deformation
                names.append(shape.name)
            }
            return (expression, .blendshapes, names)
        }
        guard case .pca(let pca)? = file.expression else { return ([], .blendshapes, []) }
        try checkRows(pca.mean.count, "the expression model's mean")
        try checkRows(pca.orthonormalBasis.count / max(pca.componentCount, 1), "the expression model's basis")
        for row in 0..<rows { mean[row] += pca.mean[row] }
        var expression = pca.orthonormalBasis
        for column in 0..<pca.componentCount {
            let scale = max(pca.eigenvalues[column], 0).squareRoot()
            for row in 0..<rows { expression[column * rows + row] *= scale }
        }
        let names = (1...max(pca.componentCount, 1)).prefix(pca.componentCount).map { "pc\($0)" }
        return (expression, .pca, names)
    }

    /// The landmark map: `landmarks` when given, else the one the file defines; checked against the vertex count.
    private static func landmarkMap(
        _ landmarks: LandmarkMap?, of file: EosModelFile, vertexCount count: Int,
        path: String?
    ) throws -> LandmarkMap {
        var map = landmarks
        if map == nil, let definitions = file.landmarkDefinitions {
            var fixed: [Int: Int] = [:]
            for (key, vertex) in definitions { if let number = Int(key) { fixed[number] = vertex } }
            map = LandmarkMap(fixed: fixed)
        }
        guard let map else {
            throw ModelError(
                .incompatible,
                "the model has no landmark map: expected one in the model file (version ≥ 3) "
                    + "or a mapping file such as ibug_to_sfm.txt", path: path)
        }
        try map.validate(vertexCount: count, path: path)
        return map
    }

    /// Checks that the edge topology, if any, names only triangles of the shape's mesh.
    private static func checkTopology(_ edgeTopology: EdgeTopology?, of shape: EosPcaModel, path: String?) throws {
        if let topology = edgeTopology {
            let faceCount = Int32(shape.triangles.count)
            if let bad = topology.adjacentFaces.first(where: { max($0.x, $0.y) > faceCount || min($0.x, $0.y) < 0 }) {
                throw ModelError(
                    .incompatible,
                    "the edge topology names face \(max(bad.x, bad.y)) but the mesh has "
                        + "\(faceCount) triangles", path: path)
            }
        }
    }

    private static func uniqueEdges(_ triangles: [SIMD3<Int32>]) -> [SIMD2<Int32>] {
        var seen = Set<SIMD2<Int32>>()
        var edges: [SIMD2<Int32>] = []
        for triangle in triangles {
            for (a, b) in [(triangle.x, triangle.y), (triangle.y, triangle.z), (triangle.z, triangle.x)] {
                let edge = SIMD2(min(a, b), max(a, b))
                if seen.insert(edge).inserted { edges.append(edge) }
            }
        }
        return edges
    }

    // MARK: - Evaluation

    /// All vertices for the given coefficients into `output` (`3N` values); missing coefficients count as 0.
    public func vertices(identity: [Float], expression: [Float], into output: inout [Float]) {
        if output.count != mean.count { output = mean } else { output.withUnsafeMutableBufferPointer { _ = $0.update(from: mean) } }
        let rows = mean.count
        output.withUnsafeMutableBufferPointer { target in
            identityBasis.withUnsafeBufferPointer { basis in
                for column in 0..<min(identity.count, identityCount) where identity[column] != 0 {
                    let weight = identity[column]
                    let base = column * rows
                    for row in 0..<rows { target[row] += weight * basis[base + row] }
                }
            }
            expressionBasis.withUnsafeBufferPointer { basis in
                for column in 0..<min(expression.count, expressionCount) where expression[column] != 0 {
                    let weight = expression[column]
                    let base = column * rows
                    for row in 0..<rows { target[row] += weight * basis[base + row] }
                }
            }
        }
    }

    /// All vertices for the given coefficients: `3N` values `x0 y0 z0 …`.
    public func vertices(identity: [Float], expression: [Float]) -> [Float] {
        var output = mean
        vertices(identity: identity, expression: expression, into: &output)
        return output
    }

    /// One vertex for the given coefficients.
    public func vertex(_ index: Int, identity: [Float], expression: [Float]) -> SIMD3<Float> {
        let rows = mean.count
        var point = SIMD3(mean[3 * index], mean[3 * index + 1], mean[3 * index + 2])
        for column in 0..<min(identity.count, identityCount) where identity[column] != 0 {
            let base = column * rows + 3 * index
            point += identity[column] * SIMD3(identityBasis[base], identityBasis[base + 1], identityBasis[base + 2])
        }
        for column in 0..<min(expression.count, expressionCount) where expression[column] != 0 {
            let base = column * rows + 3 * index
            point += expression[column] * SIMD3(expressionBasis[base], expressionBasis[base + 1], expressionBasis[base + 2])
        }
        return point
    }

    /// The 68 landmark positions (index 0 = iBUG 1); contour points use `contourVertices` when given, else
    /// the default candidate for their position; unmapped points (61, 65 on the SFM) are `nil`.
    public func landmarkPositions(identity: [Float], expression: [Float], contourVertices: [Int: Int] = [:]) -> [SIMD3<Float>?] {
        (1...68).map { number in
            landmarkVertex(number, contourVertices: contourVertices).map { vertex($0, identity: identity, expression: expression) }
        }
    }

    /// The vertex standing for iBUG landmark `number` (1…68): fixed, chosen (`contourVertices`), or the default contour candidate.
    public func landmarkVertex(_ number: Int, contourVertices: [Int: Int] = [:]) -> Int? {
        if let vertex = landmarks.fixed[number] { return vertex }
        if let vertex = contourVertices[number] { return vertex }
        return defaultContourVertex(number)
    }

    /// The candidate a contour landmark takes in a frontal view: the 8 landmarks spread evenly over the candidates.
    public func defaultContourVertex(_ number: Int) -> Int? {
        let list: [Int]
        let position: Int
        if LandmarkMap.rightContourLandmarks.contains(number) {
            list = landmarks.rightContour
            position = number - 1
        } else if LandmarkMap.leftContourLandmarks.contains(number) {
            list = landmarks.leftContour
            position = 17 - number
        } else {
            return nil
        }
        guard !list.isEmpty else { return nil }
        // Landmark 1 / 17 sit near the ear (the list's start), 8 / 10 next to the chin (its end).
        let index = Int((Float(position) * Float(list.count - 1) / 8).rounded())
        return list[min(index, list.count - 1)]
    }
}
