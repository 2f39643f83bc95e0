import AudioSync
import DirectEdit
import FacetSDK
import Reenactment

/// The effects that ship with Facet and link statically into the host.
public enum BuiltInEffects {
    /// Every in-tree effect type.
    public static let all: [any FaceEffect.Type] = [
        DirectEdit.self, Reenactment.self, AudioSync.self,
    ]
}
