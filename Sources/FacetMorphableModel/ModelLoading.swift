// Finding the models directory and loading the models in it.
//
// Layout: <models>/sfm/{sfm_shape_3448.bin, expression_blendshapes_3448.bin, ibug_to_sfm.txt,
// sfm_model_contours.json, sfm_3448_edge_topology.json} and, for a converted Basel model,
// <models>/bfm/{bfm_front.bin, bfm_front.json}.

import FacetSDK
import Foundation

/// Locates the models directory.
public enum ModelDirectory {
    /// The environment variable naming the models directory.
    public static let environmentVariable = "FACET_MODELS_DIR"

    /// Candidate directories in order: explicit, `$FACET_MODELS_DIR`, `~/.local/share/facet/models`,
    /// `<executable>/../share/facet/models`, `./../shared/models`, `<package root>/../shared/models`.
    public static func candidates(
        explicit: URL? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        executable: URL? = Bundle.main.executableURL
    ) -> [URL] {
        var result: [URL] = []
        if let explicit { result.append(explicit) }
        if let value = environment[environmentVariable], !value.isEmpty { result.append(URL(fileURLWithPath: value)) }
        if let home = environment["HOME"], !home.isEmpty {
            result.append(URL(fileURLWithPath: home).appendingPathComponent(".local/share/facet/models"))
        }
        if let executable {
            result.append(
                executable.deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent("share/facet/models"))
        }
        result.append(currentDirectory.deletingLastPathComponent().appendingPathComponent("shared/models"))
        // This file is Sources/FacetMorphableModel/ModelLoading.swift: three levels up is the package root.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        result.append(packageRoot.deletingLastPathComponent().appendingPathComponent("shared/models"))
        return result
    }

    /// The first candidate that exists; an explicit directory that does not exist is an error, never skipped.
    public static func resolve(
        explicit: URL? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        executable: URL? = Bundle.main.executableURL
    ) throws -> URL {
        var isDirectory: ObjCBool = false
        if let explicit {
            guard FileManager.default.fileExists(atPath: explicit.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ModelError(.fileNotFound, "the models directory given does not exist", path: explicit.path)
            }
            return explicit
        }
        let list = candidates(
            explicit: nil, environment: environment, currentDirectory: currentDirectory,
            executable: executable)
        for url in list where FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue {
            return url
        }
        throw ModelError(
            .fileNotFound,
            "no models directory found; looked in: " + list.map(\.path).joined(separator: ", ")
                + " (set \(environmentVariable) or see Docs/Models.md)")
    }
}

extension MorphableModel {
    /// Names of the files of the Surrey Face Model inside `<models>/sfm/`.
    public enum SurreyFiles {
        /// The shape model.
        public static let model = "sfm_shape_3448.bin"
        /// The six expression blendshapes.
        public static let blendshapes = "expression_blendshapes_3448.bin"
        /// The iBUG-68 → vertex map.
        public static let mapping = "ibug_to_sfm.txt"
        /// The jaw-contour candidate vertices.
        public static let contours = "sfm_model_contours.json"
        /// The mesh edge topology.
        public static let edgeTopology = "sfm_3448_edge_topology.json"
    }

    /// Loads a model by name from the models directory (resolved as `ModelDirectory.resolve`):
    /// "sfm" (the Surrey Face Model) or the name of a converted model folder holding `<file>.bin` + `<file>.json`.
    public static func load(
        named name: String = "sfm", modelsDirectory: URL? = nil,
        loadEdgeTopology: Bool = true, deriveExpressions: Bool = true
    ) throws -> MorphableModel {
        let root = try ModelDirectory.resolve(explicit: modelsDirectory)
        let folder = root.appendingPathComponent(name, isDirectory: true)
        if name == "sfm" {
            return try loadSurrey(directory: folder, loadEdgeTopology: loadEdgeTopology, deriveExpressions: deriveExpressions)
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        guard let binary = contents.sorted().first(where: { $0.hasSuffix(".bin") }) else {
            throw ModelError(
                .fileNotFound,
                "model folder \"\(name)\" has no .bin model file (expected e.g. "
                    + "bfm_front.bin from `BFMConverter`)", path: folder.path)
        }
        return try loadConverted(modelFile: folder.appendingPathComponent(binary))
    }

    /// Loads the Surrey Face Model from a folder holding its five files (see `SurreyFiles`).
    ///
    /// With `deriveExpressions` (the default) the six emotion blendshapes are followed by the
    /// `DerivedExpressions.blendshapeNames` (jaw open, each eye closed, each brow raised), so
    /// fitting follows speech and blinks and effects can edit them.
    public static func loadSurrey(
        directory: URL, loadEdgeTopology: Bool = true,
        deriveExpressions: Bool = true
    ) throws -> MorphableModel {
        let modelURL = directory.appendingPathComponent(SurreyFiles.model)
        let file = try EosModelFile.read(from: modelURL)
        let blendshapesURL = directory.appendingPathComponent(SurreyFiles.blendshapes)
        let blendshapes = try EosModelFile.readBlendshapes(from: blendshapesURL)
        let mappingURL = directory.appendingPathComponent(SurreyFiles.mapping)
        let mappingText = String(decoding: try readFileBytes(mappingURL, what: "the landmark mapping"), as: UTF8.self)
        let fixed = try LandmarkMap.parseMapping(mappingText, path: mappingURL.path)
        let contoursURL = directory.appendingPathComponent(SurreyFiles.contours)
        let contours = try LandmarkMap.parseContours(
            Data(try readFileBytes(contoursURL, what: "the contour definitions")),
            path: contoursURL.path)
        var topology: EdgeTopology?
        if loadEdgeTopology {
            let url = directory.appendingPathComponent(SurreyFiles.edgeTopology)
            topology = try EdgeTopology.parse(Data(try readFileBytes(url, what: "the edge topology")), path: url.path)
        }
        let map = LandmarkMap(fixed: fixed, rightContour: contours.right, leftContour: contours.left)
        let vertexCount = file.shape.mean.count / 3
        if let mismatch = blendshapes.first(where: { $0.deformation.count != file.shape.mean.count }) {
            throw ModelError(
                .incompatible,
                "blendshape \"\(mismatch.name)\" has \(mismatch.deformation.count / 3) vertices: "
                    + "expected \(vertexCount) as in \(SurreyFiles.model)", path: blendshapesURL.path)
        }
        try map.validate(vertexCount: vertexCount, path: mappingURL.path)
        var shapes = blendshapes
        if deriveExpressions {
            shapes += try DerivedExpressions.blendshapes(
                mean: file.shape.mean, landmarks: map, triangles: file.shape.triangles,
                existing: blendshapes.map(\.name))
        }
        return try MorphableModel(
            name: "sfm_\(vertexCount)", file: file, blendshapes: shapes, landmarks: map,
            convention: .surrey, edgeTopology: topology, path: modelURL.path)
    }

    /// Loads a converted model (`<name>.bin` in eos format with its landmark map, plus `<name>.json` manifest).
    public static func loadConverted(modelFile: URL) throws -> MorphableModel {
        let file = try EosModelFile.read(from: modelFile)
        let manifestURL = modelFile.deletingPathExtension().appendingPathExtension("json")
        var manifest = ModelManifest(
            name: modelFile.deletingPathExtension().lastPathComponent,
            convention: ModelConvention(lengthUnit: "unknown", projection: .weakPerspective))
        if FileManager.default.fileExists(atPath: manifestURL.path) {
            do {
                manifest = try JSONDecoder().decode(ModelManifest.self, from: Data(contentsOf: manifestURL))
            } catch {
                throw ModelError(.malformed, "the model manifest is not valid", path: manifestURL.path, cause: error)
            }
        }
        return try MorphableModel(
            name: manifest.name, file: file, convention: manifest.convention,
            expressionNames: manifest.expressionNames, path: modelFile.path)
    }
}
