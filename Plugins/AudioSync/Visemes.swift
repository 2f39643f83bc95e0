import FacetSDK

// Phones to mouth shapes: Rhubarb Lip Sync's classes and rules, on a 100 Hz grid.
//
// Each phone allows one mouth class (Rhubarb's A…X shapes, merged to the classes the speech
// notes measure); the rules then make the sequence speakable: pauses hold, relax or rest by
// their length, shapes shorter than the minimum duration give way halfway to their successor,
// vowels are anticipated across the consonants before them, and closures of P/B/M last at
// least two video frames and release when the phone ends.

/// The mouth as four control amounts: jaw opening, lip spread, lip rounding and lip pressing,
/// each 0 (neutral) … 1 (a full amount).
struct MouthPose: Sendable, Equatable {
    /// Jaw dropped, lips parted.
    var jaw: Double
    /// Lips stretched wide (the width of a smile, without the smile).
    var spread: Double
    /// Lips rounded and pushed forward.
    var round: Double
    /// Lips pressed together (past merely closed).
    var press: Double

    /// The neutral, closed, relaxed mouth.
    static let rest = MouthPose(jaw: 0, spread: 0, round: 0, press: 0)

    /// `self` moved a fraction `amount` of the way to `other`.
    func mixed(with other: MouthPose, _ amount: Double) -> MouthPose {
        MouthPose(
            jaw: jaw + amount * (other.jaw - jaw), spread: spread + amount * (other.spread - spread),
            round: round + amount * (other.round - round), press: press + amount * (other.press - press))
    }

    /// The four amounts in a fixed order (jaw, spread, round, press).
    var values: [Double] { [jaw, spread, round, press] }

    /// A pose from four amounts in the order of `values`.
    init(values: [Double]) {
        self.init(jaw: values[0], spread: values[1], round: values[2], press: values[3])
    }

    /// A pose from its amounts.
    init(jaw: Double, spread: Double, round: Double, press: Double) {
        self.jaw = jaw
        self.spread = spread
        self.round = round
        self.press = press
    }
}

/// A mouth class: what a phone looks like (Rhubarb's letter in brackets).
enum MouthShape: Sendable, Equatable {
    /// Silence: the relaxed, closed mouth (X).
    case rest
    /// Lips together: P, B, M (A).
    case closed
    /// Lower lip against the upper teeth: F, V (G).
    case labiodental
    /// Lips rounded: OW, UW, UH, OY, AO, W (E, F).
    case rounded
    /// Mouth open: AH, EH, ER, HH (C).
    case open
    /// Mouth wide open: AA, AE, AY, AW (D).
    case wide
    /// Lips spread, teeth nearly together: IY, IH, EY, Y (B).
    case narrow
    /// Teeth nearly together, lips relaxed: the tongue consonants, which take the shape of the
    /// vowel they lead to (B).
    case consonant

    /// The class of an ARPAbet phone (stress digits already removed); `SIL` and unknown symbols
    /// (noise) are rest.
    init(phone symbol: String) {
        switch symbol.uppercased() {
        case "P", "B", "M": self = .closed
        case "F", "V": self = .labiodental
        case "OW", "UW", "UH", "OY", "AO", "W": self = .rounded
        case "AH", "EH", "ER", "HH": self = .open
        case "AA", "AE", "AY", "AW": self = .wide
        case "IY", "IH", "EY", "Y": self = .narrow
        case "T", "D", "K", "G", "N", "NG", "S", "Z", "SH", "ZH", "CH", "JH", "TH", "DH", "L", "R": self = .consonant
        default: self = .rest
        }
    }

    /// Whether the shape is a vowel's (anticipated across the consonants before it).
    var isVowel: Bool {
        switch self {
        case .rounded, .open, .wide, .narrow: return true
        case .rest, .closed, .labiodental, .consonant: return false
        }
    }

    /// The control amounts of the shape.
    var target: MouthPose {
        switch self {
        case .rest: return .rest
        case .closed: return MouthPose(jaw: 0, spread: 0, round: 0, press: 1)
        case .labiodental: return MouthPose(jaw: 0.12, spread: 0.15, round: 0, press: 0.35)
        case .rounded: return MouthPose(jaw: 0.3, spread: 0, round: 1, press: 0)
        case .open: return MouthPose(jaw: 0.6, spread: 0.2, round: 0, press: 0)
        case .wide: return MouthPose(jaw: 0.9, spread: 0.3, round: 0, press: 0)
        case .narrow: return MouthPose(jaw: 0.22, spread: 0.8, round: 0, press: 0)
        case .consonant: return MouthPose(jaw: 0.18, spread: 0.3, round: 0, press: 0)
        }
    }
}

/// The timing rules, in seconds (Rhubarb's, see Docs/AudioSync.md).
enum VisemeRules {
    /// Samples per second of the grid the rules and springs work on.
    static let rate: Double = 100
    /// How long a vowel's shape may start before the vowel is heard, across the consonants before it.
    static let anticipation: Double = 0.15
    /// How far towards the vowel's shape an anticipated consonant goes.
    static let anticipationAmount: Double = 0.7
    /// The shortest shape; shorter ones give way halfway to the next shape.
    static let minimumShape: Double = 0.07
    /// The shortest closure of P/B/M, seconds (at least two video frames as well).
    static let minimumClosure: Double = 0.04
    /// How long before a closure the lips start to move to it (the springs need the lead).
    static let closureLead: Double = 0.05
    /// Over how long before a closure the smoothed mouth is eased shut (no snap at its start).
    static let closureBlend: Double = 0.04
    /// Pauses shorter than this hold the previous shape.
    static let holdPause: Double = 0.12
    /// Pauses up to this long relax towards neutral; longer pauses rest.
    static let relaxPause: Double = 0.35
    /// How far towards neutral a relaxing pause goes.
    static let relaxAmount: Double = 0.6
}

/// The target mouth on the rule grid: one pose per sample, and which samples are held closures.
struct VisemeTargets {
    /// Time of sample 0, seconds (video timeline, mouth time: already shifted by the lag).
    let start: Double
    /// One target per 1/`VisemeRules.rate` seconds.
    var poses: [MouthPose]
    /// The shape of each sample's phone (before the rules changed its pose).
    var shapes: [MouthShape]
    /// Samples where the lips must be closed (P/B/M), whatever the springs would make of them.
    var closures: [Bool]

    /// The targets of `phones` (shifted by `lag` seconds) over `count` samples from `start`, for
    /// video at `frameRate` frames per second.
    init(phones: [SpeechPhone], lag: Double, start: Double, count: Int, frameRate: Double) {
        self.start = start
        let rate = VisemeRules.rate
        var shapes = [MouthShape](repeating: .rest, count: count)
        for phone in phones {
            let shape = MouthShape(phone: phone.symbol)
            let first = max(0, Int(((phone.start + lag - start) * rate).rounded()))
            let end = min(count, Int(((phone.end + lag - start) * rate).rounded()))
            if first < end { for index in first..<end { shapes[index] = shape } }
        }
        self.shapes = shapes
        poses = shapes.map(\.target)
        closures = [Bool](repeating: false, count: count)
        applyPauses()
        applyMinimumDurations()
        applyAnticipation()
        applyClosures(frameRate: frameRate)
    }

    /// The runs of equal shape: (shape, first sample, end sample).
    private var runs: [(shape: MouthShape, first: Int, end: Int)] {
        guard !shapes.isEmpty else { return [] }
        var runs: [(shape: MouthShape, first: Int, end: Int)] = []
        var first = 0
        for index in 1...shapes.count where index == shapes.count || shapes[index] != shapes[first] {
            runs.append((shapes[first], first, index))
            first = index
        }
        return runs
    }

    /// Pauses after speech: shorter than `holdPause` hold the previous shape, up to
    /// `relaxPause` relax towards neutral, longer ones rest (already the rest target).
    private mutating func applyPauses() {
        let runs = self.runs
        for (position, run) in runs.enumerated() where run.shape == .rest && position > 0 {
            let length = Double(run.end - run.first) / VisemeRules.rate
            let previous = poses[run.first - 1]
            let isLast = position == runs.count - 1
            let pose: MouthPose
            if length < VisemeRules.holdPause, !isLast {
                pose = previous
            } else if length <= VisemeRules.relaxPause {
                pose = previous.mixed(with: .rest, VisemeRules.relaxAmount)
            } else {
                continue
            }
            for index in run.first..<run.end { poses[index] = pose }
        }
    }

    /// A shape shorter than `minimumShape` between two others goes halfway to the next one
    /// (least effort); closures are never shortened this way.
    private mutating func applyMinimumDurations() {
        let runs = self.runs
        let minimum = Int((VisemeRules.minimumShape * VisemeRules.rate).rounded())
        for (position, run) in runs.enumerated()
        where position > 0 && position < runs.count - 1 && run.end - run.first < minimum && run.shape != .closed
            && run.shape != .rest
        {
            let next = poses[run.end]
            for index in run.first..<run.end { poses[index] = poses[index].mixed(with: next, 0.5) }
        }
    }

    /// A vowel's shape starts up to `anticipation` before it, over the tongue consonants that
    /// lead to it (never over a closure, a lip consonant or a pause).
    private mutating func applyAnticipation() {
        let reach = Int((VisemeRules.anticipation * VisemeRules.rate).rounded())
        for run in runs where run.shape.isVowel {
            let vowel = poses[run.first]
            var index = run.first - 1
            while index >= 0, run.first - index <= reach, shapes[index] == .consonant {
                // The nearer the vowel, the more of its shape.
                let nearness = 1 - Double(run.first - index - 1) / Double(reach)
                poses[index] = poses[index].mixed(with: vowel, VisemeRules.anticipationAmount * nearness)
                index -= 1
            }
        }
    }

    /// P/B/M close the lips for at least two video frames (and `minimumClosure`), ending when the
    /// phone ends (the release is on time): a shorter closure starts earlier. The lips start
    /// moving `closureLead` before the closure.
    private mutating func applyClosures(frameRate: Double) {
        let rate = VisemeRules.rate
        let frames = frameRate > 0 ? 2 / frameRate : 0
        let minimum = Int((max(frames, VisemeRules.minimumClosure) * rate).rounded(.up))
        let lead = Int((VisemeRules.closureLead * rate).rounded())
        for run in runs where run.shape == .closed {
            let first = max(0, min(run.first, run.end - minimum))
            let closed = MouthShape.closed.target
            for index in max(0, first - lead)..<run.end { poses[index] = closed }
            for index in first..<run.end { closures[index] = true }
        }
    }
}
