import ArgumentParser

/// `facet plugins`: the plugin libraries facet finds, one library's identity and effects, the
/// checker plugin authors run in CI, and a new plugin package to start from. (Each subcommand is
/// in its own file.)
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Make, list, describe and check effect plugin libraries (see Docs/Plugins.md).",
        subcommands: [PluginsNew.self, PluginsList.self, PluginsInfo.self, PluginsCheck.self, PluginsCheckEffect.self]
    )
}
