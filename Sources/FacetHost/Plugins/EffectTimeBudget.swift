import FacetSDK
import Foundation

/// How long an effect call may take, for the temporal access it declares, before the host and
/// `facet plugins check` call it slow.
///
/// The rule: a call is slow when it takes longer than a floor (so that short clips and timer
/// noise never count) *and* longer than a budget per face-frame (one face in one frame):
///
/// | temporal access | budget per face-frame |
/// |---|---|
/// | per frame | 2 ms |
/// | window (behind, ahead) | 2 ms × (1 + behind + ahead), at most 20 ms |
/// | whole sequence | 20 ms |
///
/// A per-frame edit costs microseconds (the JSON of a plugin call some tens of them), so the
/// budgets are generous: they catch an effect that does per-frame work per frame *pair*, or
/// sleeps, not one that is merely unoptimised. A slow call is a warning, never a failure: a
/// shared machine can be slow for reasons the effect does not control.
public enum EffectTimeBudget {
    /// The budget per face-frame of a per-frame effect, seconds.
    public static let perFrameSeconds = 0.002
    /// The largest budget per face-frame (whole sequence, wide windows), seconds.
    public static let largestSeconds = 0.020
    /// The floor in `facet apply`: calls shorter than this are never slow.
    public static let hostFloorSeconds = 1.0
    /// The floor in `facet plugins check`, whose synthetic motion is a few dozen face-frames.
    public static let checkFloorSeconds = 0.05

    /// The budget per face-frame for `access`, seconds.
    public static func secondsPerFaceFrame(_ access: TemporalAccess) -> Double {
        switch access {
        case .perFrame: return perFrameSeconds
        case .window(let behind, let ahead): return min(largestSeconds, perFrameSeconds * Double(1 + max(0, behind) + max(0, ahead)))
        case .wholeSequence: return largestSeconds
        }
    }

    /// Why a call of `seconds` over `faceFrames` face-frames is slow for `access`, in words
    /// (`took 3.1 s for 40 face-frames (78 ms each), far longer than its declared per frame access
    /// suggests (at most 2 ms each)`); nil when it is not.
    public static func slowness(seconds: Double, faceFrames: Int, access: TemporalAccess, floorSeconds: Double) -> String? {
        let budget = secondsPerFaceFrame(access)
        let each = seconds / Double(max(1, faceFrames))
        guard seconds > floorSeconds, each > budget else { return nil }
        return "took \(format(seconds)) for \(faceFrames) face-frames (\(format(each)) each), far longer than its declared "
            + "\(access) access suggests (at most \(format(budget)) each)"
    }

    /// `3.1 s`, `78 ms`, `0.4 ms`.
    static func format(_ seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.1f s", seconds) }
        if seconds >= 0.01 { return String(format: "%.0f ms", seconds * 1000) }
        return String(format: "%.2f ms", seconds * 1000)
    }
}
