import Foundation

/// Reads the tensors of a PyTorch `torch.save` checkpoint without Python.
///
/// Supported: the zip format torch has written by default since 1.6 (`<archive>/data.pkl`, storage
/// blobs `<archive>/data/<key>`, `<archive>/byteorder`), STORED and DEFLATE entries, ZIP64, pickle
/// protocols 0-5 restricted to what `torch.save` emits, `collections.OrderedDict`,
/// `torch._utils._rebuild_tensor_v2` / `_rebuild_tensor` / `_rebuild_parameter` with any strides,
/// and float32, float16, bfloat16, float64 (and integer / bool) storages, all converted to Float.
/// Nothing in the file is executed: a global the reader does not know becomes an inert placeholder,
/// and loading fails, naming it, if it is part of the requested state_dict.
///
/// ```swift
/// let weights = try TorchCheckpoint.load(URL(fileURLWithPath: "epoch_00190_iteration_000400000_checkpoint.pt"))
/// let conv = weights.tensors["editing_net.decoder.final.model.0.weight"]  // (3, 16, 7, 7) in the small config
/// ```
public enum TorchCheckpoint {
    /// The prefix `torch.nn.DataParallel` / `DistributedDataParallel` put before every key.
    public static let wrapperPrefix = "module."

    /// Loads the state_dict stored under `key` of the checkpoint at `url` (PIRenderer's generator
    /// weights are under `net_G_ema`), or the whole file if it is itself a bare state_dict.
    ///
    /// Every key loses a leading `module.`. The result's metadata is empty (checkpoints carry no
    /// config). Throws a `NeuralError` naming what was wrong: a missing file, a truncated or
    /// non-zip file, an unsupported compression method, a missing `data.pkl` or storage blob, a storage too
    /// small for a tensor, an unsupported opcode (byte and offset), or a value that is not a tensor.
    public static func load(_ url: URL, key: String = "net_G_ema") throws(NeuralError) -> TensorFile {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw NeuralError(.fileNotFound, "no PyTorch checkpoint at this path", path: path)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw NeuralError(.fileNotFound, "cannot read the checkpoint", path: path, cause: error)
        }
        let result = data.withUnsafeBytes { bytes in
            Result { () throws(NeuralError) -> TensorFile in try read(bytes, key: key, path: path) }
        }
        return try result.get()
    }

    // MARK: - Archive

    /// Reads the checkpoint held in `bytes`.
    static func read(_ bytes: UnsafeRawBufferPointer, key: String, path: String) throws(NeuralError) -> TensorFile {
        if bytes.count >= 2, bytes[0] == 0x80, bytes[1] <= 5 {
            throw NeuralError(
                .unsupported,
                "this is a legacy torch.save file (a bare pickle, written by torch before 1.6 or with "
                    + "_use_new_zipfile_serialization=False); expected the zip format. Re-save it with a current torch",
                path: path)
        }
        let archive = try ZipArchive(bytes: bytes, path: path)
        // Inflated entries live in memory the archive owns: keep it alive until every tensor is read.
        defer { withExtendedLifetime(archive) {} }
        let pickleEntry = try findDataPickle(in: archive, path: path)
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        let bigEndian = try readByteOrder(archive, prefix: prefix, path: path)

        let program = try archive.contents(of: pickleEntry)
        var machine = PickleMachine(
            program: program, path: path, entryName: pickleEntry.name,
            call: { module, name, arguments, offset throws(NeuralError) in
                try callGlobal(module: module, name: name, arguments: arguments, offset: offset, path: path)
            },
            persistentLoad: { persistentID, offset throws(NeuralError) in
                try loadStorage(persistentID, offset: offset, path: path)
            })
        let root = try machine.run()
        let stateDict = try selectStateDict(root, key: key, path: path)
        return TensorFile(tensors: try readTensors(stateDict, archive: archive, prefix: prefix, bigEndian: bigEndian, path: path))
    }

    /// The `<archive>/data.pkl` entry (the archive folder is named after the file when saved).
    private static func findDataPickle(in archive: ZipArchive, path: String) throws(NeuralError) -> ZipArchive.Entry {
        let candidates = archive.entries.filter { entry in
            entry.name == "data.pkl" || (entry.name.hasSuffix("/data.pkl") && entry.name.filter { $0 == "/" }.count == 1)
        }
        guard candidates.count == 1, let entry = candidates.first else {
            let names = archive.entries.prefix(8).map { "'\($0.name)'" }.joined(separator: ", ")
            let found =
                candidates.isEmpty
                ? "has no '<archive>/data.pkl' entry"
                : "has \(candidates.count) data.pkl entries (\(candidates.map(\.name).joined(separator: ", ")))"
            throw NeuralError(
                .malformed,
                "the zip archive \(found); expected exactly one, as torch.save writes it "
                    + "(\(archive.entries.count) entries: \(names)\(archive.entries.count > 8 ? ", ..." : ""))",
                path: path)
        }
        return entry
    }

    /// Whether storages are big-endian, from `<archive>/byteorder` (absent in files before torch 1.10: little).
    private static func readByteOrder(_ archive: ZipArchive, prefix: String, path: String) throws(NeuralError) -> Bool {
        guard let entry = archive.entry(named: prefix + "byteorder") else { return false }
        let text = String(decoding: try archive.contents(of: entry), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        switch text {
        case "little": return false
        case "big": return true
        default:
            throw NeuralError(.malformed, "'\(entry.name)' says '\(text)'; expected 'little' or 'big'", path: path)
        }
    }

    // MARK: - Pickle hooks

    /// Builds the objects of the safe subset; anything else becomes an inert placeholder.
    private static func callGlobal(
        module: String, name: String, arguments: [PickleValue],
        offset: Int, path: String
    ) throws(NeuralError) -> PickleValue {
        func malformed(_ message: String) -> NeuralError {
            NeuralError(.malformed, "data.pkl offset \(offset): \(module).\(name) \(message)", path: path)
        }
        switch (module, name) {
        case ("collections", "OrderedDict"), ("builtins", "dict"):
            let dict = PickleDict()
            if let pairs = arguments.first {
                let items: [PickleValue]
                switch pairs {
                case .list(let list): items = list.items
                case .tuple(let tuple): items = tuple
                default: throw malformed("expects a list of (key, value) pairs, got \(pairs.kindDescription)")
                }
                for item in items {
                    guard case .tuple(let pair) = item, pair.count == 2 else {
                        throw malformed("expects (key, value) pairs, got \(item.kindDescription)")
                    }
                    dict.set(pair[0], pair[1])
                }
            }
            return .dict(dict)

        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
            guard arguments.count >= 4 else {
                throw malformed("needs at least 4 arguments (storage, offset, size, stride), got \(arguments.count)")
            }
            guard case .storage(let storage) = arguments[0] else {
                throw malformed("expects a storage first, got \(arguments[0].kindDescription)")
            }
            guard case .int(let storageOffset) = arguments[1] else {
                throw malformed("expects an integer storage offset, got \(arguments[1].kindDescription)")
            }
            guard let shape = integers(arguments[2]) else {
                throw malformed("expects a tuple of integer sizes, got \(arguments[2].kindDescription)")
            }
            guard let strides = integers(arguments[3]) else {
                throw malformed("expects a tuple of integer strides, got \(arguments[3].kindDescription)")
            }
            return .tensor(TorchTensorReference(storage: storage, storageOffset: storageOffset, shape: shape, strides: strides))

        case ("_codecs", "encode"):
            // Protocol 2 pickles bytes as _codecs.encode(text, 'latin1').
            guard arguments.count == 2, case .string(let text) = arguments[0] else { throw malformed("expects (str, encoding)") }
            return .bytes(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })

        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            // (data, requires_grad, backward_hooks[, state]): a Parameter is its data tensor.
            guard let data = arguments.first, case .tensor = data else {
                throw malformed("expects a tensor first, got \(arguments.first?.kindDescription ?? "no arguments")")
            }
            return data

        default:
            return .opaque("\(module).\(name)")
        }
    }

    /// Resolves `('storage', torch.XStorage, key, location, numel)`.
    private static func loadStorage(_ persistentID: PickleValue, offset: Int, path: String) throws(NeuralError) -> PickleValue {
        func malformed(_ message: String) -> NeuralError {
            NeuralError(
                .malformed,
                "data.pkl offset \(offset): persistent id \(message); expected ('storage', torch.XStorage, key, location, numel)",
                path: path)
        }
        guard case .tuple(let fields) = persistentID, fields.count == 5 else { throw malformed("is \(persistentID.kindDescription)") }
        guard case .string("storage") = fields[0] else { throw malformed("does not start with 'storage'") }
        guard case .global(let module, let typeName) = fields[1] else {
            throw malformed("has \(fields[1].kindDescription) as its storage type")
        }
        guard module == "torch", let scalarType = TorchScalarType(rawValue: typeName) else {
            let known = TorchScalarType.allCases.map { "torch.\($0.rawValue)" }.joined(separator: ", ")
            throw NeuralError(
                .unsupported, "data.pkl offset \(offset): storage type \(module).\(typeName) is not supported; expected one of \(known)",
                path: path)
        }
        let key: String
        switch fields[2] {
        case .string(let text): key = text
        case .int(let number): key = String(number)
        default: throw malformed("has \(fields[2].kindDescription) as its key")
        }
        guard case .int(let elementCount) = fields[4], elementCount >= 0 else { throw malformed("has no element count") }
        var location = ""
        if case .string(let text) = fields[3] { location = text }
        return .storage(TorchStorageReference(key: key, scalarType: scalarType, location: location, elementCount: elementCount))
    }

    /// The integers of a tuple (or list), or nil.
    private static func integers(_ value: PickleValue) -> [Int]? {
        let items: [PickleValue]
        switch value {
        case .tuple(let tuple): items = tuple
        case .list(let list): items = list.items
        default: return nil
        }
        var result: [Int] = []
        for item in items {
            guard case .int(let number) = item else { return nil }
            result.append(number)
        }
        return result
    }

    // MARK: - State dict

    /// The dict under `key`, or `root` itself when it is a bare state_dict (only tensors).
    private static func selectStateDict(_ root: PickleValue, key: String, path: String) throws(NeuralError) -> PickleDict {
        guard case .dict(let top) = root else {
            throw NeuralError(
                .incompatible, "the checkpoint holds \(root.kindDescription); expected a dict (a state_dict or a dict containing '\(key)')",
                path: path)
        }
        if let entry = top[key] {
            guard case .dict(let stateDict) = entry else {
                throw NeuralError(
                    .incompatible, "entry '\(key)' is \(entry.kindDescription); expected a state_dict (a dict of tensors)", path: path)
            }
            return stateDict
        }
        let isBareStateDict =
            !top.items.isEmpty
            && top.items.allSatisfy { item in
                if case .tensor = item.value { return true }
                return false
            }
        if isBareStateDict { return top }
        let keys = top.items.map { item -> String in
            if case .string(let text) = item.key { return "'\(text)' (\(item.value.kindDescription))" }
            return item.key.kindDescription
        }
        throw NeuralError(
            .incompatible,
            "the checkpoint has no entry '\(key)' and is not a bare state_dict; its top-level keys are: "
                + (keys.isEmpty ? "(none)" : keys.joined(separator: ", ")),
            path: path)
    }

    /// Reads every tensor of `stateDict`, stripping `module.` from the keys.
    private static func readTensors(
        _ stateDict: PickleDict, archive: ZipArchive, prefix: String,
        bigEndian: Bool, path: String
    ) throws(NeuralError) -> [String: StoredTensor] {
        var tensors: [String: StoredTensor] = [:]
        var originalKeys: [String: String] = [:]
        var blobs: [String: UnsafeRawBufferPointer] = [:]
        for (keyValue, value) in stateDict.items {
            guard case .string(let originalKey) = keyValue else {
                throw NeuralError(.incompatible, "the state_dict has \(keyValue.kindDescription) key; expected string keys", path: path)
            }
            guard case .tensor(let tensor) = value else {
                throw NeuralError(
                    .incompatible, "state_dict entry '\(originalKey)' is \(value.kindDescription); expected a tensor", path: path)
            }
            let name = originalKey.hasPrefix(wrapperPrefix) ? String(originalKey.dropFirst(wrapperPrefix.count)) : originalKey
            if let earlier = originalKeys[name] {
                throw NeuralError(
                    .incompatible,
                    "state_dict keys '\(earlier)' and '\(originalKey)' both become '\(name)' once '\(wrapperPrefix)' is stripped",
                    path: path)
            }
            originalKeys[name] = originalKey

            let blobName = prefix + "data/" + tensor.storage.key
            let blob: UnsafeRawBufferPointer
            if let cached = blobs[blobName] {
                blob = cached
            } else {
                guard let entry = archive.entry(named: blobName) else {
                    throw NeuralError(
                        .malformed, "storage blob '\(blobName)' of tensor '\(originalKey)' is missing from the archive", path: path)
                }
                blob = try archive.contents(of: entry)
                blobs[blobName] = blob
            }
            tensors[name] = try tensor.materialize(name: originalKey, blob: blob, blobName: blobName, bigEndian: bigEndian, path: path)
        }
        return tensors
    }
}
