// Converting Deep3DFaceRecon's `BFM_model_front.mat` (Basel Face Model 2009 + the Exp_Pca expression
// basis of Guo et al., 35,709 vertices) into an eos-format model with its manifest, and the
// conversions between Deep3DFaceRecon's coefficients and the project's conventions.
//
// Facts used (Deep3DFaceRecon_pytorch, util/load_mats.py and models/bfm.py): `meanshape` 1×3N,
// `idBase` 3N×80 and `exBase` 3N×64 (bases already scaled by each component's standard deviation,
// so coefficients are ~N(0, 1)-scaled), `tri` F×3 and `keypoints` 1×68, both 1-based; lengths in
// decimetres (BFM micrometres / 1e5); the mean shape is re-centred on its centroid when loaded
// (`recenter=True`); camera: perspective, focal 1015 px and centre 112 for 224×224 crops, at
// z = 10 looking down −z; rotation Rz·Ry·Rx of the angles (x, y, z) with standard right-handed
// matrices.

import FacetSDK
import Foundation

/// Converts Deep3DFaceRecon's BFM model into the eos format.
public enum BFMConverter {
    /// The name recorded in tracks fitted with the converted model.
    public static let modelName = "bfm09-front"
    /// The file name (without extension) the converter writes in the output folder.
    public static let fileName = "bfm_front"

    /// The convention of Deep3DFaceRecon's coefficients.
    public static let convention = ModelConvention(
        lengthUnit: "dm", projection: .perspective, referenceFocalLength: 1015, referenceImageSize: 224, cameraDistance: 10,
        coefficientLayout: "Deep3DFaceRecon 257-vector: identity 0-79 (this model's identity), expression 80-143 "
            + "(this model's 64 PCA expression coefficients), texture 144-223, angles 224-226 (x = pitch, y = yaw, "
            + "z = roll, as in Facet's convention), lighting 227-253, translation 254-256 (Facet translation = "
            + "(tx, ty, tz - 10)).")

    /// Reads `BFM_model_front.mat` and writes `<outputDirectory>/bfm_front.bin` and `bfm_front.json`;
    /// returns the model file's URL (load it with `MorphableModel.loadConverted(modelFile:)`).
    @discardableResult
    public static func convert(matFile: URL, outputDirectory: URL) throws -> URL {
        let mat = try MatFile.read(from: matFile)
        let (file, manifest) = try convert(mat, path: matFile.path)
        do {
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw ModelError(.invalidArgument, "cannot create the output folder", path: outputDirectory.path, cause: error)
        }
        let modelURL = outputDirectory.appendingPathComponent(fileName + ".bin")
        try file.write(to: modelURL)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let manifestURL = outputDirectory.appendingPathComponent(fileName + ".json")
        do {
            try encoder.encode(manifest).write(to: manifestURL)
        } catch {
            throw ModelError(.invalidArgument, "cannot write the manifest", path: manifestURL.path, cause: error)
        }
        return modelURL
    }

    /// Converts the variables of `BFM_model_front.mat` into an eos model (version 4, PCA expression
    /// model, the 68-landmark map) and its manifest.
    public static func convert(_ mat: MatFile, path: String? = nil) throws -> (EosModelFile, ModelManifest) {
        let meanShape = try variable("meanshape", in: mat, path: path)
        let rows = meanShape.count
        guard rows > 0, rows % 3 == 0, meanShape.rows == 1 || meanShape.columns == 1 else {
            throw ModelError(.incompatible, "meanshape is \(meanShape.rows)×\(meanShape.columns): expected 1×3N", path: path)
        }
        let vertexCount = rows / 3
        let mean = recentred(meanShape.values, vertexCount: vertexCount)
        let identity = try basis("idBase", in: mat, rows: rows, path: path)
        let expression = try basis("exBase", in: mat, rows: rows, path: path)
        let triangles = try readTriangles(in: mat, vertexCount: vertexCount, path: path)
        let landmarks = try readLandmarks(in: mat, vertexCount: vertexCount, path: path)
        let shapeModel = EosPcaModel(
            mean: mean, orthonormalBasis: identity.basis, eigenvalues: identity.eigenvalues,
            triangles: triangles)
        let expressionModel = EosPcaModel(
            mean: [Float](repeating: 0, count: rows), orthonormalBasis: expression.basis,
            eigenvalues: expression.eigenvalues, triangles: triangles)
        let file = EosModelFile(
            version: 4, shape: shapeModel, color: .empty, expression: .pca(expressionModel),
            landmarkDefinitions: landmarks)
        let manifest = ModelManifest(
            name: modelName, convention: convention,
            expressionNames: (1...expression.eigenvalues.count).map { "exp\($0)" },
            source: "Deep3DFaceRecon BFM_model_front.mat (BFM 2009 + Exp_Pca), re-centred")
        return (file, manifest)
    }

    /// The variable `name` of the MAT file.
    private static func variable(_ name: String, in mat: MatFile, path: String?) throws -> MatArray {
        guard let array = mat.variables[name] else {
            throw ModelError(
                .incompatible,
                "the MAT file has no variable \"\(name)\": expected Deep3DFaceRecon's "
                    + "BFM_model_front.mat (meanshape, idBase, exBase, tri, keypoints)", path: path)
        }
        return array
    }

    /// The mean shape (`x0 y0 z0 …`) re-centred on its centroid, as Deep3DFaceRecon does when it loads the model.
    private static func recentred(_ values: [Float], vertexCount: Int) -> [Float] {
        var mean = values
        for axis in 0..<3 {
            var sum = 0.0
            for vertex in 0..<vertexCount { sum += Double(mean[vertex * 3 + axis]) }
            let centre = Float(sum / Double(vertexCount))
            for vertex in 0..<vertexCount { mean[vertex * 3 + axis] -= centre }
        }
        return mean
    }

    /// The basis `name` (`rows` × K, each column scaled by its component's standard deviation) as eos
    /// stores a basis: unit columns and their variances.
    private static func basis(
        _ name: String, in mat: MatFile, rows: Int,
        path: String?
    ) throws -> (basis: [Float], eigenvalues: [Float]) {
        let vertexCount = rows / 3
        let array = try variable(name, in: mat, path: path)
        guard array.rows == rows, array.dimensions.count == 2 else {
            throw ModelError(
                .incompatible,
                "\(name) is \(array.rows)×\(array.columns): expected \(rows) rows "
                    + "(3 × \(vertexCount) vertices, as meanshape)", path: path)
        }
        // eos stores unit columns and their variances: column = unit · √variance reproduces the scaled basis.
        var values = array.values
        var variances: [Float] = []
        for column in 0..<array.columns {
            var sum = 0.0
            for row in 0..<rows { sum += Double(values[column * rows + row]) * Double(values[column * rows + row]) }
            let norm = sum.squareRoot()
            variances.append(Float(sum))
            if norm > 0 { for row in 0..<rows { values[column * rows + row] = Float(Double(values[column * rows + row]) / norm) } }
        }
        return (values, variances)
    }

    /// The mesh of `tri` (F×3 or 3×F, 1-based vertex numbers) as 0-based triangles.
    private static func readTriangles(in mat: MatFile, vertexCount: Int, path: String?) throws -> [SIMD3<Int32>] {
        let triangleArray = try variable("tri", in: mat, path: path)
        guard triangleArray.columns == 3 || triangleArray.rows == 3 else {
            throw ModelError(.incompatible, "tri is \(triangleArray.rows)×\(triangleArray.columns): expected F×3", path: path)
        }
        let triangleIndices = try triangleArray.integerValues(path: path)
        let triangleCount = triangleArray.columns == 3 ? triangleArray.rows : triangleArray.columns
        var triangles: [SIMD3<Int32>] = []
        triangles.reserveCapacity(triangleCount)
        for index in 0..<triangleCount {
            // Column-major F×3: element (i, j) at j·F + i; a 3×F array at i·3 + j.
            let corner: (Int) -> Int =
                triangleArray.columns == 3
                ? { triangleIndices[$0 * triangleCount + index] }
                : { triangleIndices[index * 3 + $0] }
            let triangle = SIMD3(Int32(corner(0) - 1), Int32(corner(1) - 1), Int32(corner(2) - 1))
            guard min(triangle.x, triangle.y, triangle.z) >= 0, max(triangle.x, triangle.y, triangle.z) < Int32(vertexCount) else {
                throw ModelError(
                    .incompatible,
                    "tri row \(index + 1) is \(corner(0)) \(corner(1)) \(corner(2)): expected "
                        + "1-based vertex numbers 1…\(vertexCount)", path: path)
            }
            triangles.append(triangle)
        }
        return triangles
    }

    /// The landmark definitions of `keypoints` (the 68 iBUG landmarks' 1-based vertices): landmark number
    /// ("1"…"68") to 0-based vertex.
    private static func readLandmarks(in mat: MatFile, vertexCount: Int, path: String?) throws -> [String: Int] {
        let keypoints = try variable("keypoints", in: mat, path: path).integerValues(path: path)
        guard keypoints.count == 68 else {
            throw ModelError(
                .incompatible, "keypoints has \(keypoints.count) entries: expected the 68 iBUG landmark vertices",
                path: path)
        }
        var landmarks: [String: Int] = [:]
        for (index, vertex) in keypoints.enumerated() {
            guard (1...vertexCount).contains(vertex) else {
                throw ModelError(
                    .incompatible, "keypoint \(index + 1) is vertex \(vertex): expected 1…\(vertexCount) (1-based)",
                    path: path)
            }
            landmarks[String(index + 1)] = vertex - 1
        }
        return landmarks
    }
}

/// Conversions between Deep3DFaceRecon's (and PIRender's) pose numbers and the project's conventions.
public enum Deep3DFaceRecon {
    /// The pose for Deep3DFaceRecon's angles (x, y, z) in radians: pitch = x, yaw = y, roll = z.
    ///
    /// Deep3DFaceRecon rotates by standard right-handed matrices, R = Rz·Ry·Rx, exactly Facet's convention,
    /// so the angles carry over unchanged (a positive y turns the nose towards +x, the viewer's right).
    public static func pose(angles: (x: Float, y: Float, z: Float)) -> HeadPose {
        HeadPose(yaw: angles.y, pitch: angles.x, roll: angles.z)
    }

    /// Deep3DFaceRecon's angles (x, y, z) for a pose.
    public static func angles(_ pose: HeadPose) -> (x: Float, y: Float, z: Float) {
        (pose.pitch, pose.yaw, pose.roll)
    }

    /// The project's translation (camera at the origin) for Deep3DFaceRecon's (camera at z = 10).
    public static func translation(_ t: (x: Float, y: Float, z: Float), cameraDistance: Float = 10) -> Vector3 {
        Vector3(x: t.x, y: t.y, z: t.z - cameraDistance)
    }
}
