// Finding presets by name. Directories are searched lowest to highest priority:
//
//   1. system       the repository's Presets/ (source builds) and <executable dir>/../share/facet/presets
//   2. user         $XDG_CONFIG_HOME/facet/presets, or ~/.config/facet/presets
//   3. environment  each directory of FACET_PRESET_PATH (colon-separated; earlier entries win)
//
// A preset in a higher-priority directory overrides one of the same name in a lower one.

import Foundation

/// A preset file found by name, and the lower-priority files of the same name it hides.
public struct PresetEntry: Sendable, Equatable {
    /// The preset's name (file name without extension).
    public let name: String
    /// The file that is used for this name.
    public let url: URL
    /// Where that file was found.
    public let origin: PresetOrigin
    /// Files of the same name this one overrides, nearest (next lower priority) first.
    public let overrides: [URL]

    /// Creates an entry.
    public init(name: String, url: URL, origin: PresetOrigin, overrides: [URL]) {
        self.name = name
        self.url = url
        self.origin = origin
        self.overrides = overrides
    }
}

/// The presets found in an ordered list of directories.
public struct PresetLibrary: Sendable {
    /// The directories searched, lowest priority first.
    public let searchDirectories: [(url: URL, origin: PresetOrigin)]

    /// The environment variable listing extra preset directories.
    public static let pathVariable = "FACET_PRESET_PATH"

    /// Creates a library over `searchDirectories`, lowest priority first; missing directories
    /// are skipped when listing.
    public init(searchDirectories: [(URL, PresetOrigin)]) {
        self.searchDirectories = searchDirectories.map { (url: $0.0.standardizedFileURL, origin: $0.1) }
    }

    /// The standard search path: system, then user, then `FACET_PRESET_PATH`.
    ///
    /// System directories are included only when they exist; the user directory and every
    /// `FACET_PRESET_PATH` entry are always listed, so "not found" errors name them.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> PresetLibrary {
        var directories: [(URL, PresetOrigin)] = []
        for system in systemDirectories() where isDirectory(system) {
            if !directories.contains(where: { $0.0.resolvingSymlinksInPath() == system.resolvingSymlinksInPath() }) {
                directories.append((system, .system))
            }
        }
        directories.append((userDirectory(environment: environment), .user))
        let extra = (environment[pathVariable] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        // Earlier entries win, like PATH: add them last, so they come highest.
        for path in extra.reversed() {
            directories.append((URL(fileURLWithPath: expandingTilde(path, environment: environment)), .environment))
        }
        return PresetLibrary(searchDirectories: directories)
    }

    /// The directories of presets shipped with Facet, lowest priority first: the source tree's
    /// `Presets/`, then an install's `<executable dir>/../share/facet/presets`.
    public static func systemDirectories() -> [URL] {
        var result: [URL] = []
        // A source build: this file is <root>/Sources/FacetHost/Presets/PresetLibrary.swift.
        let sourceRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        result.append(sourceRoot.appendingPathComponent("Presets", isDirectory: true))
        // An installed build (`make install`): its own presets win over a source tree's.
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            result.append(
                executable.deletingLastPathComponent()
                    .appendingPathComponent("../share/facet/presets").standardizedFileURL)
        }
        return result
    }

    /// `$XDG_CONFIG_HOME/facet/presets` when that is set to an absolute path, else `~/.config/facet/presets`.
    public static func userDirectory(environment: [String: String]) -> URL {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            return URL(fileURLWithPath: config).appendingPathComponent("facet/presets", isDirectory: true)
        }
        let home =
            environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path
        return URL(fileURLWithPath: home).appendingPathComponent(".config/facet/presets", isDirectory: true)
    }

    // MARK: - Listing

    /// Every preset name with the file used for it, sorted by name.
    public func list() -> [PresetEntry] {
        // Highest priority first, so the first file seen for a name is the one used.
        var found: [String: (url: URL, origin: PresetOrigin, overrides: [URL])] = [:]
        for (directory, origin) in searchDirectories.reversed() {
            for file in presetFiles(in: directory) {
                let name = file.deletingPathExtension().lastPathComponent
                if found[name] == nil {
                    found[name] = (file, origin, [])
                } else {
                    found[name]!.overrides.append(file)
                }
            }
        }
        return found.keys.sorted().map { name in
            let entry = found[name]!
            return PresetEntry(name: name, url: entry.url, origin: entry.origin, overrides: entry.overrides)
        }
    }

    /// The preset files of one directory: `*.yaml`, `*.yml`, `*.json`, not hidden, sorted by name
    /// and then by `PresetLoader.fileExtensions` order.
    private func presetFiles(in directory: URL) -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        let extensions = PresetLoader.fileExtensions
        return
            names
            .filter { !$0.hasPrefix(".") }
            .map { directory.appendingPathComponent($0) }
            .filter { extensions.contains($0.pathExtension.lowercased()) && !Self.isDirectory($0) }
            .sorted { a, b in
                let nameA = a.deletingPathExtension().lastPathComponent
                let nameB = b.deletingPathExtension().lastPathComponent
                if nameA != nameB { return nameA < nameB }
                return extensions.firstIndex(of: a.pathExtension.lowercased())!
                    < extensions.firstIndex(of: b.pathExtension.lowercased())!
            }
    }

    // MARK: - Resolving

    /// Whether `text` names a file rather than a preset: it contains `/` or ends in `.yaml`,
    /// `.yml` or `.json`.
    public static func isPath(_ text: String) -> Bool {
        text.contains("/") || PresetLoader.fileExtensions.contains { text.lowercased().hasSuffix("." + $0) }
    }

    /// Loads the preset called `nameOrPath`, or the file at that path (see `isPath`).
    ///
    /// A name not found gives `presetNotFound` listing the available names and the directories searched.
    public func resolve(_ nameOrPath: String, registry: EffectRegistry) throws(HostError) -> Preset {
        if Self.isPath(nameOrPath) {
            let path = Self.expandingTilde(nameOrPath, environment: ProcessInfo.processInfo.environment)
            return try PresetLoader.load(contentsOf: URL(fileURLWithPath: path), registry: registry, origin: .path)
        }
        let entries = list()
        if let entry = entries.first(where: { $0.name == nameOrPath }) {
            return try PresetLoader.load(contentsOf: entry.url, registry: registry, origin: entry.origin)
        }
        let available = entries.isEmpty ? "(none)" : entries.map(\.name).joined(separator: ", ")
        let searched = searchDirectories.reversed().map { directory, origin in
            "\(directory.path) (\(origin)\(Self.isDirectory(directory) ? "" : ", missing"))"
        }.joined(separator: "; ")
        throw HostError(
            .presetNotFound,
            "no preset named '\(nameOrPath)'; expected one of: \(available). Searched, highest priority first: \(searched.isEmpty ? "(no directories)" : searched)"
        )
    }

    // MARK: - Helpers

    private static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func expandingTilde(_ path: String, environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        return home + path.dropFirst()
    }
}
