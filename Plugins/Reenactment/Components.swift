import FacetSDK
import Foundation

// What the driver drives: the head pose, the whole expression, or some face regions.

/// The parts of the face a driver drives, parsed from `components`.
struct Components: Equatable, Sendable {
    /// The words `components` accepts.
    static let words = ["pose", "expression", "mouth", "eyes", "brows", "all"]

    /// Head pose (and, in relative mode, `translation`).
    var pose = false
    /// The expression outside the named regions (cheeks, nose): with `expression` or `all`.
    var rest = false
    /// The regions (`ExpressionRegionName`) driven.
    var regions: Set<String> = []

    /// Parses a comma-separated list of `words`; the error lists the accepted ones.
    init(parsing text: String) throws(EffectError) {
        let listed = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let accepted = Self.words.joined(separator: ", ")
        guard !listed.isEmpty, !listed.contains("") else {
            throw EffectError(
                .invalidParameter,
                "components \"\(text)\" lists nothing; expected a comma-separated list of \(accepted) (e.g. pose,mouth)")
        }
        for word in listed {
            switch word {
            case "all":
                pose = true
                rest = true
                regions = Set(ExpressionRegionName.all)
            case "pose":
                pose = true
            case "expression":
                rest = true
                regions = Set(ExpressionRegionName.all)
            case ExpressionRegionName.mouth, ExpressionRegionName.eyes, ExpressionRegionName.brows:
                regions.insert(word)
            default:
                throw EffectError(
                    .invalidParameter,
                    "components \"\(text)\" has the unknown word \"\(word)\"; expected a comma-separated list of "
                        + "\(accepted) (e.g. pose,mouth)")
            }
        }
    }

    /// Whether any part of the expression is driven.
    var drivesExpression: Bool { rest || !regions.isEmpty }

    /// The regions named one by one, without `expression` or `all` (each then needs its map).
    var individualRegions: [String] { rest ? [] : ExpressionRegionName.all.filter(regions.contains) }
}
