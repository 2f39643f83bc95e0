// Independent reference implementations for the op tests: direct loops written from the
// PyTorch definitions (no im2col, no BLAS, float64 accumulation), on plain arrays.

import Foundation

/// A row-major array with its shape, for the references.
struct Array4 {
    var shape: [Int]
    var values: [Double]

    init(shape: [Int], values: [Double]) {
        precondition(values.count == shape.reduce(1, *))
        self.shape = shape
        self.values = values
    }

    init(shape: [Int], fill: Double = 0) {
        self.init(shape: shape, values: [Double](repeating: fill, count: shape.reduce(1, *)))
    }

    /// Flat index of a multi-index.
    func index(_ indices: [Int]) -> Int {
        var flat = 0
        for (dimension, value) in indices.enumerated() { flat = flat * shape[dimension] + value }
        return flat
    }

    subscript(_ indices: Int...) -> Double {
        get { values[index(indices)] }
        set { values[index(indices)] = newValue }
    }

    var floats: [Float] { values.map { Float($0) } }
}

/// Deterministic pseudo-random values for test inputs.
struct TestRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next() -> Double {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Double(state >> 11) / Double(1 << 53)
    }

    /// `count` values uniform in [low, high), rounded to float precision.
    mutating func values(_ count: Int, _ low: Double = -1, _ high: Double = 1) -> [Double] {
        (0..<count).map { _ in Double(Float(low + (high - low) * next())) }
    }
}

enum Reference {
    // x (N,C,H,W), w (O,C,kh,kw), b (O) -> (N,O,Ho,Wo)
    static func conv2d(_ x: Array4, _ w: Array4, _ b: [Double]?, stride: Int, padding: Int, dilation: Int) -> Array4 {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let ho = (h + 2 * padding - dilation * (kh - 1) - 1) / stride + 1
        let wo = (wd + 2 * padding - dilation * (kw - 1) - 1) / stride + 1
        var out = Array4(shape: [n, o, ho, wo])
        for s in 0..<n {
            for oc in 0..<o {
                for y in 0..<ho {
                    for xo in 0..<wo {
                        var total = b?[oc] ?? 0
                        for ic in 0..<c {
                            for ky in 0..<kh {
                                for kx in 0..<kw {
                                    let iy = y * stride - padding + ky * dilation, ix = xo * stride - padding + kx * dilation
                                    if iy >= 0, iy < h, ix >= 0, ix < wd { total += x[s, ic, iy, ix] * w[oc, ic, ky, kx] }
                                }
                            }
                        }
                        out[s, oc, y, xo] = total
                    }
                }
            }
        }
        return out
    }

    // x (N,C,H,W), w (C,O,kh,kw), b (O) -> (N,O,Ho,Wo), scatter definition
    static func convTranspose2d(_ x: Array4, _ w: Array4, _ b: [Double]?, stride: Int, padding: Int, outputPadding: Int) -> Array4 {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
        let ho = (h - 1) * stride - 2 * padding + kh + outputPadding
        let wo = (wd - 1) * stride - 2 * padding + kw + outputPadding
        var out = Array4(shape: [n, o, ho, wo])
        for s in 0..<n { for oc in 0..<o { for y in 0..<ho { for xo in 0..<wo { out[s, oc, y, xo] = b?[oc] ?? 0 } } } }
        for s in 0..<n {
            for ic in 0..<c {
                for iy in 0..<h {
                    for ix in 0..<wd {
                        for oc in 0..<o {
                            for ky in 0..<kh {
                                for kx in 0..<kw {
                                    let y = iy * stride - padding + ky, xo = ix * stride - padding + kx
                                    if y >= 0, y < ho, xo >= 0, xo < wo { out[s, oc, y, xo] += x[s, ic, iy, ix] * w[ic, oc, ky, kx] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    // x (N,C,L), w (O,C,k) -> (N,O,Lo)
    static func conv1d(_ x: Array4, _ w: Array4, _ b: [Double]?, stride: Int, padding: Int, dilation: Int) -> Array4 {
        let (n, c, l) = (x.shape[0], x.shape[1], x.shape[2])
        let (o, k) = (w.shape[0], w.shape[2])
        let lo = (l + 2 * padding - dilation * (k - 1) - 1) / stride + 1
        var out = Array4(shape: [n, o, lo])
        for s in 0..<n {
            for oc in 0..<o {
                for t in 0..<lo {
                    var total = b?[oc] ?? 0
                    for ic in 0..<c {
                        for tap in 0..<k {
                            let source = t * stride - padding + tap * dilation
                            if source >= 0, source < l { total += x[s, ic, source] * w[oc, ic, tap] }
                        }
                    }
                    out[s, oc, t] = total
                }
            }
        }
        return out
    }

    /// Mean and biased variance.
    static func moments(_ values: ArraySlice<Double>) -> (Double, Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        return (mean, values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count))
    }

    // x (N,C,H,W), weight/bias (C) -> normalised over C·H·W per sample
    static func layerNorm2d(_ x: Array4, weight: [Double], bias: [Double], eps: Double) -> Array4 {
        var out = x
        let per = x.values.count / x.shape[0], plane = x.shape[2] * x.shape[3]
        for s in 0..<x.shape[0] {
            let (mean, variance) = moments(x.values[(s * per)..<((s + 1) * per)])
            for i in 0..<per {
                let channel = i / plane
                out.values[s * per + i] = (x.values[s * per + i] - mean) / (variance + eps).squareRoot() * weight[channel] + bias[channel]
            }
        }
        return out
    }

    // x (N,C,H,W) -> per-plane normalised, then ·(1+gamma[n,c]) + beta[n,c] when given
    static func instanceNorm(_ x: Array4, gamma: [Double]? = nil, beta: [Double]? = nil, eps: Double) -> Array4 {
        var out = x
        let plane = x.shape[2] * x.shape[3]
        for p in 0..<(x.shape[0] * x.shape[1]) {
            let (mean, variance) = moments(x.values[(p * plane)..<((p + 1) * plane)])
            for i in (p * plane)..<((p + 1) * plane) {
                let normalised = (x.values[i] - mean) / (variance + eps).squareRoot()
                out.values[i] = normalised * (1 + (gamma?[p] ?? 0)) + (beta?[p] ?? 0)
            }
        }
        return out
    }

    // bilinear sample of plane (H,W) at pixel coords, zeros outside
    static func bilinearZeros(_ x: Array4, _ s: Int, _ c: Int, px: Double, py: Double) -> Double {
        let (h, w) = (x.shape[2], x.shape[3])
        let x0 = Int(floor(px)), y0 = Int(floor(py))
        var total = 0.0
        for (dy, wy) in [(0, 1 - (py - floor(py))), (1, py - floor(py))] {
            for (dx, wx) in [(0, 1 - (px - floor(px))), (1, px - floor(px))] {
                let yy = y0 + dy, xx = x0 + dx
                if yy >= 0, yy < h, xx >= 0, xx < w { total += wy * wx * x[s, c, yy, xx] }
            }
        }
        return total
    }

    // x (N,C,H,W), grid (N,Ho,Wo,2) -> (N,C,Ho,Wo)
    static func gridSample(_ x: Array4, grid: Array4) -> Array4 {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (ho, wo) = (grid.shape[1], grid.shape[2])
        var out = Array4(shape: [n, c, ho, wo])
        for s in 0..<n {
            for i in 0..<ho {
                for j in 0..<wo {
                    let px = ((grid[s, i, j, 0] + 1) * Double(w) - 1) / 2
                    let py = ((grid[s, i, j, 1] + 1) * Double(h) - 1) / 2
                    for ch in 0..<c { out[s, ch, i, j] = bilinearZeros(x, s, ch, px: px, py: py) }
                }
            }
        }
        return out
    }

    // x (N,C,H,W) -> (N,C,Ho,Wo) bilinear, align_corners=False, clamped
    static func resizeBilinear(_ x: Array4, height ho: Int, width wo: Int) -> Array4 {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var out = Array4(shape: [n, c, ho, wo])
        func source(_ d: Int, _ size: Int, _ outSize: Int) -> (Int, Int, Double) {
            let s = max(0, (Double(d) + 0.5) * Double(size) / Double(outSize) - 0.5)
            let i0 = min(Int(floor(s)), size - 1)
            return (i0, min(i0 + 1, size - 1), s - Double(i0))
        }
        for s in 0..<n {
            for ch in 0..<c {
                for i in 0..<ho {
                    for j in 0..<wo {
                        let (y0, y1, ly) = source(i, h, ho), (x0, x1, lx) = source(j, w, wo)
                        out[s, ch, i, j] =
                            (1 - ly) * ((1 - lx) * x[s, ch, y0, x0] + lx * x[s, ch, y0, x1])
                            + ly * ((1 - lx) * x[s, ch, y1, x0] + lx * x[s, ch, y1, x1])
                    }
                }
            }
        }
        return out
    }
}
