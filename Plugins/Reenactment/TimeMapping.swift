import FacetSDK

// Which driver moment drives each source frame, and how fully.

/// Maps source time to driver time by `fit` and `offset`, with the weight the driver has there.
struct TimeMapping: Sendable {
    /// How long a face takes, with `fit: trim`, to return to its own motion after the driver ends
    /// (and to leave it before the driver starts), seconds.
    static let trimEase = 0.25

    /// How lengths that differ are reconciled.
    let fit: Reenactment.Fit
    /// The driver's length, seconds (0 for a still).
    let driverLength: Double
    /// The source's length, seconds.
    let sourceLength: Double
    /// Whether the driver is one frame: every source frame gets it, fully.
    let isConstant: Bool

    /// The driver time for `sourceTime` (seconds from the source's first frame) and how much
    /// the driver weighs there (1 fully driven; 0 the source follows its own motion).
    func map(sourceTime: Double, offset: Double) -> (driverTime: Double, weight: Double) {
        guard !isConstant, driverLength > 0 else { return (0, 1) }
        let shifted = sourceTime + offset
        switch fit {
        case .hold:
            return (shifted, 1)
        case .loop:
            let wrapped = shifted.truncatingRemainder(dividingBy: driverLength)
            return (wrapped < 0 ? wrapped + driverLength : wrapped, 1)
        case .stretch:
            let scale = sourceLength > 0 ? driverLength / sourceLength : 1
            return (sourceTime * scale + offset, 1)
        case .trim:
            let outside = shifted < 0 ? -shifted : shifted >= driverLength ? shifted - driverLength : 0
            guard outside > 0 else { return (shifted, 1) }
            return (shifted, 1 - Easing.easeInOut.apply(outside / Self.trimEase))
        }
    }

    /// Whether `sourceTime` falls where the driver has no frames (only with `fit: trim`).
    func isUndriven(sourceTime: Double, offset: Double) -> Bool {
        guard fit == .trim, !isConstant, driverLength > 0 else { return false }
        let shifted = sourceTime + offset
        return shifted < 0 || shifted >= driverLength
    }
}
