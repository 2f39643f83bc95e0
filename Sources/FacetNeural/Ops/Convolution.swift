// Convolutions (1-D, 2-D, transposed 2-D) and the linear layer, as im2col/col2im + OpenBLAS
// sgemm. Weight layouts are PyTorch's: conv (out, in, k...), transposed conv (in, out, kh, kw),
// linear (out, in).

extension Ops {
    /// The scratch floats `conv2d` needs to process one output row at a time (its minimum);
    /// more scratch lets it process several rows per matrix product.
    public static func conv2dMinimumScratch(inChannels: Int, kernelHeight: Int, kernelWidth: Int, outputWidth: Int) -> Int {
        inChannels * kernelHeight * kernelWidth * outputWidth
    }

    /// The scratch floats `conv2d` would use to do a whole image in one matrix product.
    public static func conv2dFullScratch(
        inChannels: Int, kernelHeight: Int, kernelWidth: Int,
        outputHeight: Int, outputWidth: Int
    ) -> Int {
        inChannels * kernelHeight * kernelWidth * outputHeight * outputWidth
    }

    /// The output length of a convolution along one axis.
    public static func convOutputSize(input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int = 1) -> Int {
        (input + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
    }

    /// 2-D convolution, zero padding, groups 1 (PyTorch `F.conv2d`).
    ///
    /// Uses im2col in `scratch`, tiled by output rows so any scratch of at least
    /// `conv2dMinimumScratch` floats works, and one sgemm per tile.
    public static func conv2d(
        _ out: Tensor, _ x: Tensor, weight: Tensor, bias: Tensor?,
        stride: Int = 1, padding: Int = 0, dilation: Int = 1,
        scratch: ScratchBuffer
    ) throws(NeuralError) {
        // x (N,Cin,H,W), weight (Cout,Cin,kh,kw), bias (Cout) -> out (N,Cout,Ho,Wo)
        try x.requireRank(4, of: "conv2d input", layout: "(N,C,H,W)")
        try weight.requireRank(4, of: "conv2d weight", layout: "(out,in,kh,kw)")
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        guard weight.shape[1] == cin else {
            throw NeuralError(
                .invalidArgument,
                "conv2d weight \(Tensor.describe(weight.shape)) expects \(weight.shape[1]) input channels; the input has \(cin)")
        }
        guard stride >= 1, padding >= 0, dilation >= 1 else {
            throw NeuralError(
                .invalidArgument, "conv2d needs stride >= 1, padding >= 0, dilation >= 1; got \(stride), \(padding), \(dilation)")
        }
        let ho = convOutputSize(input: h, kernel: kh, stride: stride, padding: padding, dilation: dilation)
        let wo = convOutputSize(input: w, kernel: kw, stride: stride, padding: padding, dilation: dilation)
        guard ho > 0, wo > 0 else {
            throw NeuralError(
                .invalidArgument, "conv2d: a \(kh)x\(kw) kernel does not fit input \(Tensor.describe(x.shape)) with padding \(padding)")
        }
        try out.requireShape([n, cout, ho, wo], of: "conv2d output")
        if let bias { try bias.requireShape([cout], of: "conv2d bias") }
        if cout <= directConvMaximumOutputs, stride == 1, dilation == 1 {
            // A handful of output channels (e.g. an RGB or flow head): im2col would write
            // cin·kh·kw floats per output pixel for a matrix product of only `cout` rows. Instead
            // one sgemm gives every tap's contribution of every input pixel, and shifted adds
            // place them; with too little scratch for that, a direct loop.
            let needed = conv2dFewOutputsScratch(inChannels: cin, outChannels: cout, kernelHeight: kh, kernelWidth: kw, inputWidth: w)
            if scratch.capacity >= needed {
                fewOutputsConv2d(out, x, weight: weight, bias: bias, padding: padding, scratch: scratch)
            } else {
                directConv2d(out, x, weight: weight, bias: bias, padding: padding)
            }
            return
        }
        let k = cin * kh * kw
        try scratch.require(k * wo, for: "conv2d (one output row)")
        let rowsPerTile = Swift.max(1, Swift.min(ho, scratch.capacity / (k * wo)))
        let cols = scratch.data
        for sample in 0..<n {
            let input = x.data + sample * cin * h * w
            let output = out.data + sample * cout * ho * wo
            var rowStart = 0
            while rowStart < ho {
                let rows = Swift.min(rowsPerTile, ho - rowStart)
                let tileWidth = rows * wo
                im2col(
                    cols, input, channels: cin, height: h, width: w, kernelHeight: kh, kernelWidth: kw,
                    stride: stride, padding: padding, dilation: dilation,
                    outputWidth: wo, rowStart: rowStart, rows: rows)
                GEMM.multiply(
                    m: cout, n: tileWidth, k: k, a: weight.data, lda: k, b: cols, ldb: tileWidth,
                    c: output + rowStart * wo, ldc: ho * wo)
                if let bias {
                    Parallel.forChunks(cout, minimumPerChunk: Swift.max(1, 16384 / tileWidth)) { range in
                        for channel in range {
                            let value = bias.data[channel]
                            let row = output + channel * ho * wo + rowStart * wo
                            for index in 0..<tileWidth { row[index] += value }
                        }
                    }
                }
                rowStart += rows
            }
        }
    }

    /// Convolutions with at most this many output channels (stride 1, dilation 1) skip im2col:
    /// an sgemm over the taps followed by shifted adds (`conv2dFewOutputsScratch`), or shifted
    /// multiply-adds directly when the scratch is smaller than that.
    public static let directConvMaximumOutputs = 4

    /// The scratch floats the few-outputs path of `conv2d` (at most `directConvMaximumOutputs`
    /// outputs, stride 1, dilation 1) needs for one input row: the repacked weights plus every
    /// tap's contribution of one row; more scratch lets it process more rows per sgemm.
    public static func conv2dFewOutputsScratch(
        inChannels: Int, outChannels: Int, kernelHeight: Int, kernelWidth: Int,
        inputWidth: Int
    ) -> Int {
        let taps = outChannels * kernelHeight * kernelWidth
        return taps * inChannels + taps * inputWidth
    }

    // x (N,Cin,H,W), weight (Cout,Cin,kh,kw) -> out (N,Cout,Ho,Wo), stride 1, dilation 1, scratch ≥
    // conv2dFewOutputsScratch: the weights repacked as P (Cin, Cout·kh·kw), then per tile of input
    // rows the contributions T = Pᵀ·x_tile (Cout·kh·kw, rows·W) by sgemm, each added to the output
    // row and column it lands on (input (iy, ix) under tap (ky, kx) feeds output
    // (iy + padding − ky, ix + padding − kx)). Every output row is written by one chunk, and its
    // sum order (tile, ky, kx) does not depend on the thread count.
    static func fewOutputsConv2d(
        _ out: Tensor, _ x: Tensor, weight: Tensor, bias: Tensor?, padding: Int,
        scratch: ScratchBuffer
    ) {
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let (ho, wo) = (out.shape[2], out.shape[3])
        let taps = cout * kh * kw
        let packed = scratch.data
        for o in 0..<cout {
            for c in 0..<cin {
                let kernel = weight.data + (o * cin + c) * kh * kw
                (packed + c * taps + o * kh * kw).update(from: kernel, count: kh * kw)
            }
        }
        let contributions = scratch.data + cin * taps
        let rowsPerTile = Swift.max(1, Swift.min(h, (scratch.capacity - cin * taps) / (taps * w)))
        for sample in 0..<n {
            let input = x.data + sample * cin * h * w
            let output = out.data + sample * cout * ho * wo
            for o in 0..<cout {
                (output + o * ho * wo).update(repeating: bias?.data[o] ?? 0, count: ho * wo)
            }
            var rowStart = 0
            while rowStart < h {
                let rows = Swift.min(rowsPerTile, h - rowStart)
                let tileWidth = rows * w
                GEMM.multiply(
                    m: taps, n: tileWidth, k: cin, a: packed, lda: taps, transposeA: true,
                    b: input + rowStart * w, ldb: h * w, c: contributions, ldc: tileWidth)
                // output rows that input rows [rowStart, rowStart + rows) reach
                let first = Swift.max(0, rowStart + padding - (kh - 1)), last = Swift.min(ho, rowStart + rows + padding)
                if first < last {
                    Parallel.forChunks(last - first, minimumPerChunk: Swift.max(1, 8192 / Swift.max(taps * wo, 1))) { chunk in
                        for y in (first + chunk.lowerBound)..<(first + chunk.upperBound) {
                            for o in 0..<cout {
                                let destination = output + (o * ho + y) * wo
                                for ky in 0..<kh {
                                    let r = y - padding + ky - rowStart  // the tile row feeding row y under ky
                                    if r < 0 || r >= rows { continue }
                                    for kx in 0..<kw {
                                        let shift = kx - padding  // output column x takes input column x + shift
                                        let source = contributions + ((o * kh + ky) * kw + kx) * tileWidth + r * w + shift
                                        let lower = Swift.max(0, -shift), upper = Swift.min(wo, w - shift)
                                        var column = lower
                                        while column + 8 <= upper {
                                            let target = UnsafeMutableRawPointer(destination + column)
                                            let sum =
                                                target.loadUnaligned(as: SIMD8<Float>.self)
                                                + UnsafeRawPointer(source + column).loadUnaligned(as: SIMD8<Float>.self)
                                            target.storeBytes(of: sum, as: SIMD8<Float>.self)
                                            column += 8
                                        }
                                        while column < upper {
                                            destination[column] += source[column]
                                            column += 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                rowStart += rows
            }
        }
    }

    // x (N,Cin,H,W), weight (Cout,Cin,kh,kw) -> out (N,Cout,Ho,Wo), stride 1: every run of 8
    // output pixels accumulates all taps in registers (one source load feeds all outputs). Runs
    // whose kw+7-wide input window leaves the row (the edges, rows narrower than 8) read it from
    // a zero-padded copy of that window; a row's last run starts at Wo−8 and may overlap the
    // previous one (it recomputes the same values in the same order).
    static func directConv2d(_ out: Tensor, _ x: Tensor, weight: Tensor, bias: Tensor?, padding: Int) {
        switch weight.shape[0] {
        case 1: directConv2d(out, x, weight: weight, bias: bias, padding: padding, outputs: 1)
        case 2: directConv2d(out, x, weight: weight, bias: bias, padding: padding, outputs: 2)
        case 3: directConv2d(out, x, weight: weight, bias: bias, padding: padding, outputs: 3)
        default: directConv2d(out, x, weight: weight, bias: bias, padding: padding, outputs: 4)
        }
    }

    // the body of directConv2d for a constant number of outputs (1…4), so the unused
    // accumulators and their branches vanish after inlining
    @inline(__always)
    private static func directConv2d(_ out: Tensor, _ x: Tensor, weight: Tensor, bias: Tensor?, padding: Int, outputs cout: Int) {
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        let (ho, wo) = (out.shape[2], out.shape[3])
        let kernels = UnsafePointer(weight.data)
        let stride = cin * kh * kw  // between output channels' kernels
        var offsets = (Float(0), Float(0), Float(0), Float(0))
        if let bias {
            offsets.0 = bias.data[0]
            if cout > 1 { offsets.1 = bias.data[1] }
            if cout > 2 { offsets.2 = bias.data[2] }
            if cout > 3 { offsets.3 = bias.data[3] }
        }
        let initial = offsets
        let window = 8 + kw - 1  // input columns one run reads
        let runs = (wo + 7) / 8
        for sample in 0..<n {
            let input = UnsafePointer(x.data + sample * cin * h * w)
            let output = out.data + sample * cout * ho * wo
            Parallel.forChunks(ho, minimumPerChunk: 4) { rows in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: window + 8) { buffer in
                    let padded = buffer.baseAddress!
                    padded.initialize(repeating: 0, count: window + 8)
                    for oy in rows {
                        for run in 0..<runs {
                            let ox = Swift.max(0, Swift.min(run * 8, wo - 8))
                            let count = Swift.min(8, wo - ox)
                            let left = ox - padding  // input column of the window's first tap
                            let inside = left >= 0 && left + window <= w
                            var accumulators = (
                                SIMD8<Float>(repeating: initial.0), SIMD8<Float>(repeating: initial.1),
                                SIMD8<Float>(repeating: initial.2), SIMD8<Float>(repeating: initial.3)
                            )
                            for channel in 0..<cin {
                                for ky in 0..<kh {
                                    let iy = oy - padding + ky
                                    if iy < 0 || iy >= h { continue }
                                    let row = input + (channel * h + iy) * w
                                    let source: UnsafePointer<Float>
                                    if inside {
                                        source = row + left
                                    } else {
                                        for index in 0..<window {
                                            let column = left + index
                                            padded[index] = column >= 0 && column < w ? row[column] : 0
                                        }
                                        source = UnsafePointer(padded)
                                    }
                                    let taps = kernels + (channel * kh + ky) * kw
                                    for kx in 0..<kw {
                                        let pixels = UnsafeRawPointer(source + kx).loadUnaligned(as: SIMD8<Float>.self)
                                        accumulators.0 += taps[kx] * pixels
                                        if cout > 1 { accumulators.1 += taps[stride + kx] * pixels }
                                        if cout > 2 { accumulators.2 += taps[2 * stride + kx] * pixels }
                                        if cout > 3 { accumulators.3 += taps[3 * stride + kx] * pixels }
                                    }
                                }
                            }
                            let destination = output + oy * wo + ox
                            @inline(__always) func store(_ values: SIMD8<Float>, _ plane: Int) {
                                let target = destination + plane * ho * wo
                                if count == 8 {
                                    UnsafeMutableRawPointer(target).storeBytes(of: values, as: SIMD8<Float>.self)
                                } else {
                                    for index in 0..<count { target[index] = values[index] }
                                }
                            }
                            store(accumulators.0, 0)
                            if cout > 1 { store(accumulators.1, 1) }
                            if cout > 2 { store(accumulators.2, 2) }
                            if cout > 3 { store(accumulators.3, 3) }
                        }
                    }
                }
            }
        }
    }

    // x (C,H,W) -> cols (C·kh·kw, rows·Wo) for output rows [rowStart, rowStart+rows)
    static func im2col(
        _ cols: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
        channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
        stride: Int, padding: Int, dilation: Int,
        outputWidth: Int, rowStart: Int, rows: Int
    ) {
        let tileWidth = rows * outputWidth
        Parallel.forChunks(channels, minimumPerChunk: Swift.max(1, 8192 / Swift.max(kernelHeight * kernelWidth * tileWidth, 1))) { range in
            for channel in range {
                let plane = input + channel * height * width
                var columnRow = cols + channel * kernelHeight * kernelWidth * tileWidth
                for ky in 0..<kernelHeight {
                    for kx in 0..<kernelWidth {
                        let xOffset = kx * dilation - padding
                        // Output columns whose source column ox·stride + xOffset lies inside [0, width).
                        let firstValid = xOffset >= 0 ? 0 : (-xOffset + stride - 1) / stride
                        let lastValidExclusive = Swift.min(outputWidth, width - xOffset <= 0 ? 0 : (width - 1 - xOffset) / stride + 1)
                        for r in 0..<rows {
                            let destination = columnRow + r * outputWidth
                            let sourceRow = (rowStart + r) * stride + ky * dilation - padding
                            if sourceRow < 0 || sourceRow >= height || firstValid >= lastValidExclusive {
                                destination.update(repeating: 0, count: outputWidth)
                                continue
                            }
                            let source = plane + sourceRow * width
                            if firstValid > 0 { destination.update(repeating: 0, count: firstValid) }
                            if stride == 1 {
                                (destination + firstValid).update(
                                    from: source + firstValid + xOffset,
                                    count: lastValidExclusive - firstValid)
                            } else {
                                for ox in firstValid..<lastValidExclusive {
                                    destination[ox] = source[ox * stride + xOffset]
                                }
                            }
                            if lastValidExclusive < outputWidth {
                                (destination + lastValidExclusive).update(repeating: 0, count: outputWidth - lastValidExclusive)
                            }
                        }
                        columnRow += tileWidth
                    }
                }
            }
        }
    }

    /// The scratch floats `convTranspose2d` needs for one input row (its minimum).
    public static func convTranspose2dMinimumScratch(outChannels: Int, kernelHeight: Int, kernelWidth: Int, inputWidth: Int) -> Int {
        outChannels * kernelHeight * kernelWidth * inputWidth
    }

    /// The output length of a transposed convolution along one axis.
    public static func convTransposeOutputSize(input: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int) -> Int {
        (input - 1) * stride - 2 * padding + kernel + outputPadding
    }

    /// 2-D transposed convolution (PyTorch `F.conv_transpose2d`, groups 1, dilation 1).
    ///
    /// Weight layout is **(in, out, kh, kw)**. Computed as columns = Wᵀ·x by sgemm (tiled by
    /// input rows in `scratch`) followed by col2im scatter-add onto the bias.
    public static func convTranspose2d(
        _ out: Tensor, _ x: Tensor, weight: Tensor, bias: Tensor?,
        stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
        scratch: ScratchBuffer
    ) throws(NeuralError) {
        // x (N,Cin,H,W), weight (Cin,Cout,kh,kw), bias (Cout) -> out (N,Cout,(H-1)s-2p+kh+op, ...)
        try x.requireRank(4, of: "conv_transpose2d input", layout: "(N,C,H,W)")
        try weight.requireRank(4, of: "conv_transpose2d weight", layout: "(in,out,kh,kw)")
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, kh, kw) = (weight.shape[1], weight.shape[2], weight.shape[3])
        guard weight.shape[0] == cin else {
            throw NeuralError(
                .invalidArgument,
                "conv_transpose2d weight \(Tensor.describe(weight.shape)) is (in,out,kh,kw) with \(weight.shape[0]) input channels; the input has \(cin)"
            )
        }
        guard stride >= 1, padding >= 0, outputPadding >= 0, outputPadding < stride else {
            throw NeuralError(
                .invalidArgument,
                "conv_transpose2d needs stride >= 1, padding >= 0 and 0 <= output_padding < stride; got \(stride), \(padding), \(outputPadding)"
            )
        }
        let ho = convTransposeOutputSize(input: h, kernel: kh, stride: stride, padding: padding, outputPadding: outputPadding)
        let wo = convTransposeOutputSize(input: w, kernel: kw, stride: stride, padding: padding, outputPadding: outputPadding)
        try out.requireShape([n, cout, ho, wo], of: "conv_transpose2d output")
        if let bias { try bias.requireShape([cout], of: "conv_transpose2d bias") }
        let columnRows = cout * kh * kw
        try scratch.require(columnRows * w, for: "conv_transpose2d (one input row)")
        let rowsPerTile = Swift.max(1, Swift.min(h, scratch.capacity / (columnRows * w)))
        let cols = scratch.data
        for sample in 0..<n {
            let input = x.data + sample * cin * h * w
            let output = out.data + sample * cout * ho * wo
            for channel in 0..<cout {
                (output + channel * ho * wo).update(repeating: bias?.data[channel] ?? 0, count: ho * wo)
            }
            var rowStart = 0
            while rowStart < h {
                let rows = Swift.min(rowsPerTile, h - rowStart)
                let tileWidth = rows * w
                // Wᵀ (Cout·kh·kw, Cin) @ x tile (Cin, rows·W) -> cols (Cout·kh·kw, rows·W)
                GEMM.multiply(
                    m: columnRows, n: tileWidth, k: cin, a: weight.data, lda: columnRows, transposeA: true,
                    b: input + rowStart * w, ldb: h * w, c: cols, ldc: tileWidth)
                Parallel.forChunks(cout, minimumPerChunk: Swift.max(1, 16384 / Swift.max(kh * kw * tileWidth, 1))) { range in
                    for channel in range {
                        let plane = output + channel * ho * wo
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let column = cols + ((channel * kh + ky) * kw + kx) * tileWidth
                                for r in 0..<rows {
                                    let oy = (rowStart + r) * stride - padding + ky
                                    if oy < 0 || oy >= ho { continue }
                                    let destination = plane + oy * wo
                                    let source = column + r * w
                                    for ix in 0..<w {
                                        let ox = ix * stride - padding + kx
                                        if ox >= 0 && ox < wo { destination[ox] += source[ix] }
                                    }
                                }
                            }
                        }
                    }
                }
                rowStart += rows
            }
        }
    }

    /// The scratch floats `conv1d` needs: the whole im2col matrix.
    public static func conv1dScratch(inChannels: Int, kernel: Int, outputLength: Int) -> Int {
        inChannels * kernel * outputLength
    }

    /// 1-D convolution with dilation, zero padding, groups 1 (PyTorch `F.conv1d`).
    public static func conv1d(
        _ out: Tensor, _ x: Tensor, weight: Tensor, bias: Tensor?,
        stride: Int = 1, padding: Int = 0, dilation: Int = 1,
        scratch: ScratchBuffer
    ) throws(NeuralError) {
        // x (N,Cin,L), weight (Cout,Cin,k), bias (Cout) -> out (N,Cout,Lo)
        try x.requireRank(3, of: "conv1d input", layout: "(N,C,L)")
        try weight.requireRank(3, of: "conv1d weight", layout: "(out,in,k)")
        let (n, cin, length) = (x.shape[0], x.shape[1], x.shape[2])
        let (cout, kernel) = (weight.shape[0], weight.shape[2])
        guard weight.shape[1] == cin else {
            throw NeuralError(
                .invalidArgument,
                "conv1d weight \(Tensor.describe(weight.shape)) expects \(weight.shape[1]) input channels; the input has \(cin)")
        }
        guard stride >= 1, padding >= 0, dilation >= 1 else {
            throw NeuralError(
                .invalidArgument, "conv1d needs stride >= 1, padding >= 0, dilation >= 1; got \(stride), \(padding), \(dilation)")
        }
        let lo = convOutputSize(input: length, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        guard lo > 0 else {
            throw NeuralError(.invalidArgument, "conv1d: kernel \(kernel) with dilation \(dilation) does not fit input length \(length)")
        }
        try out.requireShape([n, cout, lo], of: "conv1d output")
        if let bias { try bias.requireShape([cout], of: "conv1d bias") }
        let k = cin * kernel
        try scratch.require(k * lo, for: "conv1d")
        let cols = scratch.data
        for sample in 0..<n {
            let input = x.data + sample * cin * length
            for channel in 0..<cin {
                for tap in 0..<kernel {
                    let row = cols + (channel * kernel + tap) * lo
                    for t in 0..<lo {
                        let source = t * stride + tap * dilation - padding
                        row[t] = source >= 0 && source < length ? input[channel * length + source] : 0
                    }
                }
            }
            let output = out.data + sample * cout * lo
            GEMM.multiply(m: cout, n: lo, k: k, a: weight.data, lda: k, b: cols, ldb: lo, c: output, ldc: lo)
            if let bias {
                for channel in 0..<cout {
                    for t in 0..<lo { output[channel * lo + t] += bias.data[channel] }
                }
            }
        }
    }

    /// Fully connected layer y = W·x + b (PyTorch `F.linear`).
    public static func linear(_ out: Tensor, _ x: Tensor, weight: Tensor, bias: Tensor?) throws(NeuralError) {
        // x (N,in), weight (out,in), bias (out) -> out (N,out)
        try x.requireRank(2, of: "linear input", layout: "(N,in)")
        try weight.requireRank(2, of: "linear weight", layout: "(out,in)")
        let (n, inFeatures, outFeatures) = (x.shape[0], x.shape[1], weight.shape[0])
        guard weight.shape[1] == inFeatures else {
            throw NeuralError(
                .invalidArgument,
                "linear weight \(Tensor.describe(weight.shape)) expects \(weight.shape[1]) input features; the input has \(inFeatures)")
        }
        try out.requireShape([n, outFeatures], of: "linear output")
        if let bias { try bias.requireShape([outFeatures], of: "linear bias") }
        GEMM.multiply(
            m: n, n: outFeatures, k: inFeatures, a: x.data, lda: inFeatures,
            b: weight.data, ldb: inFeatures, transposeB: true, c: out.data, ldc: outFeatures)
        if let bias {
            for row in 0..<n {
                for feature in 0..<outFeatures { out.data[row * outFeatures + feature] += bias.data[feature] }
            }
        }
    }
}
