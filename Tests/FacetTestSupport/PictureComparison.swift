import FacetMedia
import Foundation

/// PSNR and SSIM of one video against another of the same size, on luma, frame by frame in
/// decode order (PIRender's same-identity protocol compares a reenactment with the real frames).
public enum PictureComparison {
    /// Mean PSNR (dB, 255 peak; identical frames count as 100 dB) and mean SSIM over the frames
    /// both videos have (at most `limit` of them).
    public static func compare(_ a: URL, _ b: URL, limit: Int = .max) throws -> (psnr: Double, ssim: Double, frames: Int) {
        let first = try VideoReader(url: a), second = try VideoReader(url: b)
        var psnrs: [Double] = [], ssims: [Double] = []
        while psnrs.count < limit, let x = try first.nextFrame(), let y = try second.nextFrame() {
            guard x.width == y.width, x.height == y.height else {
                throw FixtureError("\(a.lastPathComponent) is \(x.width)x\(x.height) but \(b.lastPathComponent) is \(y.width)x\(y.height)")
            }
            let (p, q) = (try x.luma(), try y.luma())
            psnrs.append(psnr(p, q))
            ssims.append(ssim(p, q, width: x.width, height: x.height))
        }
        guard !psnrs.isEmpty else { throw FixtureError("no frames to compare") }
        return (psnrs.reduce(0, +) / Double(psnrs.count), ssims.reduce(0, +) / Double(ssims.count), psnrs.count)
    }

    /// Peak signal-to-noise ratio of two equal-size planes.
    public static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var total = 0.0
        for (x, y) in zip(a, b) { let d = Double(x) - Double(y); total += d * d }
        let mse = total / Double(max(a.count, 1))
        return mse == 0 ? 100 : 10 * log10(255 * 255 / mse)
    }

    /// Mean structural similarity over 8×8 windows with stride 4 (Wang et al. 2004 constants).
    public static func ssim(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int) -> Double {
        let c1: Double = (0.01 * 255) * (0.01 * 255), c2: Double = (0.03 * 255) * (0.03 * 255)
        var total = 0.0, windows = 0
        for top in stride(from: 0, through: height - 8, by: 4) {
            for left in stride(from: 0, through: width - 8, by: 4) {
                var (sx, sy, sxx, syy, sxy) = (0.0, 0.0, 0.0, 0.0, 0.0)
                for row in top..<top + 8 {
                    for column in left..<left + 8 {
                        let x = Double(a[row * width + column]), y = Double(b[row * width + column])
                        sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y
                    }
                }
                let n = 64.0
                let (mx, my) = (sx / n, sy / n)
                let (vx, vy, cov) = (sxx / n - mx * mx, syy / n - my * my, sxy / n - mx * my)
                total += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
                windows += 1
            }
        }
        return windows > 0 ? total / Double(windows) : 1
    }
}
