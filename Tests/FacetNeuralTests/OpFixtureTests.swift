import XCTest

/// The op fixtures are complete and self-consistent, so engine op tests can trust them.
final class OpFixtureTests: XCTestCase {
    /// Every required op has a file whose `op` matches its name, with uniquely named cases.
    func testEveryRequiredOpHasFixtures() throws {
        let available = Set(try OpFixture.availableOps())
        for op in OpFixture.requiredOps {
            XCTAssertTrue(available.contains(op), "no fixture file for \(op)")
        }
        for op in available {
            let fixture = try OpFixture.load(op)
            XCTAssertEqual(fixture.op, op)
            XCTAssertFalse(fixture.cases.isEmpty, "\(op) has no cases")
            XCTAssertEqual(Set(fixture.cases.map(\.name)).count, fixture.cases.count, "\(op) repeats a case name")
            XCTAssertFalse(fixture.definition.isEmpty, "\(op) has no definition")
        }
    }

    /// Every tensor's shape product equals its value count, and every value is finite.
    func testShapesMatchValueCounts() throws {
        for op in try OpFixture.availableOps() {
            for fixture in try OpFixture.cases(for: op) {
                for (name, tensor) in fixture.inputs.merging(["expected": fixture.expected], uniquingKeysWith: { first, _ in first }) {
                    XCTAssertTrue(tensor.shape.allSatisfy { $0 > 0 }, "\(op)/\(fixture.name)/\(name) shape \(tensor.shape)")
                    XCTAssertEqual(tensor.values.count, tensor.elementCount, "\(op)/\(fixture.name)/\(name) shape \(tensor.shape)")
                    XCTAssertTrue(tensor.values.allSatisfy(\.isFinite), "\(op)/\(fixture.name)/\(name) has a non-finite value")
                }
            }
        }
    }

    /// Each expected shape follows from the input shapes and parameters by PyTorch's size formulas.
    func testExpectedShapesFollowFromParameters() throws {
        for op in OpFixture.requiredOps {
            for fixture in try OpFixture.cases(for: op) {
                let derived = try Self.outputShape(op: op, fixture)
                XCTAssertEqual(fixture.expected.shape, derived, "\(op)/\(fixture.name)")
            }
        }
    }

    /// The exact ops (relu, leaky_relu, nearest upsampling, concat) are exact in the fixtures too.
    func testExactOpsAreExact() throws {
        for fixture in try OpFixture.cases(for: "relu") {
            XCTAssertEqual(fixture.expected.values, try fixture.input("x").values.map { max($0, 0) }, fixture.name)
        }
        for fixture in try OpFixture.cases(for: "leaky_relu") {
            let slope = Float(try fixture.double("negative_slope"))
            XCTAssertEqual(slope, 0.1)
            let reference = try fixture.input("x").values.map { $0 >= 0 ? $0 : $0 * slope }
            XCTAssertLessThan(fixture.expected.normalisedError(of: reference), 1e-7, fixture.name)
        }
        for fixture in try OpFixture.cases(for: "upsample_nearest2d") {
            let x = try fixture.input("x")
            let (height, width) = (x.shape[2], x.shape[3])
            let planes = x.shape[0] * x.shape[1]
            var reference: [Float] = []
            for plane in 0..<planes {
                for row in 0..<(2 * height) {
                    for column in 0..<(2 * width) { reference.append(x.values[plane * height * width + (row / 2) * width + column / 2]) }
                }
            }
            XCTAssertEqual(fixture.expected.values, reference, fixture.name)
        }
        for fixture in try OpFixture.cases(for: "concat") {
            let parts = fixture.numberedInputs
            XCTAssertGreaterThanOrEqual(parts.count, 2, fixture.name)
            var reference: [Float] = []
            for sample in 0..<fixture.expected.shape[0] {
                for part in parts {
                    let sampleSize = part.elementCount / part.shape[0]
                    reference += part.values[(sample * sampleSize)..<((sample + 1) * sampleSize)]
                }
            }
            XCTAssertEqual(fixture.expected.values, reference, fixture.name)
        }
    }

    /// The helpers engine tests use: parameters by type, the normalised error.
    func testLoaderAccessors() throws {
        let convolution = try XCTUnwrap(try OpFixture.cases(for: "conv2d").first { $0.name == "k4_s2_p1" })
        XCTAssertEqual(try convolution.int("stride"), 2)
        XCTAssertEqual(try convolution.int("padding"), 1)
        XCTAssertThrowsError(try convolution.bool("stride"))
        XCTAssertThrowsError(try convolution.input("gamma"))
        let resize = try XCTUnwrap(try OpFixture.cases(for: "resize_bilinear").first)
        XCTAssertEqual(try resize.bool("align_corners"), false)
        XCTAssertEqual(try resize.integers("size").count, 2)
        XCTAssertEqual(try OpFixture.cases(for: "layer_norm2d").first?.double("eps"), 1e-5)
        let expected = convolution.expected
        XCTAssertEqual(expected.normalisedError(of: expected.values), 0)
        XCTAssertGreaterThan(expected.normalisedError(of: expected.values.map { $0 + 0.01 }), 1e-3)
        XCTAssertEqual(expected.normalisedError(of: []), .infinity)
        XCTAssertThrowsError(try OpFixture.load("no_such_op"))
    }

    // MARK: - Shape formulas (PyTorch documentation)

    private static func outputShape(op: String, _ fixture: OpFixtureCase) throws -> [Int] {
        let x = fixture.inputs["x"]?.shape ?? []
        switch op {
        case "conv1d":
            let weight = try fixture.input("weight").shape
            let length = convolvedSize(
                x[2], kernel: weight[2], stride: try fixture.int("stride"),
                padding: try fixture.int("padding"), dilation: try fixture.int("dilation"))
            return [x[0], weight[0], length]
        case "conv2d":
            let weight = try fixture.input("weight").shape
            let (stride, padding, dilation) = (try fixture.int("stride"), try fixture.int("padding"), try fixture.int("dilation"))
            return [
                x[0], weight[0],
                convolvedSize(x[2], kernel: weight[2], stride: stride, padding: padding, dilation: dilation),
                convolvedSize(x[3], kernel: weight[3], stride: stride, padding: padding, dilation: dilation),
            ]
        case "conv_transpose2d":
            let weight = try fixture.input("weight").shape
            let (stride, padding, outputPadding) = (
                try fixture.int("stride"), try fixture.int("padding"), try fixture.int("output_padding")
            )
            let dilation = try fixture.int("dilation")
            func size(_ input: Int, _ kernel: Int) -> Int {
                (input - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1
            }
            XCTAssertEqual(weight[0], x[1], "\(fixture.name): conv_transpose2d weight is (in, out, kh, kw)")
            return [x[0], weight[1], size(x[2], weight[2]), size(x[3], weight[3])]
        case "layer_norm2d":
            XCTAssertEqual(try fixture.input("weight").shape, [x[1], 1, 1], fixture.name)
            return x
        case "adain":
            XCTAssertEqual(try fixture.input("gamma").shape, [x[0], x[1]], fixture.name)
            XCTAssertEqual(try fixture.input("beta").shape, [x[0], x[1]], fixture.name)
            return x
        case "instance_norm2d", "leaky_relu", "relu", "tanh":
            return x
        case "avg_pool2d":
            let (kernel, stride) = (try fixture.int("kernel_size"), try fixture.int("stride"))
            return [x[0], x[1], (x[2] - kernel) / stride + 1, (x[3] - kernel) / stride + 1]
        case "upsample_nearest2d":
            let scale = try fixture.int("scale_factor")
            return [x[0], x[1], x[2] * scale, x[3] * scale]
        case "resize_bilinear":
            return [x[0], x[1]] + (try fixture.integers("size"))
        case "grid_sample":
            let grid = try fixture.input("grid").shape
            XCTAssertEqual(grid.last, 2, fixture.name)
            return [x[0], x[1], grid[1], grid[2]]
        case "concat":
            let parts = fixture.numberedInputs
            XCTAssertEqual(try fixture.int("dim"), 1, fixture.name)
            guard let first = parts.first else { return [] }
            return [first.shape[0], parts.map { $0.shape[1] }.reduce(0, +), first.shape[2], first.shape[3]]
        default:
            XCTFail("no shape formula for \(op)")
            return []
        }
    }

    private static func convolvedSize(_ input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int {
        (input + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
    }
}
