import Foundation

/// Reads a weights file by its extension: safetensors (`.safetensors`, and anything not listed
/// below) or a PyTorch checkpoint saved with `torch.save` (`.pt`, `.pth`, `.ckpt`), read directly
/// with no Python: for a checkpoint, the entry `checkpointKey` (PIRender's `net_G_ema`) with any
/// `module.` prefix removed.
public enum WeightFiles {
    /// File extensions read as PyTorch checkpoints.
    public static let checkpointExtensions: Set<String> = ["pt", "pth", "ckpt"]

    /// The tensors (and, for safetensors, the metadata) of `url`.
    public static func load(_ url: URL, checkpointKey: String = "net_G_ema") throws(NeuralError) -> TensorFile {
        if checkpointExtensions.contains(url.pathExtension.lowercased()) {
            return try TorchCheckpoint.load(url, key: checkpointKey)
        }
        return try Safetensors.read(url)
    }
}
