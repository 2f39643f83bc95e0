import Foundation

/// Where a preset was found, lowest to highest priority.
public enum PresetOrigin: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// Shipped with Facet (the repository's `Presets/`, or `share/facet/presets` of an install).
    case system
    /// The user's own directory (`$XDG_CONFIG_HOME/facet/presets` or `~/.config/facet/presets`).
    case user
    /// A directory listed in `FACET_PRESET_PATH`.
    case environment
    /// A file named by its path rather than found by name.
    case path

    /// `system`, `user`, `environment` or `path`.
    public var description: String { rawValue }
}

/// A named, validated effect chain loaded from a preset file.
public struct Preset: Sendable, CustomStringConvertible {
    /// The file name without its extension (`look-left` for `look-left.yaml`).
    public let name: String
    /// One line saying what the preset does (empty when the file gives none).
    public let summary: String
    /// The preset format version the file declares.
    public let format: Int
    /// The validated chain.
    public let chain: EffectChain
    /// The file it was read from.
    public let url: URL
    /// Where it was found.
    public let origin: PresetOrigin

    /// Creates a preset.
    public init(name: String, summary: String, format: Int, chain: EffectChain, url: URL, origin: PresetOrigin) {
        self.name = name
        self.summary = summary
        self.format = format
        self.chain = chain
        self.url = url
        self.origin = origin
    }

    /// `name — summary`.
    public var description: String {
        summary.isEmpty ? name : "\(name) — \(summary)"
    }
}
