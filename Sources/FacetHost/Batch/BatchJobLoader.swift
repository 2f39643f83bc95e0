// Reading job files of `facet batch`. Like presets, the file is composed into Yams nodes (each
// knows its line and column) and checked node by node; unlike a preset, reading goes on after a
// problem, so one run lists every error of the file with its line and column before anything runs.
//
//     # Smile on every talk.
//     format: 1
//     defaults:
//       preset: smile
//       output: out/{stem}-smile.mp4
//     items:
//       - inputs: talks/*.mp4
//       - input: keynote.mov
//         chain: 'direct-edit:yaw=10'
//         crf: 16

import FacetMedia
import FacetSDK
import Foundation
import Yams

/// Loads and checks job files of `facet batch`.
public enum BatchJobLoader {
    /// The job-file format this Facet writes.
    public static let currentFormat = 1
    /// The formats this Facet reads.
    public static let supportedFormats = [1]
    /// The keys of the top-level mapping.
    public static let topLevelKeys = ["format", "summary", "defaults", "items", "retries", "slurm"]
    /// The keys an item and `defaults` share: `facet apply`'s options, and the output (a pattern).
    public static let settingKeys = [
        "output", "preset", "chain", "set", "crf", "x264-preset", "pix-fmt", "duration", "fps", "audio", "renderer", "model",
        "models", "weights", "speech-model", "segments",
    ]
    /// The keys of one item: its input (a path) or inputs (a glob), and the setting keys.
    public static let itemKeys = ["input", "inputs"] + settingKeys
    /// The keys of the `slurm:` section.
    public static let slurmKeys = ["partition", "time", "mem", "cpus-per-task", "max-parallel", "extra"]
    /// The placeholders an output pattern may hold.
    public static let placeholders = ["{stem}", "{name}", "{ext}", "{dir}", "{index}"]

    /// Reads and checks the job file at `url`: every problem of the file is reported at once, in
    /// one `.jobFile` error whose message lists them with their lines and columns.
    public static func load(
        contentsOf url: URL, registry: EffectRegistry,
        presets: PresetLibrary = .standard()
    ) throws(HostError) -> BatchJob {
        let file = url.standardizedFileURL
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            if !FileManager.default.fileExists(atPath: file.path) {
                throw HostError(.fileNotFound, "no job file at \(file.path); expected a YAML job file (see Docs/Batch.md)")
            }
            throw HostError(.io, "cannot read the job file \(file.path); expected a readable file", cause: error)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw HostError(
                .jobFile, "the file is not UTF-8 text; expected a YAML job file",
                at: SourceLocation(file: file.path, line: 1, column: 1))
        }
        return try parse(yaml: text, file: file, registry: registry, presets: presets)
    }

    /// Reads and checks job-file text; `file` names the file in errors and is the folder
    /// relative paths are read from.
    public static func parse(
        yaml: String, file: URL, registry: EffectRegistry,
        presets: PresetLibrary = .standard()
    ) throws(HostError) -> BatchJob {
        var document = JobDocument(file: file.standardizedFileURL, registry: registry, presets: presets)
        let job = document.read(yaml)
        if let job, document.problems.isEmpty { return job }
        throw combined(document.problems, file: file.path)
    }

    /// One error for all `problems`: the first's code and location, every problem on a line.
    static func combined(_ problems: [HostError], file: String) -> HostError {
        guard problems.count > 1 else { return problems.first ?? HostError(.jobFile, "the job file could not be read", path: file) }
        let sorted = problems.enumerated().sorted { first, second in
            let a = first.element.location, b = second.element.location
            return (a?.line ?? 0, a?.column ?? 0, first.offset) < (b?.line ?? 0, b?.column ?? 0, second.offset)
        }.map(\.element)
        let lines = sorted.map { "  " + $0.description }.joined(separator: "\n")
        return HostError(.jobFile, "\(problems.count) problems in \(file); nothing was run:\n\(lines)")
    }
}

/// One job file being read; problems are collected, not thrown.
private struct JobDocument {
    let file: URL
    let registry: EffectRegistry
    let presets: PresetLibrary
    var problems: [HostError] = []

    struct Entry {
        var key: String
        var keyNode: Node
        var value: Node
    }

    var folder: URL { file.deletingLastPathComponent() }

    // MARK: - Top level

    mutating func read(_ yaml: String) -> BatchJob? {
        if let violation = YAMLLimits.standard.violation(in: yaml) {
            problem(.jobFile, violation.message, at: SourceLocation(file: file.path, line: violation.line, column: violation.column))
            return nil
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                problem(
                    .jobFile, "the file is empty; expected a mapping with format and items (see Docs/Batch.md)",
                    at: SourceLocation(file: file.path, line: 1, column: 1))
                return nil
            }
            root = composed
        } catch {
            problems.append(yamlError(error))
            return nil
        }
        guard root.mapping != nil else {
            problem(
                .jobFile,
                "the top level is \(kind(of: root)); expected a mapping with the keys \(BatchJobLoader.topLevelKeys.joined(separator: ", "))",
                at: location(of: root))
            return nil
        }
        let entries = mappingEntries(root)
        guard let formatEntry = entries.first(where: { $0.key == "format" }) else {
            problem(
                .jobFile, "missing 'format'; expected `format: \(BatchJobLoader.currentFormat)` at the top level", at: location(of: root))
            return nil
        }
        guard let format = readFormat(formatEntry.value) else { return nil }
        rejectUnknownKeys(entries, allowed: BatchJobLoader.topLevelKeys, in: "at the top level")

        var summary = ""
        if let entry = entries.first(where: { $0.key == "summary" }) {
            summary = text(entry.value, "'summary'", expected: "one line of text saying what the batch does") ?? ""
        }
        var retries = 0
        if let entry = entries.first(where: { $0.key == "retries" }) {
            retries = integer(entry.value, "'retries'", range: 0...10) ?? 0
        }
        var slurm = SlurmSettings()
        if let entry = entries.first(where: { $0.key == "slurm" }) { slurm = readSlurm(entry.value) }

        var defaults = RawSettings()
        if let entry = entries.first(where: { $0.key == "defaults" }) {
            if entry.value.mapping == nil {
                problem(
                    .jobFile,
                    "'defaults' is \(kind(of: entry.value)); expected a mapping of item settings (\(BatchJobLoader.settingKeys.joined(separator: ", ")))",
                    at: location(of: entry.value))
            } else {
                let defaultEntries = mappingEntries(entry.value)
                rejectUnknownKeys(defaultEntries, allowed: BatchJobLoader.settingKeys, in: "in 'defaults'")
                defaults = readSettings(defaultEntries, into: RawSettings(), fromDefaults: true)
            }
        }

        guard let itemsEntry = entries.first(where: { $0.key == "items" }) else {
            problem(.jobFile, "missing 'items'; expected a list of items, each `- input: FILE` or `- inputs: GLOB`", at: location(of: root))
            return nil
        }
        guard let itemNodes = itemsEntry.value.sequence, !itemNodes.isEmpty else {
            problem(
                .jobFile,
                "'items' is \(kind(of: itemsEntry.value)); expected a non-empty list of items, each `- input: FILE` or `- inputs: GLOB`",
                at: location(of: itemsEntry.value))
            return nil
        }
        var items: [BatchItem] = []
        for (index, node) in itemNodes.enumerated() {
            items += readItem(node, number: index + 1, defaults: defaults, firstNumber: items.count + 1)
        }
        checkCollisions(items)
        return BatchJob(file: file, format: format, summary: summary, items: items, retries: retries, slurm: slurm)
    }

    private mutating func readFormat(_ node: Node) -> Int? {
        let supported = BatchJobLoader.supportedFormats.map(String.init).joined(separator: ", ")
        guard let scalar = node.scalar, scalar.style == .plain, let format = Int(scalar.string) else {
            problem(
                .jobFile, "'format' is \(kind(of: node)); expected a whole number (this Facet reads format \(supported))",
                at: location(of: node))
            return nil
        }
        guard BatchJobLoader.supportedFormats.contains(format) else {
            let advice = format > BatchJobLoader.currentFormat ? "a newer Facet wrote it; update Facet" : "no Facet wrote it"
            problem(
                .jobFile,
                "job-file format \(format), but this Facet reads format \(supported) only (\(advice)); expected format: \(BatchJobLoader.currentFormat)",
                at: location(of: node))
            return nil
        }
        return format
    }

    // MARK: - Items

    /// Settings as written (before defaults fill the rest), each with where it was written.
    struct RawSettings {
        var values: [String: (node: Node, location: SourceLocation, fromDefaults: Bool)] = [:]
    }

    private mutating func readSettings(_ entries: [Entry], into base: RawSettings, fromDefaults: Bool = false) -> RawSettings {
        var settings = base
        for entry in entries where BatchJobLoader.settingKeys.contains(entry.key) {
            settings.values[entry.key] = (entry.value, location(of: entry.value), fromDefaults)
        }
        return settings
    }

    /// The items one entry of `items` makes: one for `input`, one per match of `inputs`.
    private mutating func readItem(_ node: Node, number: Int, defaults: RawSettings, firstNumber: Int) -> [BatchItem] {
        let name = "items entry \(number)"
        guard node.mapping != nil else {
            problem(
                .jobFile, "\(name) is \(kind(of: node)); expected a mapping with 'input' (a file) or 'inputs' (a glob)",
                at: location(of: node))
            return []
        }
        let entries = mappingEntries(node)
        rejectUnknownKeys(entries, allowed: BatchJobLoader.itemKeys, in: "in \(name)")
        let raw = readSettings(entries, into: defaults)
        let single = entries.first { $0.key == "input" }
        let glob = entries.first { $0.key == "inputs" }
        var inputs: [URL] = []
        switch (single, glob) {
        case (let single?, nil):
            guard let path = text(single.value, "\(name) 'input'", expected: "the path of a video or still image") else { return [] }
            inputs = [resolve(path)]
        case (nil, let glob?):
            guard let pattern = text(glob.value, "\(name) 'inputs'", expected: "a glob such as talks/*.mp4") else { return [] }
            inputs = expand(pattern)
            if inputs.isEmpty {
                problem(
                    .jobFile,
                    "\(name) 'inputs' \(DisplayText.quoted(pattern)) matches no file in \(folder.path); expected a glob that matches the inputs",
                    at: location(of: glob.value))
                return []
            }
        case (nil, nil):
            problem(.jobFile, "\(name) has no 'input' or 'inputs'; expected `input: FILE` or `inputs: GLOB`", at: location(of: node))
            return []
        case (_?, let glob?):
            problem(.jobFile, "\(name) has both 'input' and 'inputs'; expected one of them", at: location(of: glob.keyNode))
            return []
        }
        // The outputs first, so their problems are listed even when the settings have some too.
        guard let output = raw.values["output"] else {
            problem(
                .jobFile,
                "\(name) has no 'output' (nor 'defaults'); expected `output: out/{stem}-edited.mp4` (placeholders \(BatchJobLoader.placeholders.joined(separator: " ")))",
                at: location(of: node))
            return []
        }
        guard let pattern = text(output.node, "\(name) 'output'", expected: "an output path or pattern such as out/{stem}-smile.mp4") else {
            return []
        }
        if inputs.count > 1, !pattern.contains("{") {
            problem(
                .jobFile,
                "\(name) 'output' \(DisplayText.quoted(pattern)) is one file for \(inputs.count) inputs; expected a pattern with {stem} or {name}",
                at: output.location)
            return []
        }
        var outputs: [URL] = []
        for (offset, input) in inputs.enumerated() {
            guard let path = outputPath(pattern, input: input, number: firstNumber + offset, at: output.location) else { return [] }
            let outputURL = resolve(path)
            guard ["mp4", "m4v", "mov", "mkv"].contains(outputURL.pathExtension.lowercased()) else {
                problem(
                    .jobFile, "\(name) 'output' \(DisplayText.quoted(path)) has no video extension; expected .mp4, .m4v, .mov or .mkv",
                    at: output.location)
                return []
            }
            outputs.append(outputURL)
        }
        guard let (settings, chain) = settings(from: raw, name: name, at: location(of: node)) else { return [] }
        return zip(inputs, outputs).enumerated().map { offset, pair in
            BatchItem(
                number: firstNumber + offset, input: pair.0, output: pair.1, settings: settings, chain: chain, location: location(of: node))
        }
    }

    /// The item's settings and chain, or nil after recording what was wrong.
    private mutating func settings(from raw: RawSettings, name: String, at itemLocation: SourceLocation) -> (
        BatchItemSettings, EffectChain
    )? {
        var settings = BatchItemSettings()
        let before = problems.count
        func value(_ key: String) -> Node? { raw.values[key]?.node }
        // A value from `defaults` is named as such, so its problem is listed once, not per item.
        let itemName = name
        func label(_ key: String) -> String { raw.values[key]?.fromDefaults == true ? "'defaults' '\(key)'" : "\(itemName) '\(key)'" }
        if let node = value("preset") { settings.preset = text(node, label("preset"), expected: "a preset name or preset file") }
        if let node = value("chain") {
            settings.chain = text(node, label("chain"), expected: "an effect chain such as 'direct-edit:smile=0.5'")
        }
        if let node = value("set") {
            if let list = node.sequence {
                settings.assignments = list.compactMap { text($0, label("set") + " entry", expected: "name=value") }
            } else if let single = text(node, label("set"), expected: "name=value or a list of them") {
                settings.assignments = [single]
            }
        }
        if let node = value("crf") { settings.crf = integer(node, label("crf"), range: 0...51) ?? settings.crf }
        if let node = value("x264-preset") {
            settings.x264Preset = choice(node, label("x264-preset"), X264Preset.allCases) ?? settings.x264Preset
        }
        if let node = value("pix-fmt") {
            settings.pixelFormat = choice(node, label("pix-fmt"), PixelFormatChoice.allCases) ?? settings.pixelFormat
        }
        if let node = value("duration") { settings.duration = number(node, label("duration"), above: 0, atMost: 86_400) }
        if let node = value("fps") { settings.fps = number(node, label("fps"), above: 0, atMost: 240) }
        if let node = value("audio") { settings.audio = text(node, label("audio"), expected: "an audio or video file").map(resolve) }
        if let node = value("renderer") {
            settings.renderer = choice(node, label("renderer"), RendererChoice.allCases) ?? settings.renderer
        }
        if let node = value("model") { settings.model = text(node, label("model"), expected: "a face model name such as sfm") ?? "sfm" }
        if let node = value("models") {
            settings.models = text(node, label("models"), expected: "a models directory").map(resolveDirectory)
        }
        if let node = value("weights") { settings.weights = text(node, label("weights"), expected: "PIRender's weights file").map(resolve) }
        if let node = value("segments") { settings.segments = segments(node, label("segments")) }
        if let node = value("speech-model") {
            settings.speechModel = text(node, label("speech-model"), expected: "a speech model folder").map(resolveDirectory)
        }

        // The chain, resolved as `facet apply` resolves it; its errors keep the chain's own
        // position, and say where in the job file the chain was written.
        var invocations: [EffectInvocation] = []
        do throws(HostError) {
            if let preset = settings.preset {
                let place = raw.values["preset"]?.location ?? itemLocation
                invocations += try wrapping(at: place, label("preset")) { () throws(HostError) in
                    try presets.resolve(presetReference(preset), registry: registry).chain.invocations
                }
            }
            if let chain = settings.chain {
                let place = raw.values["chain"]?.location ?? itemLocation
                invocations += try wrapping(at: place, label("chain")) { () throws(HostError) in
                    try ChainParser.parse(chain, registry: registry).invocations
                }
            }
            var resolved = EffectChain(invocations: invocations)
            for assignment in settings.assignments {
                let place = raw.values["set"]?.location ?? itemLocation
                resolved = try wrapping(at: place, label("set")) { () throws(HostError) in try resolved.setting(assignment) }
            }
            return problems.count == before ? (settings, resolved) : nil
        } catch {
            if !problems.contains(error) { problems.append(error) }
            return nil
        }
    }

    /// A preset written as a relative file path is read from the job file's folder; a name is
    /// looked up in the preset directories.
    private func presetReference(_ preset: String) -> String {
        guard preset.contains("/") || preset.hasSuffix(".yaml") || preset.hasSuffix(".yml") || preset.hasSuffix(".json") else {
            return preset
        }
        return resolve(preset).path
    }

    private func wrapping<T>(at place: SourceLocation, _ what: String, _ body: () throws(HostError) -> T) throws(HostError) -> T {
        do {
            return try body()
        } catch {
            throw HostError(error.code, "\(what) is not usable", at: place, cause: error)
        }
    }

    /// `pattern` with its placeholders filled in for `input`.
    private mutating func outputPath(_ pattern: String, input: URL, number: Int, at place: SourceLocation) -> String? {
        var path = pattern
        let fills: [(String, String)] = [
            ("{stem}", input.deletingPathExtension().lastPathComponent), ("{name}", input.lastPathComponent),
            ("{ext}", input.pathExtension), ("{dir}", input.deletingLastPathComponent().lastPathComponent),
            ("{index}", String(number)),
        ]
        for (placeholder, value) in fills { path = path.replacingOccurrences(of: placeholder, with: value) }
        if let open = path.firstIndex(of: "{"), let close = path[open...].firstIndex(of: "}") {
            problem(
                .jobFile,
                "'output' has the unknown placeholder \(path[open...close]); expected one of \(BatchJobLoader.placeholders.joined(separator: " "))",
                at: place)
            return nil
        }
        return path
    }

    /// Two items writing one file, or an item writing over its own input: refused up front.
    private mutating func checkCollisions(_ items: [BatchItem]) {
        var first: [String: BatchItem] = [:]
        let inputs = Set(items.map(\.input.path))
        for item in items {
            if let earlier = first[item.output.path] {
                problem(
                    .jobFile,
                    "items \(earlier.number) (\(earlier.input.lastPathComponent)) and \(item.number) (\(item.input.lastPathComponent)) both write \(item.output.path); expected one output per item (use {stem} in the output pattern)",
                    at: item.location)
            } else {
                first[item.output.path] = item
            }
            if inputs.contains(item.output.path) {
                problem(
                    .jobFile,
                    "item \(item.number) writes \(item.output.path), which is an input of this batch; expected another output path",
                    at: item.location)
            }
        }
    }

    // MARK: - Slurm

    private mutating func readSlurm(_ node: Node) -> SlurmSettings {
        var settings = SlurmSettings()
        guard node.mapping != nil else {
            problem(
                .jobFile, "'slurm' is \(kind(of: node)); expected a mapping with \(BatchJobLoader.slurmKeys.joined(separator: ", "))",
                at: location(of: node))
            return settings
        }
        let entries = mappingEntries(node)
        rejectUnknownKeys(entries, allowed: BatchJobLoader.slurmKeys, in: "in 'slurm'")
        for entry in entries {
            let what = "'slurm' '\(entry.key)'"
            switch entry.key {
            case "partition": settings.partition = text(entry.value, what, expected: "a partition name")
            case "time": settings.timeLimit = slurmValue(entry.value, what, expected: "a time limit such as 30, 1:30:00 or 2-00:00:00")
            case "mem": settings.memory = slurmValue(entry.value, what, expected: "memory such as 4G or 4000M")
            case "cpus-per-task": settings.cpusPerTask = integer(entry.value, what, range: 1...1024)
            case "max-parallel": settings.maximumParallel = integer(entry.value, what, range: 1...100_000)
            case "extra":
                guard let list = entry.value.sequence else {
                    problem(
                        .jobFile, "\(what) is \(kind(of: entry.value)); expected a list of sbatch options such as [--account=lab]",
                        at: location(of: entry.value))
                    continue
                }
                for line in list {
                    guard let option = text(line, "\(what) entry", expected: "an sbatch option such as --account=lab") else { continue }
                    guard option.hasPrefix("-"), !option.contains("\n") else {
                        problem(
                            .jobFile,
                            "\(what) entry \(DisplayText.quoted(option)) is not an sbatch option; expected one line starting with - such as --qos=short",
                            at: location(of: line))
                        continue
                    }
                    settings.extraOptions.append(option)
                }
            default: break
            }
        }
        return settings
    }

    /// A one-word Slurm value (no spaces or line breaks, which would break the #SBATCH line).
    private mutating func slurmValue(_ node: Node, _ what: String, expected: String) -> String? {
        guard let value = text(node, what, expected: expected) else { return nil }
        guard !value.contains(where: { $0.isWhitespace }) else {
            problem(.jobFile, "\(what) \(DisplayText.quoted(value)) has spaces; expected \(expected)", at: location(of: node))
            return nil
        }
        return value
    }

    // MARK: - Values

    private mutating func text(_ node: Node, _ what: String, expected: String) -> String? {
        guard let scalar = node.scalar, !isNull(node), !scalar.string.trimmingWhitespace().isEmpty else {
            problem(.jobFile, "\(what) is \(kind(of: node)); expected \(expected)", at: location(of: node))
            return nil
        }
        return scalar.string.trimmingWhitespace()
    }

    private mutating func integer(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard let scalar = node.scalar, scalar.style == .plain, let value = Int(scalar.string), range.contains(value) else {
            problem(
                .jobFile, "\(what) is \(kind(of: node)); expected a whole number in \(range.lowerBound) … \(range.upperBound)",
                at: location(of: node))
            return nil
        }
        return value
    }

    private mutating func number(_ node: Node, _ what: String, above low: Double, atMost high: Double) -> Double? {
        guard let scalar = node.scalar, scalar.style == .plain, let value = ValueSyntax.number(scalar.string), value > low, value <= high
        else {
            problem(.jobFile, "\(what) is \(kind(of: node)); expected a number in (\(Int(low)), \(Int(high))]", at: location(of: node))
            return nil
        }
        return value
    }

    private mutating func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, _ cases: T.AllCases) -> T?
    where T.RawValue == String {
        let names = cases.map(\.rawValue)
        guard let scalar = node.scalar, let value = T(rawValue: scalar.string.trimmingWhitespace()) else {
            problem(.jobFile, "\(what) is \(kind(of: node)); expected one of: \(names.joined(separator: ", "))", at: location(of: node))
            return nil
        }
        return value
    }

    /// `auto`, a count of segments (1 … 256) or a length in seconds such as `60s` (at least 10 s).
    private mutating func segments(_ node: Node, _ what: String) -> SegmentRequest? {
        let expectation = "auto, a number of segments such as 4, or a length such as 60s"
        guard let scalar = node.scalar, !isNull(node) else {
            problem(.jobFile, "\(what) is \(kind(of: node)); expected \(expectation)", at: location(of: node))
            return nil
        }
        let text = scalar.string.trimmingWhitespace()
        if text == "auto" { return .auto }
        if let count = Int(text), (1...256).contains(count) { return .count(count) }
        if text.hasSuffix("s"), let seconds = ValueSyntax.number(String(text.dropLast())), seconds >= 10, seconds.isFinite {
            return .seconds(seconds)
        }
        problem(.jobFile, "\(what) is \(kind(of: node)); expected \(expectation) (segments of at least 10 s)", at: location(of: node))
        return nil
    }

    // MARK: - Paths

    private func resolve(_ path: String) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
        return folder.appendingPathComponent(expanded).standardizedFileURL
    }

    private func resolveDirectory(_ path: String) -> URL {
        URL(fileURLWithPath: resolve(path).path, isDirectory: true)
    }

    /// The files `pattern` matches (relative to the job file's folder), sorted; no directories.
    private func expand(_ pattern: String) -> [URL] {
        let absolute = resolve(pattern).path
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(absolute, 0, nil, &matches) == 0 else { return [] }
        var urls: [URL] = []
        for index in 0..<Int(matches.gl_pathc) {
            guard let pointer = matches.gl_pathv[index] else { continue }
            let path = String(cString: pointer)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                urls.append(URL(fileURLWithPath: path).standardizedFileURL)
            }
        }
        return urls.sorted { $0.path < $1.path }
    }

    // MARK: - Nodes

    private mutating func problem(_ code: HostError.Code, _ message: String, at place: SourceLocation) {
        // A problem of `defaults` is met once per item; it is listed once.
        guard !problems.contains(where: { $0.location == place && $0.message == message }) else { return }
        problems.append(HostError(code, message, at: place))
    }

    private func location(of node: Node) -> SourceLocation {
        SourceLocation(file: file.path, line: node.mark?.line ?? 1, column: node.mark?.column)
    }

    private func isNull(_ node: Node) -> Bool { node.isNullValue }

    private func kind(of node: Node) -> String { node.kindDescription }

    private mutating func mappingEntries(_ node: Node) -> [Entry] {
        guard let mapping = node.mapping else { return [] }
        var entries: [Entry] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                problem(.jobFile, "a key is \(kind(of: keyNode)); expected a name", at: location(of: keyNode))
                continue
            }
            if let first = entries.first(where: { $0.key == key }) {
                let line = first.keyNode.mark.map { " (first on line \($0.line))" } ?? ""
                problem(.jobFile, "duplicate key \(DisplayText.quoted(key))\(line); expected each key once", at: location(of: keyNode))
                continue
            }
            entries.append(Entry(key: key, keyNode: keyNode, value: value))
        }
        return entries
    }

    private mutating func rejectUnknownKeys(_ entries: [Entry], allowed: [String], in place: String) {
        for entry in entries where !allowed.contains(entry.key) {
            problem(
                .jobFile, "unknown key '\(entry.key)' \(place); expected one of: \(allowed.joined(separator: ", "))",
                at: location(of: entry.keyNode))
        }
    }

    private func yamlError(_ error: any Error) -> HostError {
        let expectation = "expected well-formed YAML (check indentation, colons, brackets and quotes)"
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return HostError(
                .jobFile, "not well-formed YAML: \(detail); \(expectation)",
                at: SourceLocation(file: file.path, line: mark.line, column: mark.column))
        default:
            return HostError(
                .jobFile, "not well-formed YAML; \(expectation)", at: SourceLocation(file: file.path, line: 1, column: 1), cause: error)
        }
    }
}
