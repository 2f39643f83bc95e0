import ArgumentParser

/// `facet plugins`: the plugin libraries facet finds, one library's identity and effects, and
/// the checker plugin authors run in CI. (Each subcommand is in its own file.)
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List, describe and check effect plugin libraries.",
        subcommands: [PluginsList.self, PluginsInfo.self, PluginsCheck.self, PluginsCheckEffect.self]
    )
}
