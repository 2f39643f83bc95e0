import FacetMedia
import FacetNeural

// The pixel work around the generator: reading the face crop out of the frame's own planes,
// matching the generated face's colours to the source, and writing it back inside the mask.

/// Reads a square crop of a frame's planes into a (1, 3, R, R) tensor, RGB in [−1, 1], with an
/// antialiased triangle filter (its support widens with the downscale factor, like PIL's
/// antialiased resize); pixels outside the frame repeat the frame's edge.
final class FaceCropSampler {
    /// The crop's side in pixels (R).
    let resolution: Int
    /// Decoded RGB (0…255) of the frame region the filter reads: height × width × 3, interleaved.
    private var region: [Float] = []
    /// After the horizontal pass: region height × R × 3.
    private var rows: [Float] = []
    /// One pixel's plane samples, reused for every decode.
    private var sampleValues: [Float] = [0, 0, 0]

    /// Filter taps of one output coordinate: first source index and weights (normalised).
    private struct Taps {
        var first: Int
        var weights: [Float]
    }

    init(resolution: Int) { self.resolution = resolution }

    /// Taps along one axis for a crop starting at `start` with side `side` over `length` pixels.
    private func taps(start: Double, side: Double) -> [Taps] {
        let scale = side / Double(resolution)
        let support = max(1, scale)
        return (0..<resolution).map { index in
            let centre = start + (Double(index) + 0.5) * scale - 0.5
            let low = Int((centre - support).rounded(.down)) + 1
            let high = Int((centre + support).rounded(.up)) - 1
            var weights = [Float](repeating: 0, count: max(0, high - low + 1))
            var total: Float = 0
            for tap in low...max(low, high) where tap <= high {
                let weight = Float(max(0, 1 - abs(Double(tap) - centre) / support))
                weights[tap - low] = weight
                total += weight
            }
            if total > 0 { for k in weights.indices { weights[k] /= total } }
            return Taps(first: low, weights: weights)
        }
    }

    /// Fills `output` (1, 3, R, R) with the crop `box` of `picture`.
    func sample(_ picture: WritablePicture, box: FaceCropBox, into output: Tensor) throws(RenderError) {
        guard output.shape == [1, 3, resolution, resolution] else {
            throw RenderError(.invalidArgument, "the crop tensor must be (1,3,\(resolution),\(resolution)); got \(output.shape)")
        }
        guard picture.width > 0, picture.height > 0 else {
            throw RenderError(.pixels, "the frame has no pixels (\(picture.width)×\(picture.height))")
        }
        let columns = taps(start: box.left, side: box.side)
        let lines = taps(start: box.top, side: box.side)
        func clampX(_ x: Int) -> Int { min(max(x, 0), picture.width - 1) }
        func clampY(_ y: Int) -> Int { min(max(y, 0), picture.height - 1) }
        let x0 = clampX(columns.first!.first), x1 = clampX(columns.last!.first + columns.last!.weights.count - 1)
        let y0 = clampY(lines.first!.first), y1 = clampY(lines.last!.first + lines.last!.weights.count - 1)
        let width = x1 - x0 + 1, height = y1 - y0 + 1
        if region.count < width * height * 3 { region = [Float](repeating: 0, count: width * height * 3) }
        if rows.count < height * resolution * 3 { rows = [Float](repeating: 0, count: height * resolution * 3) }
        // Decode the region to RGB.
        let planes = picture.planes
        for y in y0...y1 {
            for x in x0...x1 {
                for (index, plane) in planes.enumerated() {
                    sampleValues[index] = Float(plane[min(x >> plane.shiftX, plane.width - 1), min(y >> plane.shiftY, plane.height - 1)])
                }
                let rgb = picture.rgb(samples: sampleValues)
                let offset = ((y - y0) * width + (x - x0)) * 3
                region[offset] = rgb.red
                region[offset + 1] = rgb.green
                region[offset + 2] = rgb.blue
            }
        }
        // Horizontal pass: region rows × R.
        for row in 0..<height {
            for (column, tap) in columns.enumerated() {
                var red: Float = 0, green: Float = 0, blue: Float = 0
                for (k, weight) in tap.weights.enumerated() where weight > 0 {
                    let offset = (row * width + (clampX(tap.first + k) - x0)) * 3
                    red += weight * region[offset]
                    green += weight * region[offset + 1]
                    blue += weight * region[offset + 2]
                }
                let target = (row * resolution + column) * 3
                rows[target] = red
                rows[target + 1] = green
                rows[target + 2] = blue
            }
        }
        // Vertical pass into CHW, mapped to [−1, 1].
        let plane = resolution * resolution
        for (line, tap) in lines.enumerated() {
            for column in 0..<resolution {
                var red: Float = 0, green: Float = 0, blue: Float = 0
                for (k, weight) in tap.weights.enumerated() where weight > 0 {
                    let offset = ((clampY(tap.first + k) - y0) * resolution + column) * 3
                    red += weight * rows[offset]
                    green += weight * rows[offset + 1]
                    blue += weight * rows[offset + 2]
                }
                let index = line * resolution + column
                output.data[index] = red / 127.5 - 1
                output.data[plane + index] = green / 127.5 - 1
                output.data[2 * plane + index] = blue / 127.5 - 1
            }
        }
    }
}

/// A per-channel affine colour correction, `corrected = gain · value + offset`, that gives the
/// generated face the source face's mean and standard deviation inside the mask.
public struct ColourTransfer: Sendable, Equatable {
    /// The smallest and largest gain allowed (a flat generated region must not be blown up).
    public static let gainLimits: ClosedRange<Float> = 0.5...2
    /// Gains for red, green, blue.
    public var gain: SIMD3<Float>
    /// Offsets for red, green, blue (in the images' value unit).
    public var offset: SIMD3<Float>

    /// The identity transfer.
    public static let identity = ColourTransfer(gain: SIMD3(repeating: 1), offset: SIMD3(repeating: 0))

    /// Creates a transfer.
    public init(gain: SIMD3<Float>, offset: SIMD3<Float>) {
        self.gain = gain
        self.offset = offset
    }

    /// The transfer that maps the weighted statistics of `generated` onto those of `source`;
    /// both are (1, 3, R, R) tensors, `weights` holds R·R mask weights (identity when they sum to ~0).
    public static func matching(generated: Tensor, source: Tensor, weights: [Float]) -> ColourTransfer {
        let plane = weights.count
        var total: Double = 0
        for weight in weights { total += Double(weight) }
        guard total > 1e-3, generated.count >= 3 * plane, source.count >= 3 * plane else { return .identity }
        var gain = SIMD3<Float>(repeating: 1), offset = SIMD3<Float>(repeating: 0)
        for channel in 0..<3 {
            let base = channel * plane
            var sumG = 0.0, sumS = 0.0, squareG = 0.0, squareS = 0.0
            for index in 0..<plane {
                let weight = Double(weights[index])
                guard weight > 0 else { continue }
                let g = Double(generated.data[base + index]), s = Double(source.data[base + index])
                sumG += weight * g
                sumS += weight * s
                squareG += weight * g * g
                squareS += weight * s * s
            }
            let meanG = sumG / total, meanS = sumS / total
            let deviationG = max(squareG / total - meanG * meanG, 0).squareRoot()
            let deviationS = max(squareS / total - meanS * meanS, 0).squareRoot()
            let ratio = deviationG > 1e-6 ? Float(deviationS / deviationG) : 1
            let clamped = min(max(ratio, gainLimits.lowerBound), gainLimits.upperBound)
            gain[channel] = clamped
            offset[channel] = Float(meanS) - clamped * Float(meanG)
        }
        return ColourTransfer(gain: gain, offset: offset)
    }
}

/// Writes a generated crop back into a frame's planes inside a `FaceMask`, blending each sample
/// with the mask weight; samples whose covered pixels all have weight 0 are never touched.
final class FacePaster {
    /// Per-pixel weight of the mask's bounding rectangle.
    private var weights: [Float] = []
    /// Per-pixel generated RGB (0…255) of the bounding rectangle, interleaved.
    private var colours: [Float] = []

    /// Pastes `image` ((1, 3, R, R), values in [−1, 1]) taken from `box`, colour-corrected by
    /// `transfer` (in [−1, 1] units), into `picture` inside `mask`. Returns the pixels written.
    @discardableResult
    func paste(
        _ image: Tensor, box: FaceCropBox, transfer: ColourTransfer, mask: FaceMask,
        into picture: WritablePicture
    ) -> Int {
        let resolution = image.shape[3]
        let plane = resolution * resolution
        let rect = mask.bounds(frameWidth: picture.width, frameHeight: picture.height)
        guard rect.width > 0, rect.height > 0 else { return 0 }
        let count = rect.width * rect.height
        if weights.count < count { weights = [Float](repeating: 0, count: count) }
        if colours.count < count * 3 { colours = [Float](repeating: 0, count: count * 3) }
        var written = 0
        for row in 0..<rect.height {
            let y = rect.y + row
            for column in 0..<rect.width {
                let x = rect.x + column
                let index = row * rect.width + column
                let weight = mask.weight(x: Double(x), y: Double(y))
                weights[index] = weight
                guard weight > 0 else { continue }
                written += 1
                // Bilinear sample of the crop, edge-clamped.
                let point = box.cropPoint(frameX: Double(x), frameY: Double(y), resolution: resolution)
                let u = min(max(point.x, 0), Double(resolution - 1)), v = min(max(point.y, 0), Double(resolution - 1))
                let u0 = min(Int(u), resolution - 2), v0 = min(Int(v), resolution - 2)
                let fu = Float(u - Double(u0)), fv = Float(v - Double(v0))
                for channel in 0..<3 {
                    let base = channel * plane + v0 * resolution + u0
                    let top = image.data[base] * (1 - fu) + image.data[base + 1] * fu
                    let bottom = image.data[base + resolution] * (1 - fu) + image.data[base + resolution + 1] * fu
                    let value = transfer.gain[channel] * (top * (1 - fv) + bottom * fv) + transfer.offset[channel]
                    colours[index * 3 + channel] = min(max((value + 1) * 127.5, 0), 255)
                }
            }
        }
        // Each plane: blend every sample whose covered pixels carry weight.
        for (planeIndex, samplePlane) in picture.planes.enumerated() {
            let stepX = 1 << samplePlane.shiftX, stepY = 1 << samplePlane.shiftY
            let firstX = rect.x >> samplePlane.shiftX, lastX = min((rect.x + rect.width - 1) >> samplePlane.shiftX, samplePlane.width - 1)
            let firstY = rect.y >> samplePlane.shiftY, lastY = min((rect.y + rect.height - 1) >> samplePlane.shiftY, samplePlane.height - 1)
            guard firstX <= lastX, firstY <= lastY else { continue }
            for sampleY in firstY...lastY {
                for sampleX in firstX...lastX {
                    var weightSum: Float = 0, covered = 0
                    var red: Float = 0, green: Float = 0, blue: Float = 0
                    for y in sampleY * stepY..<min((sampleY + 1) * stepY, picture.height) {
                        for x in sampleX * stepX..<min((sampleX + 1) * stepX, picture.width) {
                            covered += 1
                            guard x >= rect.x, x < rect.x + rect.width, y >= rect.y, y < rect.y + rect.height else { continue }
                            let index = (y - rect.y) * rect.width + (x - rect.x)
                            let weight = weights[index]
                            guard weight > 0 else { continue }
                            weightSum += weight
                            red += weight * colours[index * 3]
                            green += weight * colours[index * 3 + 1]
                            blue += weight * colours[index * 3 + 2]
                        }
                    }
                    guard weightSum > 0, covered > 0 else { continue }
                    let target = Float(
                        picture.samples(
                            red: red / weightSum, green: green / weightSum,
                            blue: blue / weightSum)[planeIndex])
                    let alpha = weightSum / Float(covered)
                    let old = Float(samplePlane[sampleX, sampleY])
                    samplePlane[sampleX, sampleY] = UInt8(min(max((old + alpha * (target - old)).rounded(), 0), 255))
                }
            }
        }
        return written
    }

    /// The mask weight of every crop pixel (R·R, row-major) for colour statistics.
    static func cropWeights(mask: FaceMask, box: FaceCropBox, resolution: Int, into weights: inout [Float]) {
        if weights.count != resolution * resolution { weights = [Float](repeating: 0, count: resolution * resolution) }
        for v in 0..<resolution {
            for u in 0..<resolution {
                let point = box.framePoint(cropX: Double(u), cropY: Double(v), resolution: resolution)
                weights[v * resolution + u] = mask.weight(x: point.x, y: point.y)
            }
        }
    }
}
