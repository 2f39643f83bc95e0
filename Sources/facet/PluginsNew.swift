import ArgumentParser
import FacetHost
import Foundation

/// `facet plugins new NAME`: writes a Swift plugin package with one effect, ready to build and load.
struct PluginsNew: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Write a new Swift plugin package: one effect with its parameter table, a test and a README.",
        discussion: """
            The package depends on Facet's FacetSDK and FacetPluginKit products: by path on the \
            checkout given with --facet, else on the checkout this facet was built from when it \
            is still there, else by URL and this facet's version. It builds with `swift build` \
            into a library `facet` loads from a directory on FACET_PLUGIN_PATH (Docs/Plugins.md, \
            "Your first plugin in under ten commands").

            Examples:
              facet plugins new soft-tilt
              facet plugins new soft-tilt --facet ~/src/facet -o plugins/soft-tilt
            """)

    @Argument(help: "The effect's name as chains use it: lower-case words joined by '-', e.g. soft-tilt.")
    var name: String

    @Option(
        name: .long, help: "A Facet checkout to depend on by path (default: the one this facet was built from).", completion: .directory)
    var facet: String?

    @Option(name: .shortAndLong, help: "The directory to write, new or empty (default: ./NAME).", completion: .directory)
    var output: String?

    func run() throws {
        do {
            let dependency: PluginTemplate.FacetDependency
            if let facet {
                dependency = .path(try PluginTemplate.checkout(at: facet).path)
            } else if let checkout = PluginTemplate.sourceCheckout() {
                dependency = .path(checkout.path)
            } else {
                dependency = .url(PluginTemplate.facetURL, from: FacetVersion.current)
            }
            let template = try PluginTemplate(name: name, dependency: dependency)
            let directory = URL(fileURLWithPath: output ?? name, isDirectory: true).standardizedFileURL
            try template.write(into: directory)
            Terminal.line("wrote the plugin package \(name) in \(directory.path):")
            for file in template.files { Terminal.line("  \(file.path)") }
            switch dependency {
            case .path(let path): Terminal.line("It depends on the Facet checkout \(path).")
            case .url(let url, let version): Terminal.line("It depends on Facet \(version) or later from \(url).")
            }
            Terminal.line("Next:")
            Terminal.line("  cd \(Self.shellWord(output ?? name)) && swift build && swift test")
            Terminal.line("  export FACET_PLUGIN_PATH=$PWD/.build/debug")
            Terminal.line("  facet effects \(name)")
        } catch {
            throw ExitCode(FacetCLI.report(error))
        }
    }

    /// `text` as one word for a POSIX shell: as it is when it holds only safe characters, else in
    /// single quotes (a quote inside written `'\''`), so the printed `cd` works when pasted.
    static func shellWord(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+=:@%")
        if !text.isEmpty, text.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
