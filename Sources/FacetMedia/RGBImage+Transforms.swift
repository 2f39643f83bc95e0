import Foundation

// Geometric changes of a whole picture: what a person does to a photo before it reaches Facet
// (rescaling, mirroring, turning, framing in a video canvas, putting photos side by side). Used
// by `facet analyze --consistency` to check that analysis gives one answer for all of them.

extension RGBImage {
    /// The image resampled to `newWidth` x `newHeight`: area averaging along an axis that shrinks,
    /// linear interpolation along one that grows.
    public func resized(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "resized size must be positive, got \(newWidth)x\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        let columns = Self.taps(source: width, destination: newWidth)
        let rows = Self.taps(source: height, destination: newHeight)
        // Horizontal pass into floats (newWidth x height), then vertical.
        var horizontal = [Float](repeating: 0, count: newWidth * height * 3)
        pixels.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let row = y * width * 3
                    for x in 0..<newWidth {
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        for (index, weight) in columns[x] {
                            let offset = row + index * 3
                            r += weight * Float(source[offset])
                            g += weight * Float(source[offset + 1])
                            b += weight * Float(source[offset + 2])
                        }
                        let out = (y * newWidth + x) * 3
                        target[out] = r
                        target[out + 1] = g
                        target[out + 2] = b
                    }
                }
            }
        }
        var result = RGBImage(width: newWidth, height: newHeight)
        result.pixels.withUnsafeMutableBufferPointer { target in
            for y in 0..<newHeight {
                for x in 0..<(newWidth * 3) {
                    var value: Float = 0
                    for (index, weight) in rows[y] { value += weight * horizontal[index * newWidth * 3 + x] }
                    target[y * newWidth * 3 + x] = UInt8(max(0, min(255, value + 0.5)))
                }
            }
        }
        return result
    }

    /// The image scaled by `factor` (at least 1x1).
    public func scaled(by factor: Double) -> RGBImage {
        resized(width: max(1, Int((Double(width) * factor).rounded())), height: max(1, Int((Double(height) * factor).rounded())))
    }

    /// The image mirrored left to right.
    public func mirrored() -> RGBImage {
        var result = self
        result.pixels.withUnsafeMutableBufferPointer { target in
            pixels.withUnsafeBufferPointer { source in
                for y in 0..<height {
                    let row = y * width * 3
                    for x in 0..<width {
                        let from = row + (width - 1 - x) * 3, to = row + x * 3
                        target[to] = source[from]
                        target[to + 1] = source[from + 1]
                        target[to + 2] = source[from + 2]
                    }
                }
            }
        }
        return result
    }

    /// The image turned by `degrees` about its centre (counter-clockwise on screen), bilinear, on
    /// a canvas just large enough to hold all of it, the corners filled with `fill`.
    public func rotated(degrees: Double, fill: (red: UInt8, green: UInt8, blue: UInt8) = (128, 128, 128)) -> RGBImage {
        let angle = degrees * .pi / 180
        let c = cos(angle), s = sin(angle)
        let newWidth = Int((Double(width) * abs(c) + Double(height) * abs(s)).rounded(.up))
        let newHeight = Int((Double(width) * abs(s) + Double(height) * abs(c)).rounded(.up))
        var result = RGBImage(width: newWidth, height: newHeight, red: fill.red, green: fill.green, blue: fill.blue)
        let sourceX = 0.5 * Double(width - 1), sourceY = 0.5 * Double(height - 1)
        let targetX = 0.5 * Double(newWidth - 1), targetY = 0.5 * Double(newHeight - 1)
        pixels.withUnsafeBufferPointer { source in
            result.pixels.withUnsafeMutableBufferPointer { target in
                for y in 0..<newHeight {
                    for x in 0..<newWidth {
                        // Inverse of a counter-clockwise turn on screen (y down).
                        let dx = Double(x) - targetX, dy = Double(y) - targetY
                        let u = c * dx - s * dy + sourceX, v = s * dx + c * dy + sourceY
                        guard u >= 0, v >= 0, u <= Double(width - 1), v <= Double(height - 1) else { continue }
                        let u0 = min(Int(u), width - 1), v0 = min(Int(v), height - 1)
                        let u1 = min(u0 + 1, width - 1), v1 = min(v0 + 1, height - 1)
                        let fu = Float(u - Double(u0)), fv = Float(v - Double(v0))
                        for channel in 0..<3 {
                            let p00 = Float(source[(v0 * width + u0) * 3 + channel]), p01 = Float(source[(v0 * width + u1) * 3 + channel])
                            let p10 = Float(source[(v1 * width + u0) * 3 + channel]), p11 = Float(source[(v1 * width + u1) * 3 + channel])
                            let top = p00 + fu * (p01 - p00), bottom = p10 + fu * (p11 - p10)
                            target[(y * newWidth + x) * 3 + channel] = UInt8(max(0, min(255, top + fv * (bottom - top) + 0.5)))
                        }
                    }
                }
            }
        }
        return result
    }

    /// The image scaled to fit inside `canvasWidth` x `canvasHeight` (keeping its aspect) and
    /// centred on a canvas of `fill`, as a letterboxed video frame. Returns the canvas, the scale
    /// and where the image's top left corner landed.
    public func framed(
        width canvasWidth: Int, height canvasHeight: Int,
        fill: (red: UInt8, green: UInt8, blue: UInt8) = (0, 0, 0)
    ) -> (image: RGBImage, scale: Double, x: Int, y: Int) {
        let scale = min(Double(canvasWidth) / Double(width), Double(canvasHeight) / Double(height))
        let fitted = resized(
            width: max(1, min(canvasWidth, Int((Double(width) * scale).rounded()))),
            height: max(1, min(canvasHeight, Int((Double(height) * scale).rounded()))))
        var canvas = RGBImage(width: canvasWidth, height: canvasHeight, red: fill.red, green: fill.green, blue: fill.blue)
        let x = (canvasWidth - fitted.width) / 2, y = (canvasHeight - fitted.height) / 2
        canvas.paste(fitted, x: x, y: y)
        return (canvas, Double(fitted.width) / Double(width), x, y)
    }

    /// Copies `image` onto this one with its top left corner at (`x`, `y`), clipped.
    public mutating func paste(_ image: RGBImage, x: Int, y: Int) {
        let left = max(0, x), right = min(width, x + image.width)
        guard left < right else { return }
        for row in max(0, y)..<min(height, y + image.height) {
            let from = ((row - y) * image.width + (left - x)) * 3
            let to = (row * width + left) * 3
            pixels.replaceSubrange(to..<(to + (right - left) * 3), with: image.pixels[from..<(from + (right - left) * 3)])
        }
    }

    /// Pictures placed left to right, each scaled to `height` (keeping its aspect); returns the
    /// strip and, per picture, its scale and left edge.
    public static func sideBySide(_ images: [RGBImage], height: Int) -> (image: RGBImage, placements: [(scale: Double, x: Int)]) {
        precondition(!images.isEmpty && height > 0, "side by side needs pictures and a positive height")
        let scaled = images.map {
            $0.resized(width: max(1, Int((Double($0.width) * Double(height) / Double($0.height)).rounded())), height: height)
        }
        var strip = RGBImage(width: scaled.reduce(0) { $0 + $1.width }, height: height)
        var x = 0
        var placements: [(scale: Double, x: Int)] = []
        for (original, image) in zip(images, scaled) {
            strip.paste(image, x: x, y: 0)
            placements.append((Double(image.width) / Double(original.width), x))
            x += image.width
        }
        return (strip, placements)
    }

    /// Per output pixel, the source pixels and weights of a 1-D resampling (see `resized`).
    private static func taps(source: Int, destination: Int) -> [[(Int, Float)]] {
        let ratio = Double(source) / Double(destination)
        return (0..<destination).map { index in
            if destination > source {
                let centre = min(max((Double(index) + 0.5) * ratio - 0.5, 0), Double(source - 1))
                let left = min(Int(centre), source - 1), right = min(left + 1, source - 1)
                let fraction = Float(centre - Double(left))
                return [(left, 1 - fraction), (right, fraction)]
            }
            let start = Double(index) * ratio, end = Double(index + 1) * ratio
            var taps: [(Int, Float)] = []
            for pixel in Int(start.rounded(.down))..<min(source, Int(end.rounded(.up))) {
                let overlap = min(end, Double(pixel + 1)) - max(start, Double(pixel))
                if overlap > 0 { taps.append((pixel, Float(overlap / ratio))) }
            }
            return taps.isEmpty ? [(min(source - 1, Int(start)), Float(1))] : taps
        }
    }
}
