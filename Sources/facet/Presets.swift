import ArgumentParser
import FacetHost
import Foundation

/// `facet presets`: the presets found in the search directories.
struct Presets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List presets, or show one preset's effect chain.",
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self)

    /// `facet presets list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every preset with where it was found (user presets override system ones).")

        @Flag(name: .long, help: "Print the result as JSON.")
        var json = false

        func run() throws {
            let library = PresetLibrary.standard()
            let entries = library.list()
            var rows: [PresetRow] = []
            for entry in entries {
                var row = PresetRow(
                    name: entry.name, origin: "\(entry.origin)", path: entry.url.path,
                    overrides: entry.overrides.map(\.path), summary: nil, error: nil)
                do {
                    row.summary = try EffectCatalog.resolving { registry throws(HostError) in
                        try library.resolve(entry.url.path, registry: registry).summary
                    }
                } catch {
                    row.error = error.description
                }
                rows.append(row)
            }
            if json {
                try Terminal.printJSON(rows)
                return
            }
            let width = rows.map(\.name.count).max() ?? 0
            for row in rows {
                let text = row.error.map { "INVALID: \($0)" } ?? DisplayText.shortened(row.summary ?? "", limit: 120)
                Terminal.line("\(row.name.padding(toLength: width, withPad: " ", startingAt: 0))  [\(row.origin)]  \(text)")
            }
            if rows.isEmpty { Terminal.line("No presets found.") }
            Terminal.line("\nSearch order (later overrides earlier): system Presets/, the user directory, $FACET_PRESET_PATH.")
        }
    }

    /// `facet presets show [NAME]`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a preset's chain, effect by effect (every preset's when no name is given).")

        @Argument(help: "A preset name or a preset file path (default: every preset).")
        var name: String?

        @Flag(name: .long, help: "Print the result as JSON.")
        var json = false

        func run() throws {
            let library = PresetLibrary.standard()
            var presets: [Preset] = []
            var failed = false
            do {
                if let name {
                    presets = [try EffectCatalog.resolving { registry throws(HostError) in try library.resolve(name, registry: registry) }]
                } else {
                    for entry in library.list() {
                        do {
                            presets.append(
                                try EffectCatalog.resolving { registry throws(HostError) in
                                    try library.resolve(entry.url.path, registry: registry)
                                })
                        } catch {
                            // One broken preset does not hide the others; the exit status reports it.
                            Terminal.error("facet: error: preset \(entry.name): \(error)")
                            failed = true
                        }
                    }
                }
            } catch {
                throw ExitCode(FacetCLI.report(error))
            }
            let details = presets.map(Self.detail)
            if json {
                if name != nil, let only = details.first { try Terminal.printJSON(only) } else { try Terminal.printJSON(details) }
            } else {
                if details.isEmpty && !failed { Terminal.line("No presets found.") }
                for (index, detail) in details.enumerated() {
                    if index > 0 { Terminal.line("") }
                    Self.printDetail(detail)
                }
            }
            if failed { throw ExitCode(ExitStatus.failure) }
        }

        /// A preset's chain as printed and as JSON.
        static func detail(_ preset: Preset) -> PresetDetail {
            let steps = preset.chain.invocations.map { invocation in
                PresetStep(
                    effect: invocation.effect.descriptor.id,
                    version: invocation.effect.descriptor.version.description,
                    parameters: invocation.parameters.values.mapValues(\.chainText))
            }
            return PresetDetail(
                name: preset.name, summary: preset.summary, path: preset.url.path,
                chain: preset.chain.description, steps: steps)
        }

        /// Name and summary, file, one-line chain, then each effect with its parameters (keyframes
        /// as `value@time~easing`).
        static func printDetail(_ detail: PresetDetail) {
            Terminal.line("\(detail.name) — \(detail.summary)")
            Terminal.line("  file:  \(detail.path)")
            Terminal.line("  chain: \(detail.steps.isEmpty ? "(empty: pass-through)" : detail.chain)")
            for (index, step) in detail.steps.enumerated() {
                Terminal.line("  \(index + 1). \(step.effect) \(step.version)")
                for (key, value) in step.parameters.sorted(by: { $0.key < $1.key }) {
                    Terminal.line("       \(key) = \(value)")
                }
            }
        }
    }
}

/// A preset listing row as JSON.
struct PresetRow: Encodable {
    var name: String
    var origin: String
    var path: String
    var overrides: [String]
    var summary: String?
    var error: String?
}

/// One effect of a preset as JSON.
struct PresetStep: Encodable {
    var effect: String
    var version: String
    var parameters: [String: String]
}

/// A preset as JSON.
struct PresetDetail: Encodable {
    var name: String
    var summary: String
    var path: String
    var chain: String
    var steps: [PresetStep]
}
