import ArgumentParser

/// `facet plugins`: making and checking effect plugins.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Work with effect plugins (see Docs/Plugins.md).",
        subcommands: [PluginsNew.self])
}
