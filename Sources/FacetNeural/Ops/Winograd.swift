// 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", CVPR 2016): each 2×2 output tile costs 16
// multiplies per (input, output) channel pair instead of 36, as 16 sgemms over transformed
// tiles. Transforms: V = Bᵀ d B (input 4×4 tile), U = G g Gᵀ (weights), Y = Aᵀ M A (output).

extension Ops {
    /// The number of transformed matrices of F(2×2, 3×3) (one per 4×4 tile position).
    public static let winogradPositions = 16

    /// Transforms 3×3 conv weights for `conv2dWinograd3x3`: U[ξ] = G·g·Gᵀ.
    public static func winogradTransformWeights(_ out: Tensor, weight: Tensor) throws(NeuralError) {
        // weight (O,C,3,3) -> out (16,O,C)
        try weight.requireRank(4, of: "winograd weight", layout: "(out,in,3,3)")
        guard weight.shape[2] == 3, weight.shape[3] == 3 else {
            throw NeuralError(.invalidArgument, "Winograd F(2x2,3x3) needs a 3x3 kernel; got \(Tensor.describe(weight.shape))")
        }
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        try out.requireShape([winogradPositions, outputs, inputs], of: "winograd transformed weight")
        let pairs = outputs * inputs
        for pair in 0..<pairs {
            let g = weight.data + pair * 9
            // Gg (4×3): rows g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2 (g_k = kernel row k)
            var gg = [Float](repeating: 0, count: 12)
            for column in 0..<3 {
                let (a, b, c) = (g[column], g[3 + column], g[6 + column])
                gg[column] = a
                gg[3 + column] = (a + b + c) * 0.5
                gg[6 + column] = (a - b + c) * 0.5
                gg[9 + column] = c
            }
            // (Gg)Gᵀ (4×4): each row (a, b, c) -> (a, (a+b+c)/2, (a−b+c)/2, c)
            for row in 0..<4 {
                let (a, b, c) = (gg[row * 3], gg[row * 3 + 1], gg[row * 3 + 2])
                let values = [a, (a + b + c) * 0.5, (a - b + c) * 0.5, c]
                for column in 0..<4 { out.data[(row * 4 + column) * pairs + pair] = values[column] }
            }
        }
    }

    /// Scratch floats `conv2dWinograd3x3` needs for `tiles` 2×2 output tiles at once
    /// (transformed inputs and products); the minimum is one row of tiles, W/2.
    public static func winogradScratch(inChannels: Int, outChannels: Int, tiles: Int) -> Int {
        winogradPositions * (inChannels + outChannels) * tiles
    }

    /// 3×3 convolution, stride 1, zero padding 1, by Winograd F(2×2, 3×3), for even H and W.
    ///
    /// Same result as `conv2d(…, padding: 1)` up to float rounding. `transformedWeight` comes
    /// from `winogradTransformWeights`. Processes as many rows of tiles per pass as `scratch`
    /// holds (at least one: `winogradScratch(…, tiles: W/2)`). With `upsamplingInput`, `x` is
    /// (N,C,H/2,W/2) and the conv runs on its nearest ×2 upsampling without materialising it
    /// (PIRender's decoder: `F.interpolate(scale_factor=2)` then conv). With `statistics`, the
    /// output transform also gathers each output channel's sums (shifted by its bias) for a
    /// following normalisation, while the values are still in cache.
    public static func conv2dWinograd3x3(
        _ out: Tensor, _ x: Tensor, transformedWeight: Tensor, bias: Tensor?,
        upsamplingInput: Bool = false, scratch: ScratchBuffer,
        statistics: ChannelStatistics? = nil
    ) throws(NeuralError) {
        // x (N,C,H,W) H,W even [or (N,C,H/2,W/2) when upsampling], transformedWeight (16,O,C), bias (O) -> out (N,O,H,W)
        try x.requireRank(4, of: "winograd conv input", layout: "(N,C,H,W)")
        try transformedWeight.requireRank(3, of: "winograd transformed weight", layout: "(16,out,in)")
        let factor = upsamplingInput ? 2 : 1
        let (n, channels, h, w) = (x.shape[0], x.shape[1], x.shape[2] * factor, x.shape[3] * factor)
        let outputs = transformedWeight.shape[1]
        guard transformedWeight.shape[0] == winogradPositions, transformedWeight.shape[2] == channels else {
            throw NeuralError(
                .invalidArgument,
                "winograd transformed weight must be (16,out,\(channels)); got \(Tensor.describe(transformedWeight.shape))")
        }
        guard h % 2 == 0, w % 2 == 0, h > 0, w > 0 else {
            throw NeuralError(.invalidArgument, "Winograd F(2x2,3x3) needs an even height and width; got \(Tensor.describe(x.shape))")
        }
        let sourcePlane = x.shape[2] * x.shape[3]
        try out.requireShape([n, outputs, h, w], of: "winograd conv output")
        if let bias { try bias.requireShape([outputs], of: "winograd conv bias") }
        let (tileRows, tileColumns) = (h / 2, w / 2)
        let perTileRow = winogradScratch(inChannels: channels, outChannels: outputs, tiles: tileColumns)
        try scratch.require(perTileRow, for: "winograd conv (one row of tiles)")
        let rowsPerPass = Swift.max(1, Swift.min(tileRows, scratch.capacity / perTileRow))
        try statistics?.begin(samples: n, channels: outputs, planeCount: h * w, shifts: bias.map { UnsafePointer($0.data) })
        for sample in 0..<n {
            let input = x.data + sample * channels * sourcePlane
            let output = out.data + sample * outputs * h * w
            var firstRow = 0
            while firstRow < tileRows {
                let rows = Swift.min(rowsPerPass, tileRows - firstRow)
                let tiles = rows * tileColumns
                let transformed = scratch.data  // (16, C, tiles)
                let products = scratch.data + winogradPositions * channels * tiles  // (16, O, tiles)
                winogradInputTransform(
                    transformed, input, channels: channels, height: h, width: w,
                    upsampled: upsamplingInput, firstTileRow: firstRow, tileRows: rows)
                GEMM.multiplyBatch(
                    count: winogradPositions, m: outputs, n: tiles, k: channels,
                    a: transformedWeight.data, strideA: outputs * channels, lda: channels,
                    b: transformed, strideB: channels * tiles, ldb: tiles,
                    c: products, strideC: outputs * tiles, ldc: tiles)
                winogradOutputTransform(
                    output, products, bias: bias?.data, outputs: outputs, height: h, width: w,
                    firstTileRow: firstRow, tileRows: rows, statistics: statistics,
                    firstPlane: sample * outputs)
                firstRow += rows
            }
        }
    }

    // x (C,H,W) -> transformed (16, C, rows·W/2): V = Bᵀ d B of each zero-padded 4×4 input tile.
    // Row-wise: t = Bᵀ d is formed on whole padded rows, split into even and odd columns, and
    // each of the 16 outputs is then a contiguous vector expression over the tiles of a row.
    // With `upsampled`, input is (C, H/2, W/2) and read as its nearest ×2 upsampling: virtual row
    // y is source row y/2, and the parity split of a virtual row is the source row shifted by one.
    static func winogradInputTransform(
        _ transformed: UnsafeMutablePointer<Float>, _ input: UnsafePointer<Float>,
        channels: Int, height: Int, width: Int, upsampled: Bool,
        firstTileRow: Int, tileRows: Int
    ) {
        let sourceWidth = upsampled ? width / 2 : width
        let sourcePlane = upsampled ? height / 2 * sourceWidth : height * width
        let tileColumns = width / 2
        let tiles = tileRows * tileColumns
        let half = tileColumns + 1  // even/odd samples of a padded row of width + 2
        Parallel.forChunks(channels) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * half) { buffer in
                let rows = WinogradInputRows(start: buffer.baseAddress!, half: half)
                for channel in range {
                    let plane = input + channel * sourcePlane
                    for tileRow in 0..<tileRows {
                        rows.load(
                            plane, top: 2 * (firstTileRow + tileRow) - 1, height: height, width: width,
                            sourceWidth: sourceWidth, upsampled: upsampled)
                        rows.transformColumns()
                        rows.transformRows(
                            into: transformed + channel * tiles + tileRow * tileColumns,
                            positionStride: channels * tiles, tileColumns: tileColumns)
                    }
                }
            }
        }
    }

    // products (16, O, rows·W/2) -> out (O,H,W) rows of this pass: Y = Aᵀ M A + bias, row-wise
    // over the tiles of a row; each finished output row is added to `statistics` (plane
    // firstPlane + channel) while in cache
    static func winogradOutputTransform(
        _ output: UnsafeMutablePointer<Float>, _ products: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, outputs: Int, height: Int, width: Int,
        firstTileRow: Int, tileRows: Int,
        statistics: ChannelStatistics? = nil, firstPlane: Int = 0
    ) {
        let tileColumns = width / 2
        let tiles = tileRows * tileColumns
        Parallel.forChunks(outputs) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 8 * tileColumns) { buffer in
                // s[r][j] = (Aᵀ M)[r][j] over the tiles of a row: r = 0, 1; j = 0…3
                let start = buffer.baseAddress!
                @inline(__always) func s(_ index: Int) -> UnsafeMutablePointer<Float> { start + index * tileColumns }
                for channel in range {
                    let plane = output + channel * height * width
                    let offset = bias?[channel] ?? 0
                    for tileRow in 0..<tileRows {
                        let base = tileRow * tileColumns
                        @inline(__always) func m(_ position: Int) -> UnsafePointer<Float> {
                            products + (position * outputs + channel) * tiles + base
                        }
                        for j in 0..<4 {
                            let (m0, m1, m2, m3) = (m(j), m(4 + j), m(8 + j), m(12 + j))
                            let (upper, lower) = (s(j), s(4 + j))
                            for t in 0..<tileColumns {
                                upper[t] = m0[t] + m1[t] + m2[t]
                                lower[t] = m1[t] - m2[t] - m3[t]
                            }
                        }
                        let y = 2 * (firstTileRow + tileRow)
                        for r in 0..<2 {
                            let (a, b, c, d) = (s(4 * r), s(4 * r + 1), s(4 * r + 2), s(4 * r + 3))
                            let destination = plane + (y + r) * width
                            for t in 0..<tileColumns {
                                destination[2 * t] = a[t] + b[t] + c[t] + offset
                                destination[2 * t + 1] = b[t] - c[t] - d[t] + offset
                            }
                            statistics?.accumulate(firstPlane + channel, destination, count: width)
                        }
                    }
                }
            }
        }
    }
}

/// The scratch of `winogradInputTransform` for one row of tiles of one channel, `half` (W/2 + 1) floats
/// per row: the four zero-padded input rows d0…d3 of the tiles, split by column parity (`rawEven`,
/// `rawOdd`), and the four rows of t = Bᵀ d split the same way (`even`, `odd`). Its steps are inlined
/// into the transform's loops.
struct WinogradInputRows {
    let start: UnsafeMutablePointer<Float>
    let half: Int

    // raw rows split by parity: rawEven(i)[t] = padded row i at 2t = input column 2t − 1,
    // rawOdd(i)[t] = input column 2t (zero outside the image)
    @inline(__always) func rawEven(_ i: Int) -> UnsafeMutablePointer<Float> { start + (8 + 2 * i) * half }
    @inline(__always) func rawOdd(_ i: Int) -> UnsafeMutablePointer<Float> { start + (9 + 2 * i) * half }
    // t = Bᵀ d rows split by parity
    @inline(__always) func even(_ i: Int) -> UnsafeMutablePointer<Float> { start + 2 * i * half }
    @inline(__always) func odd(_ i: Int) -> UnsafeMutablePointer<Float> { start + (2 * i + 1) * half }

    /// Reads the padded rows `top`…`top + 3` of `plane` (zero outside the image) into the raw rows; with
    /// `upsampled`, the plane is (H/2, W/2) and read as its nearest ×2 upsampling.
    @inline(__always)
    func load(_ plane: UnsafePointer<Float>, top: Int, height: Int, width: Int, sourceWidth: Int, upsampled: Bool) {
        for i in 0..<4 {
            let (e, o) = (rawEven(i), rawOdd(i))
            let y = top + i
            guard y >= 0, y < height else {
                e.update(repeating: 0, count: half)
                o.update(repeating: 0, count: half)
                continue
            }
            e[0] = 0
            o[half - 1] = 0
            if upsampled {
                // virtual column 2t − 1 is source t − 1; virtual column 2t is source t
                let source = plane + (y / 2) * sourceWidth
                (e + 1).update(from: source, count: half - 1)
                o.update(from: source, count: half - 1)
            } else {
                // deinterleave the row: even columns to o[t], odd ones to e[t + 1]
                let source = plane + y * width
                let shiftedEven = e + 1
                var t = 0
                while t + 8 <= half - 1 {
                    let pair = UnsafeRawPointer(source + 2 * t).loadUnaligned(as: SIMD16<Float>.self)
                    UnsafeMutableRawPointer(o + t).storeBytes(of: pair.evenHalf, as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(shiftedEven + t).storeBytes(of: pair.oddHalf, as: SIMD8<Float>.self)
                    t += 8
                }
                while t < half - 1 {
                    o[t] = source[2 * t]
                    shiftedEven[t] = source[2 * t + 1]
                    t += 1
                }
            }
        }
    }

    /// t = Bᵀ d from the raw rows: t0 = d0 − d2, t1 = d1 + d2, t2 = d2 − d1, t3 = d1 − d3, on both parities.
    @inline(__always)
    func transformColumns() {
        for parity in 0..<2 {
            let (d0, d1, d2, d3) =
                parity == 0
                ? (rawEven(0), rawEven(1), rawEven(2), rawEven(3))
                : (rawOdd(0), rawOdd(1), rawOdd(2), rawOdd(3))
            let t0 = start + parity * half, t1 = start + (2 + parity) * half
            let t2 = start + (4 + parity) * half, t3 = start + (6 + parity) * half
            for t in 0..<half {
                t0[t] = d0[t] - d2[t]
                t1[t] = d1[t] + d2[t]
                t2[t] = d2[t] - d1[t]
                t3[t] = d1[t] - d3[t]
            }
        }
    }

    /// V = t B for every tile of the row: the 16 outputs, each a contiguous vector over the row's
    /// `tileColumns` tiles, to `output + position · positionStride` (position = 4 · row + column of V).
    @inline(__always)
    func transformRows(into output: UnsafeMutablePointer<Float>, positionStride: Int, tileColumns: Int) {
        for i in 0..<4 {
            let (e, o) = (even(i), odd(i))
            let v0 = output + (4 * i) * positionStride
            let v1 = output + (4 * i + 1) * positionStride
            let v2 = output + (4 * i + 2) * positionStride
            let v3 = output + (4 * i + 3) * positionStride
            var t = 0
            while t + 8 <= tileColumns {
                let e0 = UnsafeRawPointer(e + t).loadUnaligned(as: SIMD8<Float>.self)
                let e1 = UnsafeRawPointer(e + t + 1).loadUnaligned(as: SIMD8<Float>.self)
                let o0 = UnsafeRawPointer(o + t).loadUnaligned(as: SIMD8<Float>.self)
                let o1 = UnsafeRawPointer(o + t + 1).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(v0 + t).storeBytes(of: e0 - e1, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(v1 + t).storeBytes(of: o0 + e1, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(v2 + t).storeBytes(of: e1 - o0, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(v3 + t).storeBytes(of: o0 - o1, as: SIMD8<Float>.self)
                t += 8
            }
            while t < tileColumns {
                v0[t] = e[t] - e[t + 1]
                v1[t] = o[t] + e[t + 1]
                v2[t] = e[t + 1] - o[t]
                v3[t] = o[t] - o[t + 1]
                t += 1
            }
        }
    }
}
