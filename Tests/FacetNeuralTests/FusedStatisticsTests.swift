import XCTest

@testable import FacetNeural

/// Normalisations fed with `ChannelStatistics` gathered by the op that wrote their input (the
/// Winograd output transform) or measured in one pass, against the same norms measuring their
/// input themselves (the unfused composition).
final class FusedStatisticsTests: XCTestCase {
    private func tensor(_ shape: [Int], _ values: [Double]) throws -> Tensor {
        try Tensor(shape: shape, values: values.map(Float.init))
    }

    // max |a − b| / max(1, max |b|)
    private func normalisedDifference(_ a: Tensor, _ b: Tensor) -> Float {
        let scale = max(1, b.values.map(abs).max() ?? 0)
        return Differences.maxAbs(a.values, b.values) / scale
    }

    // Runs every norm on x with the statistics, and without them (the unfused composition, which
    // measures x itself): against float64 references, the fused result must be within 1e-5
    // (normalised) or no worse than the unfused one. (With a mean far above the spread, the
    // float32 affine x·scale + shift itself limits both.)
    private func assertNormsAgree(
        _ x: Tensor, _ statistics: ChannelStatistics, _ label: String,
        random: inout TestRandom, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let plane = h * w
        let values = x.values.map(Double.init)
        let weightValues = random.values(c, 0.5, 1.5), biasValues = random.values(c)
        let weight = try tensor([c, 1, 1], weightValues), bias = try tensor([c, 1, 1], biasValues)
        func leaky(_ v: Double, _ slope: Double) -> Double { v >= 0 ? v : v * slope }
        func moments(_ slice: ArraySlice<Double>) -> (Double, Double) {
            let mean = slice.reduce(0, +) / Double(slice.count)
            return (mean, slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(slice.count))
        }
        // float64 references
        var layerNormed = [Double](repeating: 0, count: values.count)
        for sample in 0..<n {
            let range = (sample * c * plane)..<((sample + 1) * c * plane)
            let (mean, variance) = moments(values[range])
            for index in range {
                let channel = (index / plane) % c
                layerNormed[index] = leaky(
                    (values[index] - mean) / (variance + 1e-5).squareRoot() * weightValues[channel]
                        + biasValues[channel], 0.1)
            }
        }
        var pooledReference = [Double](repeating: 0, count: n * c * (h / 2) * (w / 2))
        for p in 0..<(n * c) {
            for oy in 0..<(h / 2) {
                for ox in 0..<(w / 2) {
                    let at = { (y: Int, x: Int) in layerNormed[p * plane + y * w + x] }
                    pooledReference[(p * (h / 2) + oy) * (w / 2) + ox] =
                        (at(2 * oy, 2 * ox) + at(2 * oy, 2 * ox + 1) + at(2 * oy + 1, 2 * ox) + at(2 * oy + 1, 2 * ox + 1)) / 4
                }
            }
        }
        let gammaValues = random.values(n * c), betaValues = random.values(n * c)
        var adaptive = [Double](repeating: 0, count: values.count)
        for p in 0..<(n * c) {
            let range = (p * plane)..<((p + 1) * plane)
            let (mean, variance) = moments(values[range])
            for index in range {
                adaptive[index] = leaky((values[index] - mean) / (variance + 1e-5).squareRoot() * (1 + gammaValues[p]) + betaValues[p], 0.2)
            }
        }
        func check(_ fused: Tensor, _ unfused: Tensor, _ reference: [Double], _ op: String) {
            let fusedError = OpTests.normalisedError(fused.values, reference)
            let unfusedError = OpTests.normalisedError(unfused.values, reference)
            XCTAssertLessThanOrEqual(
                fusedError, max(1e-5, unfusedError),
                "\(label): \(op) with statistics (measuring its input: \(unfusedError))", file: file, line: line)
        }
        let (fused, unfused) = (Tensor(shape: x.shape), Tensor(shape: x.shape))
        try Ops.layerNorm2d(fused, x, weight: weight, bias: bias, leakyReLUSlope: 0.1, statistics: statistics)
        try Ops.layerNorm2d(unfused, x, weight: weight, bias: bias, leakyReLUSlope: 0.1)
        check(fused, unfused, layerNormed, "layer_norm2d")

        let (pooledFused, pooled) = (Tensor(shape: [n, c, h / 2, w / 2]), Tensor(shape: [n, c, h / 2, w / 2]))
        try Ops.layerNorm2dLeakyReLUAvgPool(pooledFused, x, weight: weight, bias: bias, leakyReLUSlope: 0.1, statistics: statistics)
        try Ops.layerNorm2dLeakyReLUAvgPool(pooled, x, weight: weight, bias: bias, leakyReLUSlope: 0.1)
        check(pooledFused, pooled, pooledReference, "layer_norm2d+pool")

        let gamma = try tensor([n, c], gammaValues), beta = try tensor([n, c], betaValues)
        try Ops.adaptiveInstanceNorm(fused, x, gamma: gamma, beta: beta, leakyReLUSlope: 0.2, statistics: statistics)
        try Ops.adaptiveInstanceNorm(unfused, x, gamma: gamma, beta: beta, leakyReLUSlope: 0.2)
        check(fused, unfused, adaptive, "adain")
    }

    func testWinogradGatheredStatisticsMatchTheUnfusedNorms() throws {
        // (name, N, Cin, H, W, Cout, bias offset (a large mean), one row of tiles per pass, upsampling)
        let cases: [(String, Int, Int, Int, Int, Int, Double, Bool, Bool)] = [
            ("8x8", 1, 3, 8, 8, 4, 0, false, false),
            ("batch 2, 6x10, one row of tiles per pass", 2, 5, 6, 10, 3, 0, true, false),
            ("mean far from zero", 1, 4, 12, 8, 5, 300, false, false),
            ("rows longer than a statistics block", 1, 2, 4, 1100, 2, 2, true, false),
            ("fused nearest upsampling", 1, 3, 10, 6, 4, 1, false, true),
        ]
        var random = TestRandom(seed: 21)
        for (name, n, cin, h, w, cout, offset, oneRow, upsampling) in cases {
            let (ih, iw) = upsampling ? (h / 2, w / 2) : (h, w)
            let x = try tensor([n, cin, ih, iw], random.values(n * cin * ih * iw))
            let transformed = Tensor(shape: [16, cout, cin])
            try Ops.winogradTransformWeights(transformed, weight: tensor([cout, cin, 3, 3], random.values(cout * cin * 9)))
            let bias = try tensor([cout], random.values(cout).map { $0 + offset })
            let scratch = ScratchBuffer(
                capacity: Ops.winogradScratch(
                    inChannels: cin, outChannels: cout,
                    tiles: oneRow ? w / 2 : h * w / 4))
            let statistics = ChannelStatistics(capacity: n * cout)
            let (gathered, plain) = (Tensor(shape: [n, cout, h, w]), Tensor(shape: [n, cout, h, w]))
            try Ops.conv2dWinograd3x3(
                gathered, x, transformedWeight: transformed, bias: bias, upsamplingInput: upsampling,
                scratch: scratch, statistics: statistics)
            try Ops.conv2dWinograd3x3(
                plain, x, transformedWeight: transformed, bias: bias, upsamplingInput: upsampling,
                scratch: scratch)
            XCTAssertEqual(gathered.values, plain.values, "\(name): gathering statistics changed the conv output")
            try assertNormsAgree(gathered, statistics, name, random: &random)
        }
    }

    func testMeasuredStatisticsAndTheLayerFallback() throws {
        var random = TestRandom(seed: 22)
        // One pass over a tensor with a common offset (shifted by each plane's first value).
        let x = try tensor([2, 3, 6, 4], random.values(144).map { 30 + $0 })
        let statistics = ChannelStatistics(capacity: 6)
        try statistics.measure(x)
        try assertNormsAgree(x, statistics, "measured, mean 30", random: &random)

        // A 3×3 layer on an odd-sized input runs im2col and measures its output instead.
        let registry = ParameterRegistry()
        let layer = Conv2d(inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, registry: registry, prefix: "c")
        layer.weight.data.update(from: random.values(54).map(Float.init), count: 54)
        layer.bias.data.update(from: random.values(3).map(Float.init), count: 3)
        registry.parametersDidChange()
        let input = try tensor([1, 2, 7, 5], random.values(70))
        let out = Tensor(shape: [1, 3, 7, 5])
        try layer.forward(
            out, input, scratch: ScratchBuffer(capacity: layer.scratchForWholeImage(height: 7, width: 5)),
            statistics: statistics)
        let weight = try tensor([3, 1, 1], random.values(3)), bias = try tensor([3, 1, 1], random.values(3))
        let (fused, unfused) = (Tensor(shape: out.shape), Tensor(shape: out.shape))
        try Ops.layerNorm2d(fused, out, weight: weight, bias: bias, statistics: statistics)
        try Ops.layerNorm2d(unfused, out, weight: weight, bias: bias)
        XCTAssertLessThanOrEqual(normalisedDifference(fused, unfused), 1e-5, "im2col layer with measured statistics")
    }

    func testStatisticsOfAnotherTensorAreRefused() throws {
        let statistics = ChannelStatistics(capacity: 4)
        try statistics.measure(Tensor(shape: [1, 2, 4, 4]))
        let x = Tensor(shape: [1, 2, 4, 2])
        XCTAssertThrowsError(try Ops.layerNorm2d(x, x, weight: nil, bias: nil, statistics: statistics)) { error in
            XCTAssertTrue(String(describing: error).contains("describe 1x2 planes of 16 values"), "\(error)")
        }
        XCTAssertThrowsError(try statistics.measure(Tensor(shape: [1, 5, 2, 2]))) { error in
            XCTAssertTrue(String(describing: error).contains("hold 4 planes"), "\(error)")
        }
    }
}
