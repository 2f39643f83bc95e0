import XCTest

@testable import FacetNeural

/// Every op against the independent direct-loop references of NaiveReference.swift (table-driven,
/// compared by normalised max error) plus a few values computed by hand.
/// Max absolute difference of two float arrays (infinity on a length mismatch).
enum Differences {
    static func maxAbs(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }
}

final class OpTests: XCTestCase {
    /// max |actual − expected| / max(1, max |expected|).
    static func normalisedError(_ actual: [Float], _ expected: [Double]) -> Double {
        guard actual.count == expected.count else { return .infinity }
        let scale = max(1, expected.map(abs).max() ?? 0)
        var worst = 0.0
        for (a, e) in zip(actual, expected) {
            let difference = abs(Double(a) - e)
            if !(difference <= worst) { worst = difference.isNaN ? .infinity : difference }
        }
        return worst / scale
    }

    func assertClose(
        _ actual: Tensor, _ expected: Array4, tolerance: Double = 2e-6, _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(actual.shape, expected.shape, "\(label): shape", file: file, line: line)
        let error = Self.normalisedError(actual.values, expected.values)
        XCTAssertLessThanOrEqual(error, tolerance, "\(label): normalised error \(error)", file: file, line: line)
    }

    func tensor(_ array: Array4) throws -> Tensor { try Tensor(shape: array.shape, values: array.floats) }

    // MARK: - Convolutions

    func testConv2dMatchesDirectLoops() throws {
        // (name, N, Cin, H, W, Cout, k, stride, padding, dilation, scratch floats; 0 = whole image)
        let cases: [(String, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)] = [
            ("k7 s1 p3", 1, 3, 12, 12, 5, 7, 1, 3, 1, 0),
            ("k3 s1 p1", 2, 4, 9, 11, 6, 3, 1, 1, 1, 0),
            ("k4 s2 p1", 1, 5, 10, 8, 7, 4, 2, 1, 1, 0),
            ("k3 s1 p1, one output row per tile", 1, 4, 9, 7, 3, 3, 1, 1, 1, 4 * 9 * 7),
            ("k4 s2 p1, two rows per tile", 1, 3, 12, 12, 4, 4, 2, 1, 1, 2 * 3 * 16 * 6),
            ("k3 dilation 2 p2", 1, 2, 8, 8, 3, 3, 1, 2, 2, 0),
            ("k1 no padding", 1, 6, 5, 5, 2, 1, 1, 0, 1, 0),
            ("k7 p3, 3 outputs (direct path)", 2, 5, 9, 12, 3, 7, 1, 3, 1, 0),
            ("k3 p0, 1 output (direct path)", 1, 4, 6, 5, 1, 3, 1, 0, 1, 0),
            ("k7 p3, 4 outputs, wide rows (direct path, vector interior)", 1, 3, 5, 29, 4, 7, 1, 3, 1, 0),
            ("k3 p1, 2 outputs, 40 wide (direct path, vector interior)", 2, 2, 3, 40, 2, 3, 1, 1, 1, 0),
            ("k7 p3, 5 outputs (im2col path)", 1, 4, 9, 10, 5, 7, 1, 3, 1, 0),
            (
                "k7 p3, 3 outputs, two input rows per sgemm (few-outputs path, tiled)", 2, 5, 9, 12, 3, 7, 1, 3, 1,
                Ops.conv2dFewOutputsScratch(inChannels: 5, outChannels: 3, kernelHeight: 7, kernelWidth: 7, inputWidth: 12) + 3 * 49 * 12
            ),
            (
                "k3 p1, 2 outputs, one input row per sgemm (few-outputs path)", 1, 4, 6, 19, 2, 3, 1, 1, 1,
                Ops.conv2dFewOutputsScratch(inChannels: 4, outChannels: 2, kernelHeight: 3, kernelWidth: 3, inputWidth: 19)
            ),
            ("k7 p3, 3 outputs, scratch below one row (direct loop)", 2, 5, 9, 12, 3, 7, 1, 3, 1, 1),
            ("k7 p3, 4 outputs, 29 wide (direct loop, overlapping last run)", 1, 3, 5, 29, 4, 7, 1, 3, 1, 1),
            ("k3 p1, 2 outputs, 40 wide (direct loop)", 2, 2, 3, 40, 2, 3, 1, 1, 1, 1),
            ("k3 p0, 1 output, 5 wide (direct loop, narrower than a run)", 1, 4, 6, 5, 1, 3, 1, 0, 1, 1),
            ("k5 p4, 3 outputs, padding wider than half the kernel (direct loop)", 1, 2, 4, 9, 3, 5, 1, 4, 1, 1),
            ("k5 p4, 3 outputs, padding wider than half the kernel (few-outputs path)", 1, 2, 4, 9, 3, 5, 1, 4, 1, 0),
            ("k3 s3 p0 (input larger than covered)", 1, 2, 10, 10, 2, 3, 3, 0, 1, 0),
        ]
        var random = TestRandom(seed: 1)
        for (name, n, cin, h, w, cout, k, stride, padding, dilation, scratchFloats) in cases {
            let x = Array4(shape: [n, cin, h, w], values: random.values(n * cin * h * w))
            let weight = Array4(shape: [cout, cin, k, k], values: random.values(cout * cin * k * k))
            let bias = random.values(cout)
            let expected = Reference.conv2d(x, weight, bias, stride: stride, padding: padding, dilation: dilation)
            let out = Tensor(shape: expected.shape)
            let scratch = ScratchBuffer(capacity: scratchFloats > 0 ? scratchFloats : cin * k * k * expected.shape[2] * expected.shape[3])
            try Ops.conv2d(
                out, tensor(x), weight: tensor(weight), bias: try Tensor(shape: [cout], values: bias.map(Float.init)),
                stride: stride, padding: padding, dilation: dilation, scratch: scratch)
            assertClose(out, expected, name)
        }
    }

    func testWinogradConvMatchesDirectLoops() throws {
        // (name, N, Cin, H, W, Cout, scratch floats; 0 = whole image)
        let cases: [(String, Int, Int, Int, Int, Int, Int)] = [
            ("8x8", 1, 3, 8, 8, 4, 0),
            ("non-square, batch 2", 2, 5, 6, 10, 3, 0),
            ("2x2 (a single tile)", 1, 2, 2, 2, 2, 0),
            ("one row of tiles per pass", 1, 4, 12, 8, 6, Ops.winogradScratch(inChannels: 4, outChannels: 6, tiles: 4)),
            ("three rows per pass, remainder", 1, 3, 10, 6, 2, Ops.winogradScratch(inChannels: 3, outChannels: 2, tiles: 9)),
        ]
        var random = TestRandom(seed: 9)
        for (name, n, cin, h, w, cout, scratchFloats) in cases {
            let x = Array4(shape: [n, cin, h, w], values: random.values(n * cin * h * w))
            let weight = Array4(shape: [cout, cin, 3, 3], values: random.values(cout * cin * 9))
            let bias = random.values(cout)
            let expected = Reference.conv2d(x, weight, bias, stride: 1, padding: 1, dilation: 1)
            let transformed = Tensor(shape: [16, cout, cin])
            try Ops.winogradTransformWeights(transformed, weight: tensor(weight))
            let out = Tensor(shape: expected.shape)
            let scratch = ScratchBuffer(
                capacity: scratchFloats > 0
                    ? scratchFloats
                    : Ops.winogradScratch(inChannels: cin, outChannels: cout, tiles: h * w / 4))
            try Ops.conv2dWinograd3x3(
                out, tensor(x), transformedWeight: transformed,
                bias: try Tensor(shape: [cout], values: bias.map(Float.init)), scratch: scratch)
            assertClose(out, expected, tolerance: 1e-5, name)
        }
        // Fused nearest ×2 upsampling equals upsampling then convolving.
        for (h, w) in [(3, 4), (1, 1), (5, 2)] {
            let small = Array4(shape: [1, 3, h, w], values: random.values(3 * h * w))
            var upsampled = Array4(shape: [1, 3, 2 * h, 2 * w])
            for c in 0..<3 { for y in 0..<(2 * h) { for xo in 0..<(2 * w) { upsampled[0, c, y, xo] = small[0, c, y / 2, xo / 2] } } }
            let weight = Array4(shape: [2, 3, 3, 3], values: random.values(54))
            let expected = Reference.conv2d(upsampled, weight, nil, stride: 1, padding: 1, dilation: 1)
            let transformed = Tensor(shape: [16, 2, 3])
            try Ops.winogradTransformWeights(transformed, weight: tensor(weight))
            let out = Tensor(shape: expected.shape)
            try Ops.conv2dWinograd3x3(
                out, tensor(small), transformedWeight: transformed, bias: nil, upsamplingInput: true,
                scratch: ScratchBuffer(capacity: Ops.winogradScratch(inChannels: 3, outChannels: 2, tiles: h * w)))
            assertClose(out, expected, tolerance: 1e-5, "fused upsampling \(h)x\(w)")
        }
        XCTAssertThrowsError(
            try Ops.conv2dWinograd3x3(
                Tensor(shape: [1, 1, 3, 4]), Tensor(shape: [1, 1, 3, 4]),
                transformedWeight: Tensor(shape: [16, 1, 1]), bias: nil,
                scratch: ScratchBuffer(capacity: 1000))
        ) { error in
            XCTAssertTrue(String(describing: error).contains("even height and width"), "\(error)")
        }
    }

    func testConv2dLayerPicksWinogradOnlyWhereItApplies() throws {
        // A 3×3 pad-1 layer runs Winograd on even sizes and im2col on odd ones; both match.
        let registry = ParameterRegistry()
        let layer = Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, registry: registry, prefix: "c")
        XCTAssertNotNil(layer.winogradWeight)
        XCTAssertNil(
            Conv2d(inChannels: 3, outChannels: 4, kernelSize: 4, stride: 2, padding: 1, registry: registry, prefix: "d").winogradWeight)
        var random = TestRandom(seed: 10)
        let weight = random.values(4 * 3 * 9), bias = random.values(4)
        try registry.load(
            TensorFile(tensors: [
                "c.weight": StoredTensor(shape: [4, 3, 3, 3], values: weight.map(Float.init)),
                "c.bias": StoredTensor(shape: [4], values: bias.map(Float.init)),
                "d.weight": StoredTensor(shape: [4, 3, 4, 4], values: [Float](repeating: 0, count: 192)),
                "d.bias": StoredTensor(shape: [4], values: [0, 0, 0, 0]),
            ]))
        for (h, w) in [(6, 8), (5, 7)] {
            let x = Array4(shape: [1, 3, h, w], values: random.values(3 * h * w))
            let expected = Reference.conv2d(x, Array4(shape: [4, 3, 3, 3], values: weight), bias, stride: 1, padding: 1, dilation: 1)
            let out = Tensor(shape: expected.shape)
            try layer.forward(out, tensor(x), scratch: ScratchBuffer(capacity: layer.scratchForWholeImage(height: h, width: w)))
            assertClose(out, expected, tolerance: 1e-5, "\(h)x\(w)")
        }
    }

    func testConv2dHandValues() throws {
        // 1×1×3×3 input 1…9, 3×3 kernel of ones, padding 1: each output is the sum of its neighbourhood.
        let x = try Tensor(shape: [1, 1, 3, 3], values: (1...9).map(Float.init))
        let weight = try Tensor(shape: [1, 1, 3, 3], values: [Float](repeating: 1, count: 9))
        let out = Tensor(shape: [1, 1, 3, 3])
        try Ops.conv2d(out, x, weight: weight, bias: nil, padding: 1, scratch: ScratchBuffer(capacity: 81))
        XCTAssertEqual(out.values, [12, 21, 16, 27, 45, 33, 24, 39, 28])
    }

    func testConvTranspose2dMatchesScatterDefinition() throws {
        // (name, N, Cin, H, W, Cout, k, stride, padding, output padding, scratch; 0 = whole)
        let cases: [(String, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)] = [
            ("k3 s2 p1 op1", 1, 4, 5, 5, 3, 3, 2, 1, 1, 0),
            ("k3 s2 p1 op1, batch 2, non-square", 2, 3, 4, 6, 5, 3, 2, 1, 1, 0),
            ("k3 s2 p1 op1, one input row per tile", 1, 3, 6, 4, 2, 3, 2, 1, 1, 2 * 9 * 4),
            ("k4 s2 p1 op0", 1, 2, 3, 3, 2, 4, 2, 1, 0, 0),
            ("k3 s1 p0", 1, 2, 4, 4, 3, 3, 1, 0, 0, 0),
        ]
        var random = TestRandom(seed: 2)
        for (name, n, cin, h, w, cout, k, stride, padding, outputPadding, scratchFloats) in cases {
            let x = Array4(shape: [n, cin, h, w], values: random.values(n * cin * h * w))
            let weight = Array4(shape: [cin, cout, k, k], values: random.values(cin * cout * k * k))
            let bias = random.values(cout)
            let expected = Reference.convTranspose2d(x, weight, bias, stride: stride, padding: padding, outputPadding: outputPadding)
            let out = Tensor(shape: expected.shape)
            let scratch = ScratchBuffer(capacity: scratchFloats > 0 ? scratchFloats : cout * k * k * h * w)
            try Ops.convTranspose2d(
                out, tensor(x), weight: tensor(weight), bias: try Tensor(shape: [cout], values: bias.map(Float.init)),
                stride: stride, padding: padding, outputPadding: outputPadding, scratch: scratch)
            assertClose(out, expected, name)
        }
    }

    func testConvTranspose2dOutputPaddingRowHasOnlyEdgeTaps() throws {
        // SPEC 2.2: for H = 1, output rows are y = 0 (kh = 1) and y = 1 (kh = 2 only; i = 1 is out of range).
        let x = try Tensor(shape: [1, 1, 1, 1], values: [2])
        let weight = try Tensor(shape: [1, 1, 3, 3], values: (1...9).map(Float.init))
        let out = Tensor(shape: [1, 1, 2, 2])
        try Ops.convTranspose2d(
            out, x, weight: weight, bias: nil, stride: 2, padding: 1, outputPadding: 1,
            scratch: ScratchBuffer(capacity: 9))
        // out[y][x] = 2·W[y+1][x+1]
        XCTAssertEqual(out.values, [10, 12, 16, 18])
    }

    func testConv1dMatchesDirectLoops() throws {
        // (name, N, Cin, L, Cout, k, stride, padding, dilation)
        let cases: [(String, Int, Int, Int, Int, Int, Int, Int, Int)] = [
            ("k7 mapping first", 1, 73, 27, 8, 7, 1, 0, 1),
            ("k3 dilation 3", 1, 8, 21, 8, 3, 1, 0, 3),
            ("k3 dilation 2 padding 2, batch 2", 2, 3, 10, 4, 3, 1, 2, 2),
            ("k5 stride 2 padding 1", 1, 2, 13, 3, 5, 2, 1, 1),
        ]
        var random = TestRandom(seed: 3)
        for (name, n, cin, l, cout, k, stride, padding, dilation) in cases {
            let x = Array4(shape: [n, cin, l], values: random.values(n * cin * l, -3, 3))
            let weight = Array4(shape: [cout, cin, k], values: random.values(cout * cin * k))
            let bias = random.values(cout)
            let expected = Reference.conv1d(x, weight, bias, stride: stride, padding: padding, dilation: dilation)
            let out = Tensor(shape: expected.shape)
            try Ops.conv1d(
                out, tensor(x), weight: tensor(weight), bias: try Tensor(shape: [cout], values: bias.map(Float.init)),
                stride: stride, padding: padding, dilation: dilation,
                scratch: ScratchBuffer(capacity: cin * k * expected.shape[2]))
            assertClose(out, expected, name)
        }
    }

    func testLinearHandValues() throws {
        let x = try Tensor(shape: [2, 3], values: [1, 2, 3, -1, 0, 1])
        let weight = try Tensor(shape: [2, 3], values: [1, 0, -1, 0.5, 0.5, 0.5])
        let bias = try Tensor(shape: [2], values: [10, 20])
        let out = Tensor(shape: [2, 2])
        try Ops.linear(out, x, weight: weight, bias: bias)
        XCTAssertEqual(out.values, [8, 23, 8, 20])
    }

    // MARK: - Normalisation

    func testLayerNorm2dSpansChannelsAndPixelsJointly() throws {
        var random = TestRandom(seed: 4)
        // (name, N, C, H, W, offset): a large offset checks the accumulation's accuracy.
        let cases: [(String, Int, Int, Int, Int, Double)] = [
            ("small", 1, 3, 4, 5, 0), ("batch 2", 2, 4, 3, 3, 0), ("offset 100", 1, 8, 32, 32, 100),
        ]
        for (name, n, c, h, w, offset) in cases {
            let x = Array4(shape: [n, c, h, w], values: random.values(n * c * h * w).map { Double(Float($0 + offset)) })
            let weight = random.values(c, 0.5, 1.5), bias = random.values(c)
            let expected = Reference.layerNorm2d(x, weight: weight, bias: bias, eps: 1e-5)
            let out = Tensor(shape: x.shape)
            try Ops.layerNorm2d(
                out, tensor(x), weight: try Tensor(shape: [c, 1, 1], values: weight.map(Float.init)),
                bias: try Tensor(shape: [c, 1, 1], values: bias.map(Float.init)))
            assertClose(out, expected, tolerance: 1e-5, name)
        }
        // A per-channel statistic would map both channels to ±1; a joint one keeps them apart.
        let twoChannels = try Tensor(shape: [1, 2, 1, 2], values: [0, 2, 10, 12])
        let out = Tensor(shape: [1, 2, 1, 2])
        try Ops.layerNorm2d(out, twoChannels, weight: nil, bias: nil)
        let sd = Float((26.0 + 1e-5).squareRoot())  // mean 6, variance (36+16+16+36)/4 = 26
        for (value, expected) in zip(out.values, [-6 / sd, -4 / sd, 4 / sd, 6 / sd]) {
            XCTAssertEqual(value, expected, accuracy: 1e-6)
        }
    }

    func testLayerNorm2dFusedLeakyReLU() throws {
        var random = TestRandom(seed: 5)
        let x = Array4(shape: [1, 3, 4, 4], values: random.values(48))
        var expected = Reference.layerNorm2d(x, weight: [1, 1, 1], bias: [0, 0, 0], eps: 1e-5)
        expected.values = expected.values.map { $0 >= 0 ? $0 : 0.1 * $0 }
        let input = try tensor(x)
        try Ops.layerNorm2d(input, input, weight: nil, bias: nil, leakyReLUSlope: 0.1)  // in place
        assertClose(input, expected, "fused, in place")
    }

    func testFusedLayerNormLeakyReLUPoolEqualsTheComposition() throws {
        var random = TestRandom(seed: 11)
        for (n, c, h, w) in [(1, 3, 4, 6), (2, 5, 8, 8), (1, 2, 5, 7)] {
            let x = Array4(shape: [n, c, h, w], values: random.values(n * c * h * w, -2, 3))
            let weight = try Tensor(shape: [c, 1, 1], values: random.values(c, 0.5, 1.5).map(Float.init))
            let bias = try Tensor(shape: [c, 1, 1], values: random.values(c).map(Float.init))
            let normalised = Tensor(shape: x.shape)
            try Ops.layerNorm2d(normalised, tensor(x), weight: weight, bias: bias, leakyReLUSlope: 0.1)
            let composed = Tensor(shape: [n, c, h / 2, w / 2])
            try Ops.avgPool2d(composed, normalised)
            let fused = Tensor(shape: [n, c, h / 2, w / 2])
            try Ops.layerNorm2dLeakyReLUAvgPool(fused, tensor(x), weight: weight, bias: bias, leakyReLUSlope: 0.1)
            XCTAssertEqual(Differences.maxAbs(fused.values, composed.values), 0, accuracy: 1e-6, "\(x.shape)")
            // and the composition against the float64 reference
            var reference = Reference.layerNorm2d(x, weight: weight.values.map(Double.init), bias: bias.values.map(Double.init), eps: 1e-5)
            reference.values = reference.values.map { $0 >= 0 ? $0 : 0.1 * $0 }
            var pooled = Array4(shape: [n, c, h / 2, w / 2])
            for s in 0..<n {
                for ch in 0..<c {
                    for y in 0..<(h / 2) {
                        for xo in 0..<(w / 2) {
                            pooled[s, ch, y, xo] =
                                (reference[s, ch, 2 * y, 2 * xo] + reference[s, ch, 2 * y, 2 * xo + 1]
                                    + reference[s, ch, 2 * y + 1, 2 * xo] + reference[s, ch, 2 * y + 1, 2 * xo + 1]) / 4
                        }
                    }
                }
            }
            assertClose(fused, pooled, tolerance: 1e-5, "fused vs reference \(x.shape)")
        }
    }

    func testInstanceNormAndAdaptiveInstanceNorm() throws {
        var random = TestRandom(seed: 6)
        for (n, c, h, w) in [(1, 3, 5, 4), (2, 2, 3, 3)] {
            let x = Array4(shape: [n, c, h, w], values: random.values(n * c * h * w, -2, 3))
            let out = Tensor(shape: x.shape)
            try Ops.instanceNorm2d(out, tensor(x))
            assertClose(out, Reference.instanceNorm(x, eps: 1e-5), "instance norm \(x.shape)")
            let gamma = random.values(n * c), beta = random.values(n * c)
            try Ops.adaptiveInstanceNorm(
                out, tensor(x), gamma: try Tensor(shape: [n, c], values: gamma.map(Float.init)),
                beta: try Tensor(shape: [n, c], values: beta.map(Float.init)))
            assertClose(out, Reference.instanceNorm(x, gamma: gamma, beta: beta, eps: 1e-5), "adain \(x.shape)")
        }
        // Hand values: plane [1, 3] → mean 2, variance 1 → ±1/sqrt(1+1e-5); γ = 1, β = 0.5 → ·2 + 0.5.
        let x = try Tensor(shape: [1, 1, 1, 2], values: [1, 3])
        let out = Tensor(shape: [1, 1, 1, 2])
        try Ops.adaptiveInstanceNorm(
            out, x, gamma: try Tensor(shape: [1, 1], values: [1]), beta: try Tensor(shape: [1, 1], values: [0.5]))
        let unit = Float(1 / (1 + 1e-5).squareRoot())
        XCTAssertEqual(out.values[0], -2 * unit + 0.5, accuracy: 1e-6)
        XCTAssertEqual(out.values[1], 2 * unit + 0.5, accuracy: 1e-6)
    }

    func testAdaptiveInstanceNormLayerAppliesItsMLPs() throws {
        let registry = ParameterRegistry()
        let layer = AdaptiveInstanceNorm(channels: 2, featureChannels: 3, registry: registry, prefix: "norm")
        XCTAssertEqual(
            Set(registry.expectedShapes.keys),
            [
                "norm.mlp_shared.0.weight", "norm.mlp_shared.0.bias", "norm.mlp_gamma.weight",
                "norm.mlp_gamma.bias", "norm.mlp_beta.weight", "norm.mlp_beta.bias",
            ])
        // hidden = ReLU(W_s f + b_s) with W_s = 0, b_s = [1, -1, 0, …] → [1, 0, 0, …]
        layer.mlpShared.bias.data[0] = 1
        layer.mlpShared.bias.data[1] = -1
        layer.mlpGamma.weight.data[0] = 2  // γ0 = 2·h0 = 2
        layer.mlpGamma.bias.data[1] = -0.5  // γ1 = −0.5
        layer.mlpBeta.weight.data[128] = 3  // β1 = 3·h0 = 3
        try layer.modulate(descriptor: try Tensor(shape: [1, 3], values: [5, -7, 9]))
        XCTAssertEqual(layer.gamma.values, [2, -0.5])
        XCTAssertEqual(layer.beta.values, [0, 3])
    }

    // MARK: - Element-wise

    func testActivations() throws {
        let x = try Tensor(shape: [1, 6], values: [-2, -0.5, 0, 0.25, 3, -100])
        let out = Tensor(shape: [1, 6])
        try Ops.leakyReLU(out, x, negativeSlope: 0.1)
        XCTAssertEqual(out.values, [-0.2, -0.05, 0, 0.25, 3, -10])
        try Ops.relu(out, x)
        XCTAssertEqual(out.values, [0, 0, 0, 0.25, 3, 0])
        try Ops.tanh(out, x)
        for (value, input) in zip(out.values, x.values) { XCTAssertEqual(Double(value), Foundation.tanh(Double(input)), accuracy: 1e-7) }
    }

    func testPoolingAndNearestUpsampling() throws {
        let x = try Tensor(shape: [1, 1, 2, 4], values: [1, 2, 3, 4, 5, 6, 7, 8])
        let pooled = Tensor(shape: [1, 1, 1, 2])
        try Ops.avgPool2d(pooled, x)
        XCTAssertEqual(pooled.values, [3.5, 5.5])
        let odd = try Tensor(shape: [1, 1, 3, 3], values: (1...9).map(Float.init))
        let oddPooled = Tensor(shape: [1, 1, 1, 1])
        try Ops.avgPool2d(oddPooled, odd)  // the trailing row and column are dropped
        XCTAssertEqual(oddPooled.values, [3])
        let small = try Tensor(shape: [1, 2, 1, 2], values: [1, 2, 3, 4])
        let up = Tensor(shape: [1, 2, 2, 4])
        try Ops.upsampleNearest2x(up, small)
        XCTAssertEqual(up.values, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    func testConcatAddMeanAndChannelsLast() throws {
        let a = try Tensor(shape: [2, 1, 2], values: [1, 2, 3, 4])
        let b = try Tensor(shape: [2, 2, 2], values: [5, 6, 7, 8, 9, 10, 11, 12])
        let joined = Tensor(shape: [2, 3, 2])
        try Ops.concatChannels(joined, a, b)
        XCTAssertEqual(joined.values, [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])
        let sum = Tensor(shape: [2, 1, 2])
        try Ops.add(sum, a, a)
        XCTAssertEqual(sum.values, [2, 4, 6, 8])
        let mean = Tensor(shape: [2, 2, 1])
        try Ops.meanLastAxis(mean, b)
        XCTAssertEqual(mean.values, [5.5, 7.5, 9.5, 11.5])
        let planar = try Tensor(shape: [1, 2, 1, 3], values: [1, 2, 3, 10, 20, 30])
        let last = Tensor(shape: [1, 1, 3, 2])
        try Ops.channelsLast(last, planar)
        XCTAssertEqual(last.values, [1, 10, 2, 20, 3, 30])
    }

    // MARK: - Resampling

    func testResizeBilinearMatchesReference() throws {
        var random = TestRandom(seed: 7)
        // (input H, W) -> (output H, W): up ×4 (the deformation resize), up non-integer, down.
        for (h, w, ho, wo) in [(4, 4, 16, 16), (3, 5, 7, 8), (8, 6, 3, 4), (1, 1, 3, 3)] {
            let x = Array4(shape: [1, 2, h, w], values: random.values(2 * h * w))
            let out = Tensor(shape: [1, 2, ho, wo])
            try Ops.resizeBilinear(out, tensor(x))
            assertClose(out, Reference.resizeBilinear(x, height: ho, width: wo), "\(h)x\(w) -> \(ho)x\(wo)")
        }
        // Hand values (align_corners=False, clamped): [0, 1] upsampled ×2 → [0, 0.25, 0.75, 1].
        let ramp = try Tensor(shape: [1, 1, 1, 2], values: [0, 1])
        let out = Tensor(shape: [1, 1, 1, 4])
        try Ops.resizeBilinear(out, ramp)
        XCTAssertEqual(out.values, [0, 0.25, 0.75, 1])
    }

    func testGridSampleMatchesReferenceIncludingOutsidePoints() throws {
        var random = TestRandom(seed: 8)
        let x = Array4(shape: [2, 3, 5, 6], values: random.values(180))
        let grid = Array4(shape: [2, 4, 7, 2], values: random.values(112, -1.3, 1.3))
        let out = Tensor(shape: [2, 3, 4, 7])
        try Ops.gridSample(out, tensor(x), grid: tensor(grid))
        assertClose(out, Reference.gridSample(x, grid: grid), "random grid")
        // Hand values: a constant-1 image sampled at the corner (−1, −1) (pixel −0.5, −0.5) gives
        // 0.25 (one neighbour of four inside); at the centre of pixel (0, 0) it gives 1;
        // far outside, 0.
        let ones = try Tensor(shape: [1, 1, 4, 4], values: [Float](repeating: 1, count: 16))
        let points = try Tensor(shape: [1, 1, 3, 2], values: [-1, -1, -0.75, -0.75, 5, 0])
        let sampled = Tensor(shape: [1, 1, 1, 3])
        try Ops.gridSample(sampled, ones, grid: points)
        XCTAssertEqual(sampled.values, [0.25, 1, 0])
    }

    // MARK: - Errors

    func testShapeErrorsNameTheTensorAndBothShapes() throws {
        let x = Tensor(shape: [1, 3, 8, 8])
        let weight = Tensor(shape: [4, 2, 3, 3])
        XCTAssertThrowsError(
            try Ops.conv2d(
                Tensor(shape: [1, 4, 8, 8]), x, weight: weight, bias: nil, padding: 1,
                scratch: ScratchBuffer(capacity: 1000))
        ) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("(4,2,3,3)") && text.contains("3"), text)
        }
        let goodWeight = Tensor(shape: [4, 3, 3, 3])
        XCTAssertThrowsError(
            try Ops.conv2d(
                Tensor(shape: [1, 4, 7, 8]), x, weight: goodWeight, bias: nil, padding: 1,
                scratch: ScratchBuffer(capacity: 1000))
        ) { error in
            XCTAssertEqual(String(describing: error), "conv2d output must be (1,4,8,8); got (1,4,7,8)")
        }
        let wideWeight = Tensor(shape: [8, 3, 3, 3])  // more outputs than the direct path takes: im2col needs scratch
        XCTAssertThrowsError(
            try Ops.conv2d(
                Tensor(shape: [1, 8, 8, 8]), x, weight: wideWeight, bias: nil, padding: 1,
                scratch: ScratchBuffer(capacity: 10))
        ) { error in
            XCTAssertTrue(String(describing: error).contains("scratch"), "\(error)")
        }
        XCTAssertThrowsError(try Tensor(shape: [2, 2], values: [1, 2, 3]))
    }
}
