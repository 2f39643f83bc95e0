import ArgumentParser
import FacetHost
import FacetSDK
import Foundation

/// `facet effects`: the effects this build knows, and each one's parameter table.
struct Effects: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the available effects, or describe one with its parameter table.")

    @Argument(help: "An effect id or short name to describe.")
    var name: String?

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() throws {
        let registry = EffectCatalog.load()
        var factories = registry.all
        if let name {
            do {
                factories = [try registry.effect(named: name)]
            } catch {
                throw ExitCode(FacetCLI.report(error))
            }
        }
        if json {
            try Terminal.printJSON(factories.map(EffectSummary.init))
            return
        }
        if name == nil {
            let width = factories.map(\.descriptor.id.count).max() ?? 0
            for factory in factories {
                let descriptor = factory.descriptor
                let origin = factory.origin == .builtIn ? "" : "  [\(factory.origin)]"
                Terminal.line(
                    "\(descriptor.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(descriptor.version)  \(descriptor.summary)\(origin)"
                )
            }
            Terminal.line("\nDescribe one with: facet effects NAME")
            return
        }
        for factory in factories { Terminal.line(EffectText.describe(factory)) }
    }
}

/// The human-readable description of an effect: header and parameter table.
enum EffectText {
    static func describe(_ factory: EffectFactory) -> String {
        let descriptor = factory.descriptor
        var lines = [
            "\(descriptor.id) \(descriptor.version) — \(descriptor.summary)",
            "  short name: \(descriptor.shortName)",
            "  origin: \(factory.origin)",
            "  temporal access: \(descriptor.temporalAccess)",
        ]
        var needs: [String] = []
        if descriptor.inputs.contains(.audio) { needs.append("the video's audio") }
        if descriptor.inputs.contains(.drivingAudio) { needs.append("each driving input's audio") }
        if descriptor.inputs.contains(.speech) { needs.append("the speech of the audio") }
        if !needs.isEmpty { lines.append("  needs: " + needs.joined(separator: ", ")) }
        lines.append("")
        let header = ["parameter", "type", "default", "range", "keyframes", "description"]
        let rows = descriptor.parameters.map { spec in
            [
                spec.name, spec.type.name + (spec.role.map { " (\($0.rawValue))" } ?? ""), spec.defaultValue.chainText,
                spec.rangeDescription ?? "", spec.isKeyframable ? "yes" : "no", spec.documentation,
            ]
        }
        lines += table([header] + rows).map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    /// Left-aligned columns separated by two spaces; the last column is not padded.
    static func table(_ rows: [[String]]) -> [String] {
        guard let columns = rows.first?.count else { return [] }
        let widths = (0..<columns).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == columns - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}

/// An effect descriptor as JSON.
struct EffectSummary: Encodable {
    struct Parameter: Encodable {
        var name: String
        var type: String
        var options: [String]?
        var defaultValue: String
        var minimum: Double?
        var maximum: Double?
        var unit: String?
        var animatable: Bool
        var documentation: String
    }

    var id: String
    var origin: String
    var shortName: String
    var version: String
    var summary: String
    var temporalAccess: String
    var needsAudio: Bool
    var parameters: [Parameter]

    init(_ factory: EffectFactory) {
        let descriptor = factory.descriptor
        id = descriptor.id
        origin = factory.origin.description
        shortName = descriptor.shortName
        version = descriptor.version.description
        summary = descriptor.summary
        temporalAccess = descriptor.temporalAccess.description
        needsAudio = descriptor.inputs.contains(.audio)
        parameters = descriptor.parameters.map { spec in
            var options: [String]?
            if case .choice(let words) = spec.type { options = words }
            return Parameter(
                name: spec.name, type: spec.type.name, options: options,
                defaultValue: spec.defaultValue.chainText, minimum: spec.minimum,
                maximum: spec.maximum, unit: spec.unit, animatable: spec.isKeyframable,
                documentation: spec.documentation)
        }
    }
}
