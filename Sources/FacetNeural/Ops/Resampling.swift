// Spatial resampling: 2x2 average pooling, nearest 2x upsampling, bilinear resize
// (align_corners=False) and bilinear grid sampling (zeros padding, align_corners=False).

extension Ops {
    /// Non-overlapping 2×2 average pooling, stride 2 (PyTorch `AvgPool2d(2)`); odd trailing
    /// rows/columns are dropped as PyTorch does.
    public static func avgPool2d(_ out: Tensor, _ x: Tensor) throws(NeuralError) {
        // x (N,C,H,W) -> out (N,C,H/2,W/2)
        try x.requireRank(4, of: "avg_pool2d input", layout: "(N,C,H,W)")
        let (h, w) = (x.shape[2], x.shape[3])
        let (ho, wo) = (h / 2, w / 2)
        try out.requireShape([x.shape[0], x.shape[1], ho, wo], of: "avg_pool2d output")
        Parallel.forChunks(x.shape[0] * x.shape[1], minimumPerChunk: Swift.max(1, 8192 / Swift.max(h * w, 1))) { range in
            for index in range {
                let input = x.data + index * h * w
                let output = out.data + index * ho * wo
                for oy in 0..<ho {
                    let top = input + 2 * oy * w
                    let bottom = top + w
                    let row = output + oy * wo
                    for ox in 0..<wo {
                        row[ox] = (top[2 * ox] + top[2 * ox + 1] + bottom[2 * ox] + bottom[2 * ox + 1]) * 0.25
                    }
                }
            }
        }
    }

    /// Nearest-neighbour ×2 upsampling: every pixel becomes a 2×2 block
    /// (PyTorch `F.interpolate(scale_factor=2)` in its default nearest mode).
    public static func upsampleNearest2x(_ out: Tensor, _ x: Tensor) throws(NeuralError) {
        // x (N,C,H,W) -> out (N,C,2H,2W)
        try x.requireRank(4, of: "upsample_nearest2x input", layout: "(N,C,H,W)")
        let (h, w) = (x.shape[2], x.shape[3])
        try out.requireShape([x.shape[0], x.shape[1], 2 * h, 2 * w], of: "upsample_nearest2x output")
        Parallel.forChunks(x.shape[0] * x.shape[1], minimumPerChunk: Swift.max(1, 8192 / Swift.max(h * w, 1))) { range in
            for index in range {
                let input = x.data + index * h * w
                let output = out.data + index * 4 * h * w
                for y in 0..<h {
                    let source = input + y * w
                    let destination = output + 2 * y * 2 * w
                    for column in 0..<w {
                        destination[2 * column] = source[column]
                        destination[2 * column + 1] = source[column]
                    }
                    (destination + 2 * w).update(from: destination, count: 2 * w)
                }
            }
        }
    }

    /// Bilinear resize to `out`'s spatial size with align_corners = False (PyTorch
    /// `F.interpolate(size=..., mode='bilinear')`).
    ///
    /// Source coordinate of output index d: s = (d + 0.5)·(in/out) − 0.5, clamped below at 0;
    /// i0 = floor(s), i1 = min(i0 + 1, in − 1), λ = s − i0. Nothing is extrapolated.
    public static func resizeBilinear(_ out: Tensor, _ x: Tensor) throws(NeuralError) {
        // x (N,C,H,W) -> out (N,C,Ho,Wo)
        try x.requireRank(4, of: "resize_bilinear input", layout: "(N,C,H,W)")
        try out.requireRank(4, of: "resize_bilinear output", layout: "(N,C,Ho,Wo)")
        guard out.shape[0] == x.shape[0], out.shape[1] == x.shape[1], x.shape[2] > 0, x.shape[3] > 0 else {
            throw NeuralError(
                .invalidArgument,
                "resize_bilinear output must be (N,C,Ho,Wo) with the input's N and C \(Tensor.describe(x.shape)); got \(Tensor.describe(out.shape))"
            )
        }
        let (h, w, ho, wo) = (x.shape[2], x.shape[3], out.shape[2], out.shape[3])
        let rowScale = Float(h) / Float(ho)
        let columnScale = Float(w) / Float(wo)
        for index in 0..<(x.shape[0] * x.shape[1]) {
            let input = x.data + index * h * w
            let output = out.data + index * ho * wo
            for oy in 0..<ho {
                let (y0, y1, wy) = sourceIndex(oy, scale: rowScale, size: h)
                let top = input + y0 * w
                let bottom = input + y1 * w
                let row = output + oy * wo
                for ox in 0..<wo {
                    let (x0, x1, wx) = sourceIndex(ox, scale: columnScale, size: w)
                    let upper = (1 - wx) * top[x0] + wx * top[x1]
                    let lower = (1 - wx) * bottom[x0] + wx * bottom[x1]
                    row[ox] = (1 - wy) * upper + wy * lower
                }
            }
        }
    }

    // output index -> (i0, i1, λ) for align_corners=False, clamped edges
    @inline(__always)
    static func sourceIndex(_ index: Int, scale: Float, size: Int) -> (Int, Int, Float) {
        let source = Swift.max(0, (Float(index) + 0.5) * scale - 0.5)
        let lower = Swift.min(Int(source), size - 1)
        let upper = Swift.min(lower + 1, size - 1)
        return (lower, upper, source - Float(lower))
    }

    /// Bilinear sampling of `x` at the normalised positions of `grid` (PyTorch
    /// `F.grid_sample` defaults: mode bilinear, padding_mode zeros, align_corners False).
    ///
    /// grid[n, i, j] = (gx, gy) in [−1, 1] maps to pixel ((gx + 1)·W − 1)/2, ((gy + 1)·H − 1)/2.
    /// Neighbours outside the image contribute zero; weights are not renormalised.
    public static func gridSample(_ out: Tensor, _ x: Tensor, grid: Tensor) throws(NeuralError) {
        // x (N,C,H,W), grid (N,Ho,Wo,2) in (x,y) order -> out (N,C,Ho,Wo)
        try x.requireRank(4, of: "grid_sample input", layout: "(N,C,H,W)")
        try grid.requireRank(4, of: "grid_sample grid", layout: "(N,Ho,Wo,2)")
        let (n, channels, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard grid.shape[0] == n, grid.shape[3] == 2 else {
            throw NeuralError(.invalidArgument, "grid_sample grid must be (N,Ho,Wo,2) with N = \(n); got \(Tensor.describe(grid.shape))")
        }
        let (ho, wo) = (grid.shape[1], grid.shape[2])
        try out.requireShape([n, channels, ho, wo], of: "grid_sample output")
        let plane = h * w
        for sample in 0..<n {
            let input = x.data + sample * channels * plane
            let output = out.data + sample * channels * ho * wo
            let positions = grid.data + sample * ho * wo * 2
            Parallel.forChunks(ho * wo, minimumPerChunk: 4096) { range in
                for pixel in range {
                    let px = ((positions[2 * pixel] + 1) * Float(w) - 1) / 2
                    let py = ((positions[2 * pixel + 1] + 1) * Float(h) - 1) / 2
                    let fx = px.rounded(.down), fy = py.rounded(.down)
                    let wx1 = px - fx, wy1 = py - fy
                    let wx0 = 1 - wx1, wy0 = 1 - wy1
                    // Clamp before converting, so wild grid values cannot overflow Int.
                    let x0 = Int(Swift.max(-2, Swift.min(Float(w) + 1, fx)))
                    let y0 = Int(Swift.max(-2, Swift.min(Float(h) + 1, fy)))
                    let x1 = x0 + 1, y1 = y0 + 1
                    let x0In = x0 >= 0 && x0 < w, x1In = x1 >= 0 && x1 < w
                    let y0In = y0 >= 0 && y0 < h, y1In = y1 >= 0 && y1 < h
                    let w00: Float = x0In && y0In ? wx0 * wy0 : 0
                    let w01: Float = x1In && y0In ? wx1 * wy0 : 0
                    let w10: Float = x0In && y1In ? wx0 * wy1 : 0
                    let w11: Float = x1In && y1In ? wx1 * wy1 : 0
                    let i00 = x0In && y0In ? y0 * w + x0 : 0
                    let i01 = x1In && y0In ? y0 * w + x1 : 0
                    let i10 = x0In && y1In ? y1 * w + x0 : 0
                    let i11 = x1In && y1In ? y1 * w + x1 : 0
                    for channel in 0..<channels {
                        let source = input + channel * plane
                        output[channel * ho * wo + pixel] =
                            source[i00] * w00 + source[i01] * w01 + source[i10] * w10 + source[i11] * w11
                    }
                }
            }
        }
    }
}
