import FacetSpeech

/// The mouth shapes lip sync tells apart, the classes the accuracy figures are counted in
/// (Docs/Speech.md): what a viewer sees of a phone.
enum MouthClass: String, CaseIterable {
    /// Mouth at rest: pauses.
    case rest
    /// Lips pressed: P, B, M.
    case closed
    /// Lower lip under the upper teeth: F, V.
    case labiodental
    /// Lips rounded: UW, UH, OW, OY, AO, W, ER.
    case rounded
    /// Jaw open: AA, AE, AH, AW, AY, EH.
    case open
    /// Jaw nearly closed, lips apart: every other consonant and IY, IH, EY.
    case narrow

    init(_ phone: Phone) {
        switch phone {
        case .sil: self = .rest
        case .p, .b, .m: self = .closed
        case .f, .v: self = .labiodental
        case .uw, .uh, .ow, .oy, .ao, .w, .er: self = .rounded
        case .aa, .ae, .ah, .aw, .ay, .eh: self = .open
        default: self = .narrow
        }
    }
}

/// Comparisons of a timeline's phones with festival's segments.
enum SpeechMeasures {
    /// The mouth class of each 10 ms frame (frame i: the phone at (i + 0.5) / 100 s), over `frames`.
    static func classes(_ phones: [TimedPhone], frames: Int) -> [MouthClass] {
        var classes = [MouthClass](repeating: .rest, count: frames)
        var index = 0
        for frame in 0..<frames {
            let time = (Double(frame) + 0.5) / 100
            while index < phones.count && phones[index].end <= time { index += 1 }
            if index < phones.count, phones[index].start <= time { classes[frame] = MouthClass(phones[index].phone) }
        }
        return classes
    }

    /// Frames where both agree, and the frame count.
    static func agreement(_ phones: [TimedPhone], reference: [TimedPhone]) -> (agree: Int, frames: Int) {
        let frames = Int(((reference.last?.end ?? 0) * 100).rounded(.down))
        let ours = classes(phones, frames: frames)
        let truth = classes(reference, frames: frames)
        return (zip(ours, truth).filter { $0 == $1 }.count, frames)
    }

    /// The frames of the commonest class of `reference` (the "always say the commonest" baseline).
    static func commonestClassFrames(_ reference: [TimedPhone]) -> Int {
        let frames = Int(((reference.last?.end ?? 0) * 100).rounded(.down))
        let truth = classes(reference, frames: frames)
        return MouthClass.allCases.map { mouth in truth.filter { $0 == mouth }.count }.max() ?? 0
    }

    /// Onset differences (ours minus festival's, seconds) of the speech phones the two sequences
    /// share, matched by a longest common subsequence of symbols; and how many festival phones
    /// there were.
    static func onsetDifferences(_ phones: [TimedPhone], reference: [TimedPhone]) -> (differences: [Double], referenceCount: Int) {
        let a = reference.filter { $0.phone != .sil }
        let b = phones.filter { $0.phone != .sil }
        guard !a.isEmpty, !b.isEmpty else { return ([], a.count) }
        // lengths[i][j]: LCS of a[i...] and b[j...]
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i].phone == b[j].phone ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var differences: [Double] = []
        var i = 0
        var j = 0
        while i < a.count && j < b.count {
            if a[i].phone == b[j].phone {
                differences.append(b[j].start - a[i].start)
                i += 1
                j += 1
            } else if lengths[i + 1][j] >= lengths[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return (differences, a.count)
    }

    /// The median of `values` (0 when empty).
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Pearson's correlation of two equally long series (0 when either is constant).
    static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(min(x.count, y.count))
        guard n > 1 else { return 0 }
        let mx = x.prefix(Int(n)).reduce(0, +) / n
        let my = y.prefix(Int(n)).reduce(0, +) / n
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }

    /// The closures (P, B, M) of `reference` that `phones` also close the lips for: a P, B or M of
    /// ours overlapping the reference's, widened by `tolerance` seconds each side.
    static func closuresFound(_ phones: [TimedPhone], reference: [TimedPhone], tolerance: Double) -> (found: Int, total: Int) {
        let closures = reference.filter { MouthClass($0.phone) == .closed }
        let ours = phones.filter { MouthClass($0.phone) == .closed }
        let found = closures.filter { closure in
            ours.contains { $0.start < closure.end + tolerance && $0.end > closure.start - tolerance }
        }
        return (found.count, closures.count)
    }
}
