// The eos model format (cereal binary archive), read and written field by field.
//
// Layout (little-endian, packed): u32 version (1…4); shape PcaModel; colour PcaModel;
// version ≥ 2: optional expression model (u8 "absent" flag, then i32 variant index 0 = PcaModel,
// 1 = blendshapes, then the payload); version ≥ 3: optional landmark map (u8 flag, u64 n,
// n × (string, i32)); texture coordinates (u64 n, n × (f64, f64)); version 4: texture triangles
// (u64 n, n × 3 i32). A PcaModel is mean (3N×1), orthonormal basis (3N×K), eigenvalues (K×1)
// (each matrix: i32 rows, i32 cols, rows·cols f32 column-major) and triangles (u64 n, n × 3 i32).
// A blendshape is a string name and a 3N×1 matrix; a blendshapes file is u64 n blendshapes.

import Foundation

/// A PCA model exactly as eos stores it.
public struct EosPcaModel: Sendable, Equatable {
    /// The mean, `3N` values `x0 y0 z0 x1 …`.
    public var mean: [Float]
    /// The orthonormal basis, column-major `3N × componentCount`.
    public var orthonormalBasis: [Float]
    /// The number of principal components `K`.
    public var componentCount: Int
    /// The variance of every component (`K` values, squared length units).
    public var eigenvalues: [Float]
    /// Triangles as 0-based vertex indices.
    public var triangles: [SIMD3<Int32>]

    /// Creates a PCA model; `orthonormalBasis.count` must be `mean.count × eigenvalues.count`.
    public init(mean: [Float], orthonormalBasis: [Float], eigenvalues: [Float], triangles: [SIMD3<Int32>]) {
        self.mean = mean
        self.orthonormalBasis = orthonormalBasis
        self.componentCount = eigenvalues.count
        self.eigenvalues = eigenvalues
        self.triangles = triangles
    }

    /// An empty model (eos's "no colour model").
    public static let empty = EosPcaModel(mean: [], orthonormalBasis: [], eigenvalues: [], triangles: [])
}

/// One named blendshape: a per-vertex displacement.
public struct EosBlendshape: Sendable, Equatable {
    /// The blendshape's name (e.g. "happiness").
    public var name: String
    /// The displacement, `3N` values `dx0 dy0 dz0 …`.
    public var deformation: [Float]

    /// Creates a blendshape.
    public init(name: String, deformation: [Float]) {
        self.name = name
        self.deformation = deformation
    }
}

/// An eos expression model: a PCA model or a set of blendshapes.
public enum EosExpressionModel: Sendable, Equatable {
    /// A PCA expression model (variant index 0).
    case pca(EosPcaModel)
    /// Blendshapes (variant index 1).
    case blendshapes([EosBlendshape])
}

/// The content of an eos model file, field by field.
public struct EosModelFile: Sendable, Equatable {
    /// The newest format version this code reads and writes.
    public static let latestVersion: UInt32 = 4

    /// The format version (1…4); it decides which optional fields are stored.
    public var version: UInt32
    /// The shape (identity) PCA model.
    public var shape: EosPcaModel
    /// The colour (albedo) PCA model; empty for shape-only models such as the SFM.
    public var color: EosPcaModel
    /// The expression model (version ≥ 2).
    public var expression: EosExpressionModel?
    /// Landmark name → vertex index (version ≥ 3); iBUG points are named "1"…"68".
    public var landmarkDefinitions: [String: Int]?
    /// Per-vertex (or per-UV-vertex) texture coordinates.
    public var textureCoordinates: [SIMD2<Double>]
    /// Triangles into `textureCoordinates` (version 4).
    public var textureTriangles: [SIMD3<Int32>]

    /// Creates a model file's content.
    public init(
        version: UInt32 = EosModelFile.latestVersion, shape: EosPcaModel, color: EosPcaModel = .empty,
        expression: EosExpressionModel? = nil, landmarkDefinitions: [String: Int]? = nil,
        textureCoordinates: [SIMD2<Double>] = [], textureTriangles: [SIMD3<Int32>] = []
    ) {
        self.version = version
        self.shape = shape
        self.color = color
        self.expression = expression
        self.landmarkDefinitions = landmarkDefinitions
        self.textureCoordinates = textureCoordinates
        self.textureTriangles = textureTriangles
    }

    // MARK: - Reading

    /// Reads an eos model file.
    public static func read(from url: URL) throws -> EosModelFile {
        try decode(readFileBytes(url, what: "the eos model file"), path: url.path)
    }

    /// Decodes the bytes of an eos model file; `path` names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> EosModelFile {
        var reader = ByteReader(data: bytes, path: path)
        let version = try reader.uint32("the format version")
        guard (1...latestVersion).contains(version) else {
            throw ModelError(
                .malformed,
                "unknown eos model version \(version): expected 1…\(latestVersion) "
                    + "(is this an eos .bin model file?)", path: path)
        }
        let shape = try readPcaModel(&reader, "the shape model")
        guard shape.mean.count > 0, shape.componentCount > 0 else {
            throw ModelError(
                .malformed, "the shape model is empty: expected a mean of 3N values and at least one component",
                path: path)
        }
        let color = try readPcaModel(&reader, "the colour model")
        var expression: EosExpressionModel?
        if version >= 2, try reader.uint8("the expression model's absent flag") == 0 {
            let index = try reader.int32("the expression model's kind")
            switch index {
            case 0: expression = .pca(try readPcaModel(&reader, "the expression PCA model"))
            case 1: expression = .blendshapes(try readBlendshapeList(&reader))
            default:
                throw ModelError(
                    .malformed,
                    "the expression model's kind is \(index) at offset \(reader.offset - 4): "
                        + "expected 0 (PCA model) or 1 (blendshapes)", path: path)
            }
        }
        var landmarks: [String: Int]?
        if version >= 3, try reader.uint8("the landmark map's absent flag") == 0 {
            let count = try reader.count("the landmark map", elementSize: 12)
            var map: [String: Int] = [:]
            for _ in 0..<count {
                let name = try reader.string("a landmark name")
                map[name] = Int(try reader.int32("the vertex of landmark \(name)"))
            }
            landmarks = map
        }
        let uvCount = try reader.count("the texture coordinates", elementSize: 16)
        var uvs: [SIMD2<Double>] = []
        uvs.reserveCapacity(uvCount)
        for _ in 0..<uvCount {
            uvs.append(SIMD2(try reader.float64("a texture coordinate"), try reader.float64("a texture coordinate")))
        }
        var uvTriangles: [SIMD3<Int32>] = []
        if version >= 4 { uvTriangles = try readTriangles(&reader, "the texture triangles") }
        if reader.remaining != 0 {
            throw ModelError(
                .malformed,
                "\(reader.remaining) unexpected bytes after the model at offset \(reader.offset) "
                    + "(version \(version) ends there)", path: path)
        }
        return EosModelFile(
            version: version, shape: shape, color: color, expression: expression,
            landmarkDefinitions: landmarks, textureCoordinates: uvs, textureTriangles: uvTriangles)
    }

    /// Reads an eos blendshapes file (u64 n, then n × (name, 3N×1 matrix)).
    public static func readBlendshapes(from url: URL) throws -> [EosBlendshape] {
        let bytes = try readFileBytes(url, what: "the blendshapes file")
        var reader = ByteReader(data: bytes, path: url.path)
        let shapes = try readBlendshapeList(&reader)
        if reader.remaining != 0 {
            throw ModelError(
                .malformed,
                "\(reader.remaining) unexpected bytes after \(shapes.count) blendshapes "
                    + "at offset \(reader.offset)", path: url.path)
        }
        return shapes
    }

    private static func readMatrix(_ reader: inout ByteReader, _ what: String) throws -> (rows: Int, cols: Int, values: [Float]) {
        let rows = Int(try reader.int32("the row count of \(what)"))
        let cols = Int(try reader.int32("the column count of \(what)"))
        guard rows >= 0, cols >= 0 else {
            throw ModelError(
                .malformed, "\(what) has a negative size \(rows)×\(cols) at offset \(reader.offset - 8)",
                path: reader.path)
        }
        let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
        guard !overflow else {
            throw ModelError(.malformed, "\(what) has an impossible size \(rows)×\(cols)", path: reader.path)
        }
        return (rows, cols, try reader.float32Array(count, "\(what) (\(rows)×\(cols) floats)"))
    }

    private static func readTriangles(_ reader: inout ByteReader, _ what: String) throws -> [SIMD3<Int32>] {
        let count = try reader.count(what, elementSize: 12)
        var triangles: [SIMD3<Int32>] = []
        triangles.reserveCapacity(count)
        for _ in 0..<count {
            triangles.append(SIMD3(try reader.int32(what), try reader.int32(what), try reader.int32(what)))
        }
        return triangles
    }

    private static func readPcaModel(_ reader: inout ByteReader, _ what: String) throws -> EosPcaModel {
        let mean = try readMatrix(&reader, "the mean of \(what)")
        let basis = try readMatrix(&reader, "the basis of \(what)")
        let eigen = try readMatrix(&reader, "the eigenvalues of \(what)")
        let triangles = try readTriangles(&reader, "the triangles of \(what)")
        if mean.values.isEmpty && basis.values.isEmpty && eigen.values.isEmpty {
            return EosPcaModel(mean: [], orthonormalBasis: [], eigenvalues: [], triangles: triangles)
        }
        guard mean.cols == 1, mean.rows % 3 == 0 else {
            throw ModelError(
                .malformed,
                "the mean of \(what) is \(mean.rows)×\(mean.cols): expected a matrix of 3N rows "
                    + "and 1 column", path: reader.path)
        }
        guard basis.rows == mean.rows else {
            throw ModelError(
                .malformed,
                "the basis of \(what) has \(basis.rows) rows: expected \(mean.rows) "
                    + "(3 × \(mean.rows / 3) vertices, as the mean)", path: reader.path)
        }
        guard eigen.cols == 1 || eigen.values.isEmpty, eigen.values.count == basis.cols else {
            throw ModelError(
                .malformed,
                "\(what) has \(basis.cols) basis columns but \(eigen.rows)×\(eigen.cols) "
                    + "eigenvalues: expected a \(basis.cols)×1 matrix", path: reader.path)
        }
        let vertexCount = mean.rows / 3
        if let bad = triangles.first(where: { min($0.x, $0.y, $0.z) < 0 || max($0.x, $0.y, $0.z) >= vertexCount }) {
            throw ModelError(.malformed, "\(what) has a triangle \(bad) outside the \(vertexCount) vertices", path: reader.path)
        }
        return EosPcaModel(mean: mean.values, orthonormalBasis: basis.values, eigenvalues: eigen.values, triangles: triangles)
    }

    private static func readBlendshapeList(_ reader: inout ByteReader) throws -> [EosBlendshape] {
        let count = try reader.count("the blendshapes", elementSize: 16)
        var shapes: [EosBlendshape] = []
        for index in 0..<count {
            let name = try reader.string("the name of blendshape \(index)")
            let matrix = try readMatrix(&reader, "blendshape \"\(name)\"")
            guard matrix.cols == 1 || matrix.values.isEmpty, matrix.rows % 3 == 0 else {
                throw ModelError(
                    .malformed,
                    "blendshape \"\(name)\" is \(matrix.rows)×\(matrix.cols): expected a matrix of "
                        + "3N rows and 1 column", path: reader.path)
            }
            shapes.append(EosBlendshape(name: name, deformation: matrix.values))
        }
        return shapes
    }

    // MARK: - Writing

    /// The file's bytes in the eos format of `version`.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.uint32(version)
        Self.writePcaModel(&writer, shape)
        Self.writePcaModel(&writer, color)
        if version >= 2 {
            switch expression {
            case nil: writer.uint8(1)
            case .pca(let model):
                writer.uint8(0)
                writer.int32(0)
                Self.writePcaModel(&writer, model)
            case .blendshapes(let shapes):
                writer.uint8(0)
                writer.int32(1)
                Self.writeBlendshapeList(&writer, shapes)
            }
        }
        if version >= 3 {
            if let landmarkDefinitions {
                writer.uint8(0)
                writer.uint64(UInt64(landmarkDefinitions.count))
                let names = landmarkDefinitions.keys.sorted { lhs, rhs in
                    switch (Int(lhs), Int(rhs)) {
                    case (let l?, let r?): return l < r
                    default: return lhs < rhs
                    }
                }
                for name in names {
                    writer.string(name)
                    writer.int32(Int32(landmarkDefinitions[name] ?? 0))
                }
            } else {
                writer.uint8(1)
            }
        }
        writer.uint64(UInt64(textureCoordinates.count))
        for uv in textureCoordinates {
            writer.float64(uv.x)
            writer.float64(uv.y)
        }
        if version >= 4 { Self.writeTriangles(&writer, textureTriangles) }
        return writer.data
    }

    /// Writes the file in the eos format of `version`.
    public func write(to url: URL) throws {
        do {
            try Data(encoded()).write(to: url)
        } catch {
            throw ModelError(.invalidArgument, "could not write the eos model", path: url.path, cause: error)
        }
    }

    /// The bytes of an eos blendshapes file.
    public static func encodeBlendshapes(_ shapes: [EosBlendshape]) -> [UInt8] {
        var writer = ByteWriter()
        writeBlendshapeList(&writer, shapes)
        return writer.data
    }

    private static func writeMatrix(_ writer: inout ByteWriter, rows: Int, cols: Int, _ values: [Float]) {
        writer.int32(Int32(rows))
        writer.int32(Int32(cols))
        writer.data.reserveCapacity(writer.data.count + values.count * 4)
        for value in values { writer.float32(value) }
    }

    private static func writeTriangles(_ writer: inout ByteWriter, _ triangles: [SIMD3<Int32>]) {
        writer.uint64(UInt64(triangles.count))
        for triangle in triangles {
            writer.int32(triangle.x)
            writer.int32(triangle.y)
            writer.int32(triangle.z)
        }
    }

    private static func writePcaModel(_ writer: inout ByteWriter, _ model: EosPcaModel) {
        let rows = model.mean.count
        // Eigen vectors always have one column, even when empty (eos writes an empty colour model as 0×1, 0×0, 0×1).
        writeMatrix(&writer, rows: rows, cols: 1, model.mean)
        writeMatrix(&writer, rows: rows, cols: rows == 0 ? 0 : model.componentCount, model.orthonormalBasis)
        writeMatrix(&writer, rows: model.eigenvalues.count, cols: 1, model.eigenvalues)
        writeTriangles(&writer, model.triangles)
    }

    private static func writeBlendshapeList(_ writer: inout ByteWriter, _ shapes: [EosBlendshape]) {
        writer.uint64(UInt64(shapes.count))
        for shape in shapes {
            writer.string(shape.name)
            writeMatrix(&writer, rows: shape.deformation.count, cols: 1, shape.deformation)
        }
    }
}
