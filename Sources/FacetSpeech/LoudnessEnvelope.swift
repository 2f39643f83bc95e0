import Foundation

/// How loud a clip is over time: one value per 10 ms, 0 (silent) … 1 (the clip's loudest frame).
///
/// Frame `i` stands for the time `i / 100 … (i + 1) / 100` s and measures the 25 ms window centred
/// on its middle (zero past the clip's ends): the level is the window's RMS (its mean removed) in
/// dB, mapped linearly from `rangeDecibels` below the clip's loudest frame (but never below
/// `speechFloorDecibels`) to the loudest frame. Digital silence, and anything quieter than the
/// floor, is 0 throughout.
public struct LoudnessEnvelope: Codable, Sendable, Equatable {
    /// Frames per second.
    public static let frameRate = 100
    /// The analysis window, in seconds.
    public static let windowSeconds = 0.025
    /// How many dB below the loudest frame map to 0.
    public static let rangeDecibels = 40.0
    /// The absolute level (dB relative to a full-scale square wave) below which a frame is not
    /// speech: -60 dBFS is 0.1% of full scale, room noise on a quiet recording.
    public static let speechFloorDecibels = -60.0

    /// One value per frame, 0…1.
    public var values: [Float]
    /// The loudest frame's level in dBFS; nil when every sample is zero.
    public var peakDecibels: Double?

    /// Creates an envelope from its values.
    public init(values: [Float], peakDecibels: Double?) {
        self.values = values
        self.peakDecibels = peakDecibels
    }

    /// True when some frame is louder than `speechFloorDecibels`.
    public var hasSound: Bool { (peakDecibels ?? -.infinity) > Self.speechFloorDecibels }

    /// The envelope at `time` seconds, interpolated between frame centres; 0 outside the clip.
    public func value(at time: Double) -> Float {
        guard !values.isEmpty, time >= 0, time < Double(values.count) / Double(Self.frameRate) else { return 0 }
        let position = time * Double(Self.frameRate) - 0.5
        let lower = Int(position.rounded(.down))
        let fraction = Float(position - Double(lower))
        let a = values[max(lower, 0)]
        let b = values[min(lower + 1, values.count - 1)]
        return a + (b - a) * fraction
    }

    /// Measures `samples` (mono, `sampleRate` Hz, full scale ±1).
    ///
    /// There are `ceil(count / (sampleRate / 100))` frames. O(count): window sums come from running
    /// sums.
    public static func measure(_ samples: [Float], sampleRate: Int) -> LoudnessEnvelope {
        let hop = max(sampleRate / frameRate, 1)
        let half = Int((windowSeconds * Double(sampleRate) / 2).rounded())
        let frames = (samples.count + hop - 1) / hop
        // sums[k], squares[k]: of samples[0..<k], in Double so long clips keep their precision
        var sums = [Double](repeating: 0, count: samples.count + 1)
        var squares = [Double](repeating: 0, count: samples.count + 1)
        for (index, sample) in samples.enumerated() {
            let value = Double(sample)
            sums[index + 1] = sums[index] + value
            squares[index + 1] = squares[index] + value * value
        }
        var levels = [Double](repeating: -.infinity, count: frames)  // dBFS per frame
        for frame in 0..<frames {
            let centre = frame * hop + hop / 2
            let low = max(centre - half, 0)
            let high = min(centre + half, samples.count)
            guard high > low else { continue }
            let count = Double(high - low)
            let mean = (sums[high] - sums[low]) / count
            // the window's variance: its power with the mean (DC) removed
            let power = max((squares[high] - squares[low]) / count - mean * mean, 0)
            // a full-scale sine has RMS 1/sqrt(2); dBFS here is relative to RMS 1 (a full-scale square)
            if power > 1e-14 { levels[frame] = 10 * log10(power) }
        }
        let peak = levels.max() ?? -.infinity
        guard peak > -.infinity else {
            return LoudnessEnvelope(values: [Float](repeating: 0, count: frames), peakDecibels: nil)
        }
        guard peak > speechFloorDecibels else {
            return LoudnessEnvelope(values: [Float](repeating: 0, count: frames), peakDecibels: peak)
        }
        let floor = max(peak - rangeDecibels, speechFloorDecibels)
        let values = levels.map { level -> Float in
            Float(min(max((level - floor) / (peak - floor), 0), 1))
        }
        return LoudnessEnvelope(values: values, peakDecibels: peak)
    }
}
