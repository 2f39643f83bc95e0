import Foundation

// Test-only access to the op reference fixtures in Fixtures/ops/<op>.json, written by
// scripts/make-op-fixtures.py (numpy, independent of the engine; format documented there).
// The folder is found next to this source file (#filePath), so the test target needs no
// `resources:` entry. Typical use in an op test:
//
//     for fixture in try OpFixture.cases(for: "conv2d") {
//         let x = try fixture.input("x"), weight = try fixture.input("weight")
//         let stride = try fixture.int("stride")
//         let output = /* run the engine's op */
//         XCTAssertLessThan(fixture.expected.normalisedError(of: output), 1e-5, fixture.name)
//     }

/// A tensor in a fixture: shape plus row-major values.
struct OpFixtureTensor: Decodable, Equatable {
    /// Dimensions, outermost first (NCHW / NCL).
    let shape: [Int]
    /// `shape.reduce(1, *)` values in row-major order.
    let values: [Float]

    /// Elements the shape implies.
    var elementCount: Int { shape.reduce(1, *) }

    /// max |actual - expected| / max(1, max |expected|): the error measure to compare an op's output by.
    func normalisedError(of actual: [Float]) -> Double {
        guard actual.count == values.count else { return .infinity }
        var largestError = 0.0
        var largestMagnitude = 1.0
        for (got, want) in zip(actual, values) {
            largestError = max(largestError, abs(Double(got) - Double(want)))
            largestMagnitude = max(largestMagnitude, abs(Double(want)))
        }
        return largestError / largestMagnitude
    }
}

/// A parameter value (PyTorch argument names: stride, padding, eps, align_corners, size, ...).
enum OpFixtureParameter: Decodable, Equatable {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case integers([Int])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .integers(try container.decode([Int].self))
        }
    }
}

/// A fixture problem (missing file, parameter or input), naming what was looked for.
struct OpFixtureError: Error, CustomStringConvertible {
    /// What was wrong.
    let description: String
}

/// One case: parameters, named inputs and the reference output.
struct OpFixtureCase: Decodable {
    /// A short name, unique within its op (e.g. `k4_s2_p1`).
    let name: String
    /// Parameters by PyTorch argument name.
    let params: [String: OpFixtureParameter]
    /// Inputs by name: `x`, `weight`, `bias` (absent: no bias), `gamma`, `beta`, `grid`, or `x0`, `x1`, ... for concat.
    let inputs: [String: OpFixtureTensor]
    /// The reference output.
    let expected: OpFixtureTensor

    /// The input called `name`.
    func input(_ name: String) throws -> OpFixtureTensor {
        guard let tensor = inputs[name] else {
            throw OpFixtureError(description: "case '\(self.name)' has no input '\(name)' (it has \(inputs.keys.sorted()))")
        }
        return tensor
    }

    /// The inputs `x0`, `x1`, ... in order (concat).
    var numberedInputs: [OpFixtureTensor] {
        var result: [OpFixtureTensor] = []
        while let tensor = inputs["x\(result.count)"] { result.append(tensor) }
        return result
    }

    /// The integer parameter `key`.
    func int(_ key: String) throws -> Int {
        guard case .int(let value) = params[key] else { throw missing(key, "an integer") }
        return value
    }

    /// The numeric parameter `key` (integers widen).
    func double(_ key: String) throws -> Double {
        switch params[key] {
        case .double(let value): return value
        case .int(let value): return Double(value)
        default: throw missing(key, "a number")
        }
    }

    /// The boolean parameter `key`.
    func bool(_ key: String) throws -> Bool {
        guard case .bool(let value) = params[key] else { throw missing(key, "a boolean") }
        return value
    }

    /// The integer-list parameter `key` (e.g. `size` of resize_bilinear).
    func integers(_ key: String) throws -> [Int] {
        guard case .integers(let value) = params[key] else { throw missing(key, "a list of integers") }
        return value
    }

    private func missing(_ key: String, _ kind: String) -> OpFixtureError {
        OpFixtureError(
            description: "case '\(name)': parameter '\(key)' should be \(kind) but is \(params[key].map { "\($0)" } ?? "absent")")
    }
}

/// One op's fixture file.
struct OpFixture: Decodable {
    /// The op name, equal to the file name (`conv2d`).
    let op: String
    /// How the expected values were computed.
    let reference: String
    /// The formula implemented, in one line.
    let definition: String
    /// The cases.
    let cases: [OpFixtureCase]

    /// Every op the fixtures must cover.
    static let requiredOps = [
        "conv1d", "conv2d", "conv_transpose2d", "layer_norm2d", "instance_norm2d", "adain", "leaky_relu", "relu",
        "tanh", "avg_pool2d", "upsample_nearest2d", "resize_bilinear", "grid_sample", "concat",
    ]

    /// `Tests/FacetNeuralTests/Fixtures/ops`, found next to this file.
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/ops", isDirectory: true)
    }

    /// The ops that have a fixture file, sorted.
    static func availableOps() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }
            .map { String($0.dropLast(".json".count)) }
            .sorted()
    }

    /// Loads `<op>.json`.
    static func load(_ op: String) throws -> OpFixture {
        let url = directory.appendingPathComponent("\(op).json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw OpFixtureError(description: "no fixture for op '\(op)' at \(url.path); run scripts/make-op-fixtures.py")
        }
        return try JSONDecoder().decode(OpFixture.self, from: Data(contentsOf: url))
    }

    /// All cases of `op`.
    static func cases(for op: String) throws -> [OpFixtureCase] { try load(op).cases }
}
