// The one registration line: the library's identity and its effects, exported through the C
// ABI of facet_plugin.h by FacetPluginKit.
import FacetExamples
import FacetPluginKit
import FacetSDK

/// The entry point `facet` looks up in libFacetExamples.so.
@_cdecl("facet_plugin_entry")
public func facetPluginEntry(_ hostAPIVersion: UInt32) -> UnsafeRawPointer? {
    FacetPluginExport.entry(
        hostAPIVersion: hostAPIVersion, plugin: PluginIdentity(id: "org.facet.examples", version: EffectVersion(1, 0, 0)),
        effects: [GazeToCamera.self, BeatNod.self])
}
