// Normalisations: LayerNorm over C·H·W jointly (PIRender's LayerNorm2d), instance norm, and
// adaptive instance norm (ADAIN, Huang & Belongie 2017, as used by PIRender).
// Statistics are accumulated in float64 per block of float32 partial sums, so 8 M-element
// LayerNorms keep full float32 accuracy.

extension Ops {
    /// The default epsilon of PyTorch's normalisation layers.
    public static let normalizationEpsilon: Float = 1e-5

    /// Layer normalisation of each sample over all of C·H·W jointly, with a per-channel affine
    /// (PIRender's `LayerNorm2d`): y = (x − μ) / sqrt(σ² + eps) · weight[c] + bias[c].
    ///
    /// `weight` and `bias` hold C values (stored shape `(C,1,1)` or `(C)`); both nil means no
    /// affine. When `leakyReLUSlope` is given, LeakyReLU with that slope is applied to the
    /// result in the same pass. `statistics`, when given, must describe `x` (gathered by the op
    /// that wrote it, e.g. `conv2dWinograd3x3(…, statistics:)`) and replace the two passes
    /// that measure it. `out` may be `x`.
    public static func layerNorm2d(
        _ out: Tensor, _ x: Tensor, weight: Tensor?, bias: Tensor?,
        eps: Float = normalizationEpsilon, leakyReLUSlope: Float? = nil,
        statistics: ChannelStatistics? = nil
    ) throws(NeuralError) {
        // x (N,C,H,W), weight (C,1,1), bias (C,1,1) -> out (N,C,H,W)
        try x.requireRank(4, of: "layer_norm2d input", layout: "(N,C,H,W)")
        try out.requireShape(x.shape, of: "layer_norm2d output")
        let (n, channels, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        try checkAffine(weight, bias, channels: channels)
        try statistics?.require(describing: x, for: "layer_norm2d")
        for sample in 0..<n {
            let input = x.data + sample * channels * plane
            let output = out.data + sample * channels * plane
            let (mean, variance) =
                statistics?.sampleMoments(sample)
                ?? Statistics.meanAndVariance(input, count: channels * plane, parts: channels)
            let inverse = Float(1 / (variance + Double(eps)).squareRoot())
            Parallel.forChunks(channels, minimumPerChunk: Swift.max(1, 4096 / Swift.max(plane, 1))) { range in
                for channel in range {
                    let scale = inverse * (weight?.data[channel] ?? 1)
                    let shift = (bias?.data[channel] ?? 0) - Float(mean) * scale
                    affine(
                        output + channel * plane, input + channel * plane, count: plane,
                        scale: scale, shift: shift, leakyReLUSlope: leakyReLUSlope)
                }
            }
        }
    }

    /// `layerNorm2d` with a LeakyReLU, followed by 2×2 average pooling, in one pass over `x`
    /// (PIRender's DownBlock2d body: conv → LayerNorm2d → LeakyReLU → AvgPool2d(2)).
    ///
    /// Same as `layerNorm2d(t, x, …, leakyReLUSlope:)` then `avgPool2d(out, t)`, without the
    /// full-resolution intermediate. `statistics` as in `layerNorm2d`.
    public static func layerNorm2dLeakyReLUAvgPool(
        _ out: Tensor, _ x: Tensor, weight: Tensor?, bias: Tensor?,
        eps: Float = normalizationEpsilon, leakyReLUSlope: Float,
        statistics: ChannelStatistics? = nil
    ) throws(NeuralError) {
        // x (N,C,H,W), weight (C,1,1), bias (C,1,1) -> out (N,C,H/2,W/2)
        try x.requireRank(4, of: "layer_norm2d+pool input", layout: "(N,C,H,W)")
        let (n, channels, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (ho, wo) = (h / 2, w / 2)
        try out.requireShape([n, channels, ho, wo], of: "layer_norm2d+pool output")
        try checkAffine(weight, bias, channels: channels)
        try statistics?.require(describing: x, for: "layer_norm2d+pool")
        let plane = h * w
        for sample in 0..<n {
            let input = x.data + sample * channels * plane
            let output = out.data + sample * channels * ho * wo
            let (mean, variance) =
                statistics?.sampleMoments(sample)
                ?? Statistics.meanAndVariance(input, count: channels * plane, parts: channels)
            let inverse = Float(1 / (variance + Double(eps)).squareRoot())
            Parallel.forChunks(channels, minimumPerChunk: Swift.max(1, 4096 / Swift.max(plane, 1))) { range in
                for channel in range {
                    let scale = inverse * (weight?.data[channel] ?? 1)
                    let shift = (bias?.data[channel] ?? 0) - Float(mean) * scale
                    @inline(__always) func activated(_ value: Float) -> Float {
                        let normalised = value * scale + shift
                        return normalised >= 0 ? normalised : normalised * leakyReLUSlope
                    }
                    let source = input + channel * plane
                    let destination = output + channel * ho * wo
                    for oy in 0..<ho {
                        let top = source + 2 * oy * w, bottom = top + w
                        for ox in 0..<wo {
                            destination[oy * wo + ox] =
                                (activated(top[2 * ox]) + activated(top[2 * ox + 1])
                                    + activated(bottom[2 * ox]) + activated(bottom[2 * ox + 1])) * 0.25
                        }
                    }
                }
            }
        }
    }

    /// Instance normalisation without affine: each (sample, channel) plane is normalised to zero
    /// mean and unit biased variance (PyTorch `InstanceNorm2d(affine=False)`). `out` may be `x`.
    public static func instanceNorm2d(_ out: Tensor, _ x: Tensor, eps: Float = normalizationEpsilon) throws(NeuralError) {
        // x (N,C,H,W) -> out (N,C,H,W)
        try x.requireRank(4, of: "instance_norm input", layout: "(N,C,H,W)")
        try out.requireShape(x.shape, of: "instance_norm output")
        let plane = x.shape[2] * x.shape[3]
        Parallel.forChunks(x.shape[0] * x.shape[1], minimumPerChunk: Swift.max(1, 4096 / Swift.max(plane, 1))) { range in
            for index in range {
                let input = x.data + index * plane
                let (mean, variance) = Statistics.meanAndVariance(input, count: plane)
                let scale = Float(1 / (variance + Double(eps)).squareRoot())
                affine(out.data + index * plane, input, count: plane, scale: scale, shift: -Float(mean) * scale, leakyReLUSlope: nil)
            }
        }
    }

    /// Adaptive instance normalisation as in PIRender's `ADAIN`:
    /// y = instance_norm(x) · (1 + gamma[n,c]) + beta[n,c].
    ///
    /// `gamma` and `beta` (N,C) come from the descriptor through the ADAIN MLPs (see
    /// `AdaptiveInstanceNorm`). When `leakyReLUSlope` is given, LeakyReLU is applied in the same
    /// pass. `statistics` as in `layerNorm2d`. `out` may be `x`.
    public static func adaptiveInstanceNorm(
        _ out: Tensor, _ x: Tensor, gamma: Tensor, beta: Tensor,
        eps: Float = normalizationEpsilon, leakyReLUSlope: Float? = nil,
        statistics: ChannelStatistics? = nil
    ) throws(NeuralError) {
        // x (N,C,H,W), gamma (N,C), beta (N,C) -> out (N,C,H,W)
        try x.requireRank(4, of: "adain input", layout: "(N,C,H,W)")
        try out.requireShape(x.shape, of: "adain output")
        try gamma.requireShape([x.shape[0], x.shape[1]], of: "adain gamma")
        try beta.requireShape([x.shape[0], x.shape[1]], of: "adain beta")
        try statistics?.require(describing: x, for: "adain")
        let plane = x.shape[2] * x.shape[3]
        Parallel.forChunks(x.shape[0] * x.shape[1], minimumPerChunk: Swift.max(1, 4096 / Swift.max(plane, 1))) { range in
            for index in range {
                let input = x.data + index * plane
                let (mean, variance) = statistics?.planeMoments(index) ?? Statistics.meanAndVariance(input, count: plane)
                let scale = Float(1 / (variance + Double(eps)).squareRoot()) * (1 + gamma.data[index])
                let shift = beta.data[index] - Float(mean) * scale
                affine(out.data + index * plane, input, count: plane, scale: scale, shift: shift, leakyReLUSlope: leakyReLUSlope)
            }
        }
    }

    // weight, bias: nil or C values each
    static func checkAffine(_ weight: Tensor?, _ bias: Tensor?, channels: Int) throws(NeuralError) {
        if let weight, weight.count != channels {
            throw NeuralError(
                .invalidArgument,
                "layer_norm2d weight must hold C = \(channels) values, shape (C,1,1); got \(Tensor.describe(weight.shape))")
        }
        if let bias, bias.count != channels {
            throw NeuralError(
                .invalidArgument, "layer_norm2d bias must hold C = \(channels) values, shape (C,1,1); got \(Tensor.describe(bias.shape))")
        }
    }

    // x (count) -> out (count): out = x·scale + shift, then optionally LeakyReLU
    static func affine(
        _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int,
        scale: Float, shift: Float, leakyReLUSlope: Float?
    ) {
        if let slope = leakyReLUSlope {
            for index in 0..<count {
                let value = x[index] * scale + shift
                out[index] = value >= 0 ? value : value * slope
            }
        } else {
            for index in 0..<count { out[index] = x[index] * scale + shift }
        }
    }
}

/// Accurate mean and biased variance of float32 data.
enum Statistics {
    /// Block size of the float32 partial sums that are accumulated into float64.
    static let block = 512

    // x (count) split in `parts` equal parts -> (mean, biased variance), two passes; the parts are
    // reduced in parallel and their float64 partial sums combined in order
    static func meanAndVariance(_ x: UnsafePointer<Float>, count: Int, parts: Int) -> (Double, Double) {
        guard parts > 1, count % parts == 0 else { return meanAndVariance(x, count: count) }
        let part = count / parts
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: parts)
        defer { partials.deallocate() }
        Parallel.forChunks(parts, minimumPerChunk: Swift.max(1, 4096 / Swift.max(part, 1))) { range in
            for index in range { partials[index] = sum(x + index * part, count: part) }
        }
        var total = 0.0
        for index in 0..<parts { total += partials[index] }
        let mean = total / Double(count)
        let meanFloat = Float(mean)
        Parallel.forChunks(parts, minimumPerChunk: Swift.max(1, 4096 / Swift.max(part, 1))) { range in
            for index in range { partials[index] = sumOfSquares(x + index * part, count: part, minus: meanFloat) }
        }
        var squares = 0.0
        for index in 0..<parts { squares += partials[index] }
        let rounding = mean - Double(meanFloat)
        return (mean, Swift.max(0, squares / Double(count) - rounding * rounding))
    }

    // x (count) -> Σ x, float32 blocks accumulated in float64
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < count {
            let end = Swift.min(count, start + block)
            var partial = SIMD8<Float>()
            var index = start
            while index + 8 <= end {
                partial += UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self)
                index += 8
            }
            var tail: Float = 0
            while index < end { tail += x[index]; index += 1 }
            total += Double(partial.sum()) + Double(tail)
            start = end
        }
        return total
    }

    // x (count) -> Σ (x − m)², float32 blocks accumulated in float64
    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int, minus mean: Float) -> Double {
        let meanVector = SIMD8<Float>(repeating: mean)
        var squares = 0.0
        var start = 0
        while start < count {
            let end = Swift.min(count, start + block)
            var partial = SIMD8<Float>()
            var index = start
            while index + 8 <= end {
                let deviation = UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self) - meanVector
                partial += deviation * deviation
                index += 8
            }
            var tail: Float = 0
            while index < end { let d = x[index] - mean; tail += d * d; index += 1 }
            squares += Double(partial.sum()) + Double(tail)
            start = end
        }
        return squares
    }

    // x (count) -> (mean, biased variance), two passes
    static func meanAndVariance(_ x: UnsafePointer<Float>, count: Int) -> (Double, Double) {
        guard count > 0 else { return (0, 0) }
        let mean = sum(x, count: count) / Double(count)
        let meanFloat = Float(mean)
        let squares = sumOfSquares(x, count: count, minus: meanFloat)
        // Correct for mean rounded to float: Σ(x−m̃)² = Σ(x−m)² + n(m−m̃)².
        let rounding = mean - Double(meanFloat)
        return (mean, Swift.max(0, squares / Double(count) - rounding * rounding))
    }
}

/// Per-channel sums of a tensor, gathered while a producing op writes it (e.g. the Winograd
/// output transform), so a following normalisation needs no statistics passes of its own.
///
/// For each (sample, channel) plane of n values it holds a shift K (the conv bias, close to the
/// plane's mean), Σ(x − K) and Σ(x − K)², accumulated as float32 runs of at most
/// `Statistics.block` values added into float64 in a fixed order. Allocated once (plans keep one
/// per net); valid after the op that fills it until the next one.
public final class ChannelStatistics {
    /// The most (sample, channel) planes it can describe.
    public let capacity: Int
    /// Planes described by the last fill: samples × channels, each of `planeCount` values.
    public private(set) var samples = 0, channels = 0, planeCount = 0
    // (capacity, 3): shift, Σ(x − K), Σ(x − K)²
    let sums: UnsafeMutablePointer<Double>

    /// Creates storage for up to `capacity` (sample, channel) planes.
    public init(capacity: Int) {
        self.capacity = Swift.max(capacity, 1)
        sums = UnsafeMutablePointer<Double>.allocate(capacity: 3 * self.capacity)
        sums.initialize(repeating: 0, count: 3 * self.capacity)
    }

    deinit { sums.deallocate() }

    // starts a fill: planes of `planeCount` values, shift[c] = shifts?[c] ?? 0
    func begin(samples: Int, channels: Int, planeCount: Int, shifts: UnsafePointer<Float>?) throws(NeuralError) {
        guard samples * channels <= capacity else {
            throw NeuralError(.invalidArgument, "channel statistics hold \(capacity) planes; \(samples)x\(channels) needed")
        }
        (self.samples, self.channels, self.planeCount) = (samples, channels, planeCount)
        for sample in 0..<samples {
            for channel in 0..<channels {
                let entry = sums + 3 * (sample * channels + channel)
                entry[0] = Double(shifts?[channel] ?? 0)
                entry[1] = 0
                entry[2] = 0
            }
        }
    }

    // x (count): adds Σ(x − K), Σ(x − K)² of plane `index` (float32 runs of ≤ Statistics.block values)
    @inline(__always)
    func accumulate(_ index: Int, _ x: UnsafePointer<Float>, count: Int) {
        let entry = sums + 3 * index
        let shift = Float(entry[0])
        let shiftVector = SIMD8<Float>(repeating: shift)
        var start = 0
        while start < count {
            let end = Swift.min(count, start + Statistics.block)
            var total = SIMD8<Float>(), squares = SIMD8<Float>()
            var position = start
            while position + 8 <= end {
                let deviation = UnsafeRawPointer(x + position).loadUnaligned(as: SIMD8<Float>.self) - shiftVector
                total += deviation
                squares += deviation * deviation
                position += 8
            }
            var totalTail: Float = 0, squaresTail: Float = 0
            while position < end {
                let deviation = x[position] - shift
                totalTail += deviation
                squaresTail += deviation * deviation
                position += 1
            }
            entry[1] += Double(total.sum()) + Double(totalTail)
            entry[2] += Double(squares.sum()) + Double(squaresTail)
            start = end
        }
    }

    /// Fills the statistics of x (N,C,H,W) by one pass over it (for producers that cannot
    /// gather them as they write), with each plane's first value as its shift.
    public func measure(_ x: Tensor) throws(NeuralError) {
        // x (N,C,H,W) -> self: N·C planes of H·W values
        try x.requireRank(4, of: "channel statistics input", layout: "(N,C,H,W)")
        let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        try begin(samples: n, channels: c, planeCount: plane, shifts: nil)
        Parallel.forChunks(n * c, minimumPerChunk: Swift.max(1, 4096 / Swift.max(plane, 1))) { range in
            for index in range {
                let values = x.data + index * plane
                if plane > 0 { sums[3 * index] = Double(values[0]) }
                accumulate(index, values, count: plane)
            }
        }
    }

    // the mean and biased variance of plane `index`
    func planeMoments(_ index: Int) -> (mean: Double, variance: Double) {
        let entry = sums + 3 * index
        let count = Double(Swift.max(planeCount, 1))
        let offset = entry[1] / count
        return (entry[0] + offset, Swift.max(0, entry[2] / count - offset * offset))
    }

    // the mean and biased variance over all channels of `sample` jointly (LayerNorm2d)
    func sampleMoments(_ sample: Int) -> (mean: Double, variance: Double) {
        var mean = 0.0
        for channel in 0..<channels { mean += planeMoments(sample * channels + channel).mean }
        mean /= Double(Swift.max(channels, 1))
        var spread = 0.0  // Σ over planes of n·(variance_c + (mean_c − mean)²)
        for channel in 0..<channels {
            let (planeMean, planeVariance) = planeMoments(sample * channels + channel)
            spread += planeVariance + (planeMean - mean) * (planeMean - mean)
        }
        return (mean, spread / Double(Swift.max(channels, 1)))
    }

    // whether these statistics describe x (N,C,H,W)
    func require(describing x: Tensor, for op: String) throws(NeuralError) {
        guard x.rank == 4, samples == x.shape[0], channels == x.shape[1], planeCount == x.shape[2] * x.shape[3] else {
            throw NeuralError(
                .invalidArgument,
                "\(op): the channel statistics describe \(samples)x\(channels) planes of \(planeCount) values, not \(Tensor.describe(x.shape))"
            )
        }
    }
}
