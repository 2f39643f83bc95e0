// Reading preset files. The file is composed into Yams nodes (every node knows its line and
// column) and checked node by node, so every error names the file, line and column of what was
// wrong and says what was expected. Nothing is decoded through `Codable`: the parameter schema
// of each effect decides how each value is read (see `ValueSyntax`).
//
//     # Turn the head 15 degrees to the viewer's left and back.
//     format: 1
//     summary: Look left and come back
//     chain:
//       - effect: direct-edit
//         version: ">=0.1"
//         params:
//           yaw: [{ t: 0, value: 0 }, { t: 1, value: -15, ease: ease-in-out }, { t: 2.5, value: 0 }]
//           faces: largest

import FacetSDK
import Foundation
import Yams

/// Loads and validates preset files (YAML, or JSON, which is YAML too).
public enum PresetLoader {
    /// The preset format this Facet writes.
    public static let currentFormat = 1
    /// The preset formats this Facet reads.
    public static let supportedFormats = [1]
    /// File extensions taken for presets, in the order preferred when one directory holds several
    /// files of the same name.
    public static let fileExtensions = ["yaml", "yml", "json"]
    /// The keys of the top-level mapping.
    public static let topLevelKeys = ["format", "summary", "chain"]
    /// The keys of one chain item.
    public static let effectKeys = ["effect", "version", "params"]
    /// The keys of one keyframe.
    public static let keyframeKeys = ["t", "value", "ease"]

    /// Reads and validates the preset at `url`; its name is the file name without extension.
    public static func load(
        contentsOf url: URL, registry: EffectRegistry,
        origin: PresetOrigin = .path
    ) throws(HostError) -> Preset {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                throw HostError(.presetNotFound, "no preset file at \(url.path); expected an existing .yaml, .yml or .json file")
            }
            throw HostError(.io, "cannot read the preset \(url.path); expected a readable file", cause: error)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw HostError(
                .presetSyntax, "the file is not UTF-8 text; expected a YAML or JSON preset",
                at: SourceLocation(file: url.path, line: 1, column: 1))
        }
        return try parse(
            yaml: text, name: url.deletingPathExtension().lastPathComponent, file: url.path,
            url: url, registry: registry, origin: origin)
    }

    /// Parses and validates preset text; `file` is used in error locations.
    public static func parse(
        yaml: String, name: String, file: String,
        registry: EffectRegistry
    ) throws(HostError) -> Preset {
        try parse(
            yaml: yaml, name: name, file: file, url: URL(fileURLWithPath: file),
            registry: registry, origin: .path)
    }

    static func parse(
        yaml: String, name: String, file: String, url: URL, registry: EffectRegistry,
        origin: PresetOrigin
    ) throws(HostError) -> Preset {
        let document = PresetDocument(file: file, registry: registry)
        let (format, summary, chain) = try document.read(yaml)
        return Preset(name: name, summary: summary, format: format, chain: chain, url: url, origin: origin)
    }
}

/// One preset file being read.
private struct PresetDocument {
    let file: String
    let registry: EffectRegistry

    /// A key of a mapping with its value.
    struct Entry {
        var key: String
        var keyNode: Node
        var value: Node
    }

    // MARK: - Top level

    func read(_ yaml: String) throws(HostError) -> (format: Int, summary: String, chain: EffectChain) {
        let root: Node
        if let violation = YAMLLimits.standard.violation(in: yaml) {
            throw HostError(
                .presetSyntax, violation.message, at: SourceLocation(file: file, line: violation.line, column: violation.column))
        }
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                throw HostError(
                    .presetSyntax,
                    "the file is empty; expected a mapping with format, summary and chain (see Docs/Presets.md)",
                    at: SourceLocation(file: file, line: 1, column: 1))
            }
            root = composed
        } catch let error as HostError {
            throw error
        } catch {
            throw yamlError(error)
        }

        guard root.mapping != nil else {
            throw HostError(
                .presetSyntax,
                "the top level is \(kind(of: root)); expected a mapping with the keys \(PresetLoader.topLevelKeys.joined(separator: ", "))",
                at: location(of: root))
        }
        let entries = try mappingEntries(root)

        // The format first: a newer file may use keys this Facet does not know.
        guard let formatEntry = entries.first(where: { $0.key == "format" }) else {
            throw HostError(
                .presetSyntax,
                "missing 'format'; expected `format: \(PresetLoader.currentFormat)` at the top level",
                at: location(of: root))
        }
        let format = try readFormat(formatEntry.value)

        try rejectUnknownKeys(entries, allowed: PresetLoader.topLevelKeys, in: "at the top level", code: .presetSyntax)

        var summary = ""
        if let summaryEntry = entries.first(where: { $0.key == "summary" }) {
            guard let scalar = summaryEntry.value.scalar, !isNull(summaryEntry.value) else {
                throw HostError(
                    .presetSyntax,
                    "'summary' is \(kind(of: summaryEntry.value)); expected one line of text saying what the preset does",
                    at: location(of: summaryEntry.value))
            }
            summary = scalar.string.trimmingWhitespace()
        }

        guard let chainEntry = entries.first(where: { $0.key == "chain" }) else {
            throw HostError(
                .presetSyntax,
                "missing 'chain'; expected a list of effects (write `chain: []` for a pass-through)",
                at: location(of: root))
        }
        guard let items = chainEntry.value.sequence else {
            throw HostError(
                .presetSyntax,
                "'chain' is \(kind(of: chainEntry.value)); expected a list of effects, each `- effect: name` (write `chain: []` for a pass-through)",
                at: location(of: chainEntry.value))
        }
        var invocations: [EffectInvocation] = []
        for (index, item) in items.enumerated() {
            invocations.append(try readInvocation(item, number: index + 1))
        }
        return (format, summary, EffectChain(invocations: invocations))
    }

    private func readFormat(_ node: Node) throws(HostError) -> Int {
        let supported = PresetLoader.supportedFormats.map(String.init).joined(separator: ", ")
        guard let scalar = node.scalar, scalar.style == .plain, let format = Int(scalar.string) else {
            throw HostError(
                .presetSyntax,
                "'format' is \(kind(of: node)); expected a whole number (this Facet reads format \(supported))",
                at: location(of: node))
        }
        guard PresetLoader.supportedFormats.contains(format) else {
            let advice = format > PresetLoader.currentFormat ? "a newer Facet wrote it; update Facet" : "no Facet wrote it"
            throw HostError(
                .unsupportedFormat,
                "\(file) is preset format \(format), but this Facet reads format \(supported) only (\(advice)); expected format: \(PresetLoader.currentFormat)",
                at: location(of: node))
        }
        return format
    }

    // MARK: - Chain items

    private func readInvocation(_ node: Node, number: Int) throws(HostError) -> EffectInvocation {
        guard node.mapping != nil else {
            throw HostError(
                .presetSyntax,
                "chain item \(number) is \(kind(of: node)); expected a mapping with 'effect' and optional 'version' and 'params'",
                at: location(of: node))
        }
        let entries = try mappingEntries(node)
        try rejectUnknownKeys(entries, allowed: PresetLoader.effectKeys, in: "in chain item \(number)", code: .presetSyntax)
        guard let effectEntry = entries.first(where: { $0.key == "effect" }) else {
            throw HostError(
                .presetSyntax,
                "chain item \(number) has no 'effect'; expected `effect: <id or short name>` such as direct-edit",
                at: location(of: node))
        }
        guard let nameScalar = effectEntry.value.scalar, !isNull(effectEntry.value),
            !nameScalar.string.trimmingWhitespace().isEmpty
        else {
            throw HostError(
                .presetSyntax,
                "'effect' is \(kind(of: effectEntry.value)); expected an effect id or short name such as direct-edit",
                at: location(of: effectEntry.value))
        }
        let effect = try registry.effect(
            named: nameScalar.string.trimmingWhitespace(),
            at: location(of: effectEntry.value))
        let descriptor = effect.descriptor

        var requirement: VersionRequirement?
        if let versionEntry = entries.first(where: { $0.key == "version" }) {
            let versionLocation = location(of: versionEntry.value)
            guard let scalar = versionEntry.value.scalar, !isNull(versionEntry.value),
                let parsed = VersionRequirement(parsing: scalar.string)
            else {
                throw HostError(
                    .presetSyntax,
                    "'version' is \(kind(of: versionEntry.value)); expected \(VersionRequirement.expectation)",
                    at: versionLocation)
            }
            try PresetChecks.check(parsed, effect: descriptor, at: versionLocation)
            requirement = parsed
        }

        var given: [String: ParameterValue] = [:]
        var parametersLocation = location(of: node)
        if let paramsEntry = entries.first(where: { $0.key == "params" }) {
            parametersLocation = location(of: paramsEntry.value)
            guard paramsEntry.value.mapping != nil else {
                throw HostError(
                    .presetSyntax,
                    "'params' is \(kind(of: paramsEntry.value)); expected a mapping of parameter names to values (leave 'params' out to use every default)",
                    at: parametersLocation)
            }
            for entry in try mappingEntries(paramsEntry.value) {
                let spec = try PresetChecks.parameter(entry.key, of: descriptor, at: location(of: entry.keyNode))
                given[entry.key] = resolvingDriver(try readValue(entry.value, spec: spec, effectID: descriptor.id), spec: spec)
            }
        }
        let parameters = try PresetChecks.parameters(given, of: descriptor, at: parametersLocation)
        return EffectInvocation(
            effect: effect, parameters: parameters, versionRequirement: requirement,
            location: location(of: node))
    }

    // MARK: - Values

    /// A driving input's relative path made absolute against the preset file's folder, so the
    /// preset finds its driver wherever facet is started; likewise a transcript that names a file
    /// beside the preset (a transcript naming no file there is words, and stays as written).
    private func resolvingDriver(_ value: ParameterValue, spec: ParameterSpec) -> ParameterValue {
        guard spec.role == .drivingInput || spec.role == .transcript, case .text(let path) = value, !path.isEmpty,
            !path.hasPrefix("/")
        else { return value }
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        let resolved = folder.appendingPathComponent(path).standardizedFileURL.path
        if spec.role == .transcript, path.contains("\n") || !FileManager.default.fileExists(atPath: resolved) { return value }
        return .text(resolved)
    }

    private func readValue(_ node: Node, spec: ParameterSpec, effectID: String) throws(HostError) -> ParameterValue {
        let nodeLocation = location(of: node)
        if isNull(node) {
            throw ValueSyntax.missingValue(spec, effectID: effectID, at: nodeLocation)
        }
        if let scalar = node.scalar {
            let quoted = scalar.style != .plain
            let opening = (scalar.style == .singleQuoted || scalar.style == .doubleQuoted) ? 1 : 0
            return try ValueSyntax.scalarValue(
                scalar.string, quoted: quoted, spec: spec, effectID: effectID,
                at: nodeLocation, textStart: nodeLocation.advanced(by: opening))
        }
        guard let items = node.sequence, spec.type.isAnimatable else {
            throw HostError(
                .invalidParameter, "\(effectID): '\(spec.name)' got \(kind(of: node)); expected \(spec.expectation)",
                at: nodeLocation)
        }
        var keyframes: [LocatedKeyframe] = []
        for (index, item) in items.enumerated() {
            keyframes.append(try readKeyframe(item, number: index + 1, spec: spec, effectID: effectID))
        }
        return try ValueSyntax.keyframesValue(keyframes, spec: spec, effectID: effectID, at: nodeLocation)
    }

    private func readKeyframe(
        _ node: Node, number: Int, spec: ParameterSpec,
        effectID: String
    ) throws(HostError) -> LocatedKeyframe {
        let form = "a mapping such as { t: 1.5, value: 15, ease: ease-in-out } (t in seconds; ease optional)"
        let prefix = "\(effectID): '\(spec.name)' keyframe \(number)"
        guard node.mapping != nil else {
            throw HostError(.invalidParameter, "\(prefix) is \(kind(of: node)); expected \(form)", at: location(of: node))
        }
        let entries = try mappingEntries(node)
        try rejectUnknownKeys(entries, allowed: PresetLoader.keyframeKeys, in: "in \(prefix)", code: .invalidParameter)
        func readNumber(_ key: String, _ what: String) throws(HostError) -> (Double, SourceLocation) {
            guard let entry = entries.first(where: { $0.key == key }) else {
                throw HostError(.invalidParameter, "\(prefix) has no '\(key)'; expected \(form)", at: location(of: node))
            }
            guard let scalar = entry.value.scalar, scalar.style == .plain,
                let value = ValueSyntax.number(scalar.string)
            else {
                throw HostError(
                    .invalidParameter, "\(prefix) '\(key)' is \(kind(of: entry.value)); expected \(what)",
                    at: location(of: entry.value))
            }
            return (value, location(of: entry.value))
        }
        let (time, timeLocation) = try readNumber("t", "a time in seconds such as 1.5")
        let (value, valueLocation) = try readNumber("value", spec.type == .integer ? "a whole number" : "a number")
        var easing = Easing.linear
        if let easeEntry = entries.first(where: { $0.key == "ease" }) {
            guard let scalar = easeEntry.value.scalar, !isNull(easeEntry.value) else {
                throw HostError(
                    .invalidParameter,
                    "\(prefix) 'ease' is \(kind(of: easeEntry.value)); expected one of: \(ValueSyntax.easingNames)",
                    at: location(of: easeEntry.value))
            }
            easing = try ValueSyntax.easing(named: scalar.string, context: "\(prefix) ", at: location(of: easeEntry.value))
        }
        return LocatedKeyframe(
            keyframe: Keyframe(time: time, value: value, easing: easing),
            timeLocation: timeLocation, valueLocation: valueLocation)
    }

    // MARK: - Nodes

    private func location(of node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column)
    }

    private func isNull(_ node: Node) -> Bool { node.isNullValue }

    private func kind(of node: Node) -> String { node.kindDescription }

    /// The entries of a mapping node; throws for a key that is not text or appears twice.
    private func mappingEntries(_ node: Node) throws(HostError) -> [Entry] {
        guard let mapping = node.mapping else { return [] }
        var entries: [Entry] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string, keyNode.scalar != nil else {
                throw HostError(.presetSyntax, "a key is \(kind(of: keyNode)); expected a name", at: location(of: keyNode))
            }
            if let first = entries.first(where: { $0.key == key }) {
                let line = first.keyNode.mark.map { " (first on line \($0.line))" } ?? ""
                throw HostError(
                    .presetSyntax, "duplicate key \(DisplayText.quoted(key))\(line); expected each key once",
                    at: location(of: keyNode))
            }
            entries.append(Entry(key: key, keyNode: keyNode, value: value))
        }
        return entries
    }

    private func rejectUnknownKeys(
        _ entries: [Entry], allowed: [String], in place: String,
        code: HostError.Code
    ) throws(HostError) {
        for entry in entries where !allowed.contains(entry.key) {
            throw HostError(
                code, "unknown key '\(entry.key)' \(place); expected one of: \(allowed.joined(separator: ", "))",
                at: location(of: entry.keyNode))
        }
    }

    /// A Yams error as a preset syntax error at Yams' own position.
    private func yamlError(_ error: any Error) -> HostError {
        let expectation = "expected well-formed YAML or JSON (check indentation, colons, brackets and quotes)"
        func make(_ problem: String, _ context: YamlError.Context?, _ mark: Mark) -> HostError {
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return HostError(
                .presetSyntax, "not well-formed YAML: \(detail); \(expectation)",
                at: SourceLocation(file: file, line: mark.line, column: mark.column))
        }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return make(problem, context, mark)
        case .reader(let problem, _, _, _):
            return HostError(
                .presetSyntax, "not readable text: \(problem); \(expectation)",
                at: SourceLocation(file: file, line: 1, column: 1))
        default:
            return HostError(
                .presetSyntax, "not well-formed YAML; \(expectation)",
                at: SourceLocation(file: file, line: 1, column: 1), cause: error)
        }
    }
}
