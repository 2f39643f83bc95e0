import Foundation

/// Which faces of a video an effect applies to, written as text in presets and chains.
///
/// Forms: `all`; `largest` (the track with the largest mean box); `id:N` (track id N);
/// `index:N` (the N-th face from the left, 0-based, ordered by each track's mean box centre).
public enum FaceSelector: Sendable, Equatable, CustomStringConvertible {
    /// Every tracked face.
    case all
    /// The face with the largest mean bounding box.
    case largest
    /// The track with this id.
    case trackID(Int)
    /// The N-th face counted from the left (0-based).
    case leftToRight(Int)

    /// Parses `all`, `largest`, `id:N` or `index:N`; the error says which forms are accepted.
    public init(parsing text: String) throws(EffectError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch trimmed {
        case "all": self = .all
        case "largest": self = .largest
        default:
            let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
            if parts.count == 2, let number = Int(parts[1]), number >= 0 {
                if parts[0] == "id" { self = .trackID(number); return }
                if parts[0] == "index" { self = .leftToRight(number); return }
            }
            throw EffectError(
                .invalidParameter,
                "face selector \"\(text)\" is not understood; expected all, largest, id:N or index:N (N ≥ 0)")
        }
    }

    /// The selector as written in presets.
    public var description: String {
        switch self {
        case .all: return "all"
        case .largest: return "largest"
        case .trackID(let id): return "id:\(id)"
        case .leftToRight(let index): return "index:\(index)"
        }
    }

    /// Indices into `motion.tracks` of the selected tracks (possibly empty: the caller warns).
    public func trackIndices(in motion: SceneMotion) -> [Int] {
        let tracks = motion.tracks
        switch self {
        case .all:
            return Array(tracks.indices)
        case .largest:
            guard let best = tracks.indices.max(by: { tracks[$0].meanBoxArea < tracks[$1].meanBoxArea }) else { return [] }
            return [best]
        case .trackID(let id):
            return tracks.indices.filter { tracks[$0].id == id }
        case .leftToRight(let index):
            func meanX(_ track: FaceTrack) -> Float {
                let xs = track.frames.compactMap { $0.box?.center.x }
                return xs.isEmpty ? 0 : xs.reduce(0, +) / Float(xs.count)
            }
            let ordered = tracks.indices.sorted { (meanX(tracks[$0]), tracks[$0].id) < (meanX(tracks[$1]), tracks[$1].id) }
            return index < ordered.count ? [ordered[index]] : []
        }
    }
}
