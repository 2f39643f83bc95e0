// Where the 68 iBUG landmarks sit on a model: fixed vertices plus, for the jaw contour, lists of
// candidate vertices (the image contour slides over the cheek as the head turns).

import Foundation

/// The correspondence between the 68 iBUG landmarks (numbered 1…68) and a model's vertices.
public struct LandmarkMap: Sendable, Equatable, Codable {
    /// iBUG numbers of the jaw contour on the face's right side (the image's left in a frontal view).
    public static let rightContourLandmarks = Array(1...8)
    /// iBUG numbers of the jaw contour on the face's left side (the image's right in a frontal view).
    public static let leftContourLandmarks = Array(10...17)
    /// The left-right counterpart of every iBUG landmark (1…68 → 1…68; points on the face's midline map
    /// to themselves): what a landmark becomes in the mirror image.
    public static let mirrored: [Int: Int] = {
        let zeroBased = [
            16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,  // jaw
            26, 25, 24, 23, 22, 21, 20, 19, 18, 17,  // brows
            27, 28, 29, 30, 35, 34, 33, 32, 31,  // nose
            45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40,  // eyes
            54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55,  // outer lips
            64, 63, 62, 61, 60, 67, 66, 65,
        ]  // inner lips
        return Dictionary(uniqueKeysWithValues: zeroBased.enumerated().map { ($0.offset + 1, $0.element + 1) })
    }()
    /// iBUG numbers a model may leave unmapped (the inner mouth corners, 61 and 65).
    public static let optionalLandmarks: Set<Int> = [61, 65]

    /// iBUG number (1…68) → 0-based vertex index, for landmarks with a fixed vertex.
    public var fixed: [Int: Int]
    /// Candidate vertices for the right jaw contour (iBUG 1–8), ordered from the ear to the chin.
    public var rightContour: [Int]
    /// Candidate vertices for the left jaw contour (iBUG 10–17), ordered from the ear to the chin.
    public var leftContour: [Int]

    /// Creates a map.
    public init(fixed: [Int: Int], rightContour: [Int] = [], leftContour: [Int] = []) {
        self.fixed = fixed
        self.rightContour = rightContour
        self.leftContour = leftContour
    }

    /// True when a landmark number belongs to a contour that has candidates instead of a fixed vertex.
    public func usesContourCandidates(_ landmark: Int) -> Bool {
        guard fixed[landmark] == nil else { return false }
        if Self.rightContourLandmarks.contains(landmark) { return !rightContour.isEmpty }
        if Self.leftContourLandmarks.contains(landmark) { return !leftContour.isEmpty }
        return false
    }

    /// The landmarks (1…68) the map cannot place: neither fixed, nor optional, nor on a contour with candidates.
    public var missingLandmarks: [Int] {
        (1...68).filter { fixed[$0] == nil && !Self.optionalLandmarks.contains($0) && !usesContourCandidates($0) }
    }

    /// Checks that every vertex exists and that the 68 points are covered; `.incompatible` lists what is missing.
    public func validate(vertexCount: Int, path: String? = nil) throws {
        let missing = missingLandmarks
        guard missing.isEmpty else {
            throw ModelError(
                .incompatible,
                "the landmark map does not cover the 68 iBUG points: no vertex for landmark(s) "
                    + "\(missing.map(String.init).joined(separator: ", ")) (expected fixed vertices for 9, 18–60, "
                    + "62–64, 66–68 and fixed vertices or contour candidates for 1–8 and 10–17)",
                path: path)
        }
        let all = Array(fixed.values) + rightContour + leftContour
        if let bad = all.first(where: { $0 < 0 || $0 >= vertexCount }) {
            throw ModelError(
                .incompatible,
                "the landmark map names vertex \(bad), but the model has \(vertexCount) vertices "
                    + "(0…\(vertexCount - 1))", path: path)
        }
        if let bad = fixed.keys.first(where: { !(1...68).contains($0) }) {
            throw ModelError(.incompatible, "the landmark map names landmark \(bad): expected iBUG numbers 1…68", path: path)
        }
    }

    // MARK: - Files

    /// Parses eos's `ibug_to_sfm.txt`: the `[landmark_mappings]` table of `ibug = vertex  # comment` lines.
    public static func parseMapping(_ text: String, path: String? = nil) throws -> [Int: Int] {
        var section = ""
        var map: [Int: Int] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("[") {
                section = trimmed.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                continue
            }
            guard section == "landmark_mappings" else { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let landmark = Int(parts[0]), let vertex = Int(parts[1]) else {
                throw ModelError(
                    .malformed, "line \(number + 1): expected `landmark = vertex` (two integers), got `\(trimmed)`",
                    path: path)
            }
            if map[landmark] != nil {
                throw ModelError(.malformed, "line \(number + 1): landmark \(landmark) is mapped twice", path: path)
            }
            map[landmark] = vertex
        }
        if map.isEmpty {
            throw ModelError(.malformed, "no `[landmark_mappings]` entries found (expected lines like `9 = 33`)", path: path)
        }
        return map
    }

    /// Parses eos's `sfm_model_contours.json`: `{"model_contour": {"right_contour": […], "left_contour": […]}}`.
    public static func parseContours(_ data: Data, path: String? = nil) throws -> (right: [Int], left: [Int]) {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ModelError(.malformed, "not valid JSON", path: path, cause: error)
        }
        guard let object = root as? [String: Any], let contour = object["model_contour"] as? [String: Any],
            let right = contour["right_contour"] as? [NSNumber], let left = contour["left_contour"] as? [NSNumber]
        else {
            throw ModelError(
                .malformed, "expected {\"model_contour\": {\"right_contour\": [ints], \"left_contour\": [ints]}}",
                path: path)
        }
        return (right.map(\.intValue), left.map(\.intValue))
    }
}

/// The mesh's edge topology as eos stores it, for occluding-contour fitting.
///
/// Face indices are 1-based with 0 meaning "no face on that side" (a mesh border), vertex
/// indices 1-based too, exactly as in `sfm_3448_edge_topology.json`.
public struct EdgeTopology: Sendable, Equatable {
    /// For every edge, the two faces that share it (1-based, 0 = none).
    public var adjacentFaces: [SIMD2<Int32>]
    /// For every edge, its two vertices (1-based).
    public var adjacentVertices: [SIMD2<Int32>]

    /// Creates a topology.
    public init(adjacentFaces: [SIMD2<Int32>], adjacentVertices: [SIMD2<Int32>]) {
        self.adjacentFaces = adjacentFaces
        self.adjacentVertices = adjacentVertices
    }

    /// Parses `{"edge_topology": {"adjacent_faces": [{"value0": a, "value1": b}, …], "adjacent_vertices": […]}}`.
    public static func parse(_ data: Data, path: String? = nil) throws -> EdgeTopology {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ModelError(.malformed, "not valid JSON", path: path, cause: error)
        }
        func pairs(_ key: String, _ object: [String: Any]) throws -> [SIMD2<Int32>] {
            guard let list = object[key] as? [[String: Any]] else {
                throw ModelError(.malformed, "expected \"edge_topology\".\"\(key)\" to be a list of {value0, value1}", path: path)
            }
            return try list.enumerated().map { index, pair in
                guard let a = pair["value0"] as? NSNumber, let b = pair["value1"] as? NSNumber else {
                    throw ModelError(.malformed, "\(key)[\(index)] lacks integer value0/value1", path: path)
                }
                return SIMD2(Int32(truncatingIfNeeded: a.intValue), Int32(truncatingIfNeeded: b.intValue))
            }
        }
        guard let object = root as? [String: Any], let topology = object["edge_topology"] as? [String: Any] else {
            throw ModelError(.malformed, "expected a top-level \"edge_topology\" object", path: path)
        }
        let faces = try pairs("adjacent_faces", topology)
        let vertices = try pairs("adjacent_vertices", topology)
        guard faces.count == vertices.count else {
            throw ModelError(
                .malformed,
                "\(faces.count) adjacent_faces but \(vertices.count) adjacent_vertices: expected one "
                    + "entry of each per edge", path: path)
        }
        return EdgeTopology(adjacentFaces: faces, adjacentVertices: vertices)
    }
}

extension MorphableModel {
    /// Whether the model's mean face is its own mirror image about its x = 0 plane at the fixed
    /// landmarks: each landmark and its left-right partner (`LandmarkMap.mirrored`) mirror each
    /// other within 2% of the landmarks' spread (the Surrey model: 0.2%). Only then is a face's
    /// mirror image a face of the model, which `FaceFitter.Configuration.mirrorSymmetricPose` needs.
    public var isLeftRightSymmetric: Bool {
        var pairs: [(Int, Int)] = []
        for (number, vertex) in landmarks.fixed {
            guard let partnerNumber = LandmarkMap.mirrored[number], let partner = landmarks.fixed[partnerNumber] else { continue }
            if number <= partnerNumber { pairs.append((vertex, partner)) }
        }
        guard pairs.count >= 10 else { return false }
        let vertices = landmarks.fixed.values
        var centre = (0.0, 0.0, 0.0)
        for vertex in vertices {
            centre.0 += Double(mean[vertex * 3]); centre.1 += Double(mean[vertex * 3 + 1]); centre.2 += Double(mean[vertex * 3 + 2])
        }
        let count = Double(vertices.count)
        centre = (centre.0 / count, centre.1 / count, centre.2 / count)
        var spread = 0.0
        for vertex in vertices {
            let dx = Double(mean[vertex * 3]) - centre.0, dy = Double(mean[vertex * 3 + 1]) - centre.1
            let dz = Double(mean[vertex * 3 + 2]) - centre.2
            spread += dx * dx + dy * dy + dz * dz
        }
        spread = (spread / count).squareRoot()
        var asymmetry = 0.0
        for (a, b) in pairs {
            let dx = Double(mean[a * 3]) + Double(mean[b * 3]), dy = Double(mean[a * 3 + 1]) - Double(mean[b * 3 + 1])
            let dz = Double(mean[a * 3 + 2]) - Double(mean[b * 3 + 2])
            asymmetry += dx * dx + dy * dy + dz * dz
        }
        asymmetry = (asymmetry / Double(pairs.count)).squareRoot()
        return spread > 0 && asymmetry < 0.02 * spread
    }
}
