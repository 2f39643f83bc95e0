// A read-only ZIP reader for `torch.save` archives, written from PKWARE's APPNOTE.TXT (6.3.x):
// end-of-central-directory record (4.3.16), ZIP64 locator and record (4.3.14-15), central
// directory headers (4.3.12), local file headers (4.3.7) and the ZIP64 extra field (4.5.3).
// STORED (method 0) entries are read in place, as torch writes them; DEFLATE (method 8) entries,
// from re-zipped checkpoints, are inflated into memory (FacetCompression's `Inflate`).

import FacetCompression

/// Reads little-endian integers from a byte buffer with bounds checks.
struct ZipByteCursor {
    /// The bytes read from.
    let bytes: UnsafeRawBufferPointer
    /// The next byte to read.
    var offset: Int

    /// Whether `count` more bytes are available.
    func has(_ count: Int) -> Bool { count >= 0 && offset <= bytes.count - count }

    /// The unsigned little-endian integer of `width` bytes at `offset` (no bounds check: call `has`).
    func peekUnsigned(_ width: Int, at position: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in stride(from: width - 1, through: 0, by: -1) {
            value = value << 8 | UInt64(bytes[position + index])
        }
        return value
    }

    /// Reads a `UInt16`/`UInt32`/`UInt64` (by `width`) and advances; nil past the end.
    mutating func readUnsigned(_ width: Int) -> UInt64? {
        guard has(width) else { return nil }
        let value = peekUnsigned(width, at: offset)
        offset += width
        return value
    }
}

/// The CRC-32 (ISO-HDLC, polynomial 0xEDB88320 reflected) that zip stores for every entry.
enum ZipCRC32 {
    /// The 256-entry byte table.
    private static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    /// The checksum of `bytes`.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            return crc ^ 0xFFFF_FFFF
        }
    }
}

/// Owns the decompressed bytes of DEFLATE entries for as long as the archive that read them.
final class ZipInflatedStore {
    private var buffers: [UnsafeMutableRawBufferPointer] = []

    /// Copies `bytes` into memory owned by the store and returns a view of it.
    func keep(_ bytes: [UInt8]) -> UnsafeRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { source in buffer.copyMemory(from: source) }
        buffers.append(buffer)
        return UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count])
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }
}

/// The entries of a zip archive held in memory, read through its central directory.
///
/// The buffer must outlive the archive value (it is used inside one `withUnsafeBytes`).
struct ZipArchive {
    /// One central-directory entry.
    struct Entry {
        /// The stored name, e.g. `archive/data/0`.
        var name: String
        /// The general-purpose bit flags (bit 0: encrypted).
        var flags: UInt16
        /// 0 stored, 8 deflate, others.
        var method: UInt16
        /// CRC-32 of the uncompressed bytes.
        var crc32: UInt32
        /// Size as stored in the archive.
        var compressedSize: Int
        /// Size after decompression.
        var uncompressedSize: Int
        /// Offset of the entry's local header from the start of the file.
        var localHeaderOffset: Int
    }

    /// The whole file.
    let bytes: UnsafeRawBufferPointer
    /// The file, for error messages.
    let path: String
    /// All entries in central-directory order.
    private(set) var entries: [Entry] = []
    /// Entry index by name.
    private var indexByName: [String: Int] = [:]
    /// Owns the bytes of inflated (DEFLATE) entries.
    private let inflated = ZipInflatedStore()

    private static let endOfCentralDirectorySignature: UInt64 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt64 = 0x0706_4B50
    private static let zip64EndSignature: UInt64 = 0x0606_4B50
    private static let centralHeaderSignature: UInt64 = 0x0201_4B50
    private static let localHeaderSignature: UInt64 = 0x0403_4B50

    /// Reads the central directory of the archive in `bytes`.
    init(bytes: UnsafeRawBufferPointer, path: String) throws(NeuralError) {
        self.bytes = bytes
        self.path = path
        let directory = try Self.locateCentralDirectory(bytes, path: path)
        var cursor = ZipByteCursor(bytes: bytes, offset: directory.offset)
        for ordinal in 0..<directory.entryCount {
            let entry = try readCentralHeader(&cursor, ordinal: ordinal, of: directory.entryCount)
            indexByName[entry.name] = entries.count
            entries.append(entry)
        }
    }

    /// The entry called `name`, if any.
    func entry(named name: String) -> Entry? { indexByName[name].map { entries[$0] } }

    /// The bytes of an entry (STORED, or DEFLATE inflated into memory the archive owns), checked
    /// against its CRC-32. Valid as long as both `bytes` and this archive are.
    func contents(of entry: Entry) throws(NeuralError) -> UnsafeRawBufferPointer {
        if entry.flags & 1 != 0 {
            throw NeuralError(.unsupported, "zip entry '\(entry.name)' is encrypted; expected a plain entry", path: path)
        }
        guard entry.method == 0 || entry.method == 8 else {
            throw NeuralError(
                .unsupported,
                "zip entry '\(entry.name)' is compressed with method \(entry.method); only STORED (0) and DEFLATE (8) "
                    + "are supported. Re-save the checkpoint with torch.save instead of re-zipping it",
                path: path)
        }
        if entry.method == 0, entry.compressedSize != entry.uncompressedSize {
            throw malformed(
                "STORED entry '\(entry.name)' has compressed size \(entry.compressedSize) but uncompressed size \(entry.uncompressedSize); they must be equal"
            )
        }
        var cursor = ZipByteCursor(bytes: bytes, offset: entry.localHeaderOffset)
        guard cursor.has(30) else {
            throw truncated("local header of '\(entry.name)' at offset \(entry.localHeaderOffset) lies past the end")
        }
        guard cursor.readUnsigned(4) == Self.localHeaderSignature else {
            throw malformed("no local file header signature at offset \(entry.localHeaderOffset) for entry '\(entry.name)'")
        }
        let nameLength = Int(cursor.peekUnsigned(2, at: entry.localHeaderOffset + 26))
        let extraLength = Int(cursor.peekUnsigned(2, at: entry.localHeaderOffset + 28))
        let start = entry.localHeaderOffset + 30 + nameLength + extraLength
        guard start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw truncated("entry '\(entry.name)' needs bytes \(start)..<\(start + entry.compressedSize)")
        }
        var contents = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + entry.compressedSize)])
        if entry.method == 8 {
            do {
                contents = inflated.keep(try Inflate.raw(contents, expectedSize: entry.uncompressedSize))
            } catch {
                throw NeuralError(.malformed, "DEFLATE data of entry '\(entry.name)' is corrupt", path: path, cause: error)
            }
        }
        let computed = ZipCRC32.checksum(contents)
        guard computed == entry.crc32 else {
            throw malformed(
                "CRC-32 of entry '\(entry.name)' is \(hex(computed)) but the directory records \(hex(entry.crc32)): the file is corrupt")
        }
        return contents
    }

    // MARK: - Central directory

    /// Finds the end-of-central-directory record (and the ZIP64 one when present).
    private static func locateCentralDirectory(
        _ bytes: UnsafeRawBufferPointer, path: String
    ) throws(NeuralError) -> (offset: Int, size: Int, entryCount: Int) {
        let cursor = ZipByteCursor(bytes: bytes, offset: 0)
        // The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
        var recordOffset: Int?
        var candidate = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while candidate >= lowest {
            if cursor.peekUnsigned(4, at: candidate) == endOfCentralDirectorySignature,
                Int(cursor.peekUnsigned(2, at: candidate + 20)) == bytes.count - candidate - 22
            {
                recordOffset = candidate
                break
            }
            candidate -= 1
        }
        guard let record = recordOffset else {
            let startsLikeZip = bytes.count >= 4 && cursor.peekUnsigned(4, at: 0) == localHeaderSignature
            let message =
                startsLikeZip
                ? "the file starts like a zip archive but has no end-of-central-directory record: it is truncated (\(bytes.count) bytes)"
                : "not a zip archive: no end-of-central-directory record in the last bytes (file of \(bytes.count) bytes)"
            throw NeuralError(.malformed, message, path: path)
        }
        var entryCount = Int(cursor.peekUnsigned(2, at: record + 10))
        var size = Int(cursor.peekUnsigned(4, at: record + 12))
        var offset = Int(cursor.peekUnsigned(4, at: record + 16))
        let locator = record - 20
        if locator >= 0, cursor.peekUnsigned(4, at: locator) == zip64LocatorSignature {
            let zip64Record = cursor.peekUnsigned(8, at: locator + 8)
            guard bytes.count >= 56, zip64Record <= UInt64(bytes.count - 56),
                cursor.peekUnsigned(4, at: Int(zip64Record)) == zip64EndSignature
            else {
                throw NeuralError(
                    .malformed,
                    "the ZIP64 locator points to offset \(zip64Record), where there is no ZIP64 end-of-central-directory record", path: path
                )
            }
            let base = Int(zip64Record)
            guard let count = Int(exactly: cursor.peekUnsigned(8, at: base + 32)),
                let directorySize = Int(exactly: cursor.peekUnsigned(8, at: base + 40)),
                let directoryOffset = Int(exactly: cursor.peekUnsigned(8, at: base + 48))
            else {
                throw NeuralError(.malformed, "ZIP64 end-of-central-directory values do not fit in 64-bit integers", path: path)
            }
            (entryCount, size, offset) = (count, directorySize, directoryOffset)
        } else if entryCount == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            throw NeuralError(.malformed, "the end-of-central-directory record defers to ZIP64 but there is no ZIP64 locator", path: path)
        }
        guard offset <= bytes.count, size <= bytes.count - offset else {
            throw NeuralError(
                .malformed,
                "the central directory (bytes \(offset)..<\(offset + size)) lies beyond the end of the file (\(bytes.count) bytes): it is truncated",
                path: path)
        }
        return (offset, size, entryCount)
    }

    /// Reads one central-directory header at `cursor` and advances past it.
    private func readCentralHeader(_ cursor: inout ZipByteCursor, ordinal: Int, of total: Int) throws(NeuralError) -> Entry {
        let start = cursor.offset
        guard cursor.has(46) else { throw truncated("central directory entry \(ordinal + 1) of \(total) at offset \(start) is cut off") }
        guard cursor.peekUnsigned(4, at: start) == Self.centralHeaderSignature else {
            throw malformed("central directory entry \(ordinal + 1) of \(total): expected signature PK\\1\\2 at offset \(start)")
        }
        let flags = UInt16(cursor.peekUnsigned(2, at: start + 8))
        let method = UInt16(cursor.peekUnsigned(2, at: start + 10))
        let crc = UInt32(cursor.peekUnsigned(4, at: start + 16))
        var compressed = cursor.peekUnsigned(4, at: start + 20)
        var uncompressed = cursor.peekUnsigned(4, at: start + 24)
        let nameLength = Int(cursor.peekUnsigned(2, at: start + 28))
        let extraLength = Int(cursor.peekUnsigned(2, at: start + 30))
        let commentLength = Int(cursor.peekUnsigned(2, at: start + 32))
        var localOffset = cursor.peekUnsigned(4, at: start + 42)
        cursor.offset = start + 46
        guard cursor.has(nameLength + extraLength + commentLength) else {
            throw truncated("central directory entry \(ordinal + 1) of \(total) at offset \(start) is cut off")
        }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[cursor.offset..<(cursor.offset + nameLength)]), as: UTF8.self)
        var extra = ZipByteCursor(
            bytes: UnsafeRawBufferPointer(rebasing: bytes[(cursor.offset + nameLength)..<(cursor.offset + nameLength + extraLength)]),
            offset: 0)
        cursor.offset += nameLength + extraLength + commentLength

        // ZIP64 extended information (header ID 1): 8-byte values for the fields saturated at 0xFFFFFFFF, in order.
        while let headerID = extra.readUnsigned(2), let dataSize = extra.readUnsigned(2) {
            let fieldEnd = extra.offset + Int(dataSize)
            guard fieldEnd <= extra.bytes.count else { throw malformed("extra field of entry '\(name)' is cut off") }
            if headerID == 1 {
                if uncompressed == 0xFFFF_FFFF { uncompressed = try zip64Value(&extra, end: fieldEnd, entry: name) }
                if compressed == 0xFFFF_FFFF { compressed = try zip64Value(&extra, end: fieldEnd, entry: name) }
                if localOffset == 0xFFFF_FFFF { localOffset = try zip64Value(&extra, end: fieldEnd, entry: name) }
            }
            extra.offset = fieldEnd
        }
        guard let compressedSize = Int(exactly: compressed), let uncompressedSize = Int(exactly: uncompressed),
            let localHeaderOffset = Int(exactly: localOffset)
        else {
            throw malformed("sizes of entry '\(name)' exceed 64-bit integers")
        }
        return Entry(
            name: name, flags: flags, method: method, crc32: crc, compressedSize: compressedSize,
            uncompressedSize: uncompressedSize, localHeaderOffset: localHeaderOffset)
    }

    /// The next 8-byte value of a ZIP64 extra field.
    private func zip64Value(_ extra: inout ZipByteCursor, end: Int, entry: String) throws(NeuralError) -> UInt64 {
        guard extra.offset + 8 <= end, let value = extra.readUnsigned(8) else {
            throw malformed("the ZIP64 extra field of entry '\(entry)' is too short for the values its header defers to it")
        }
        return value
    }

    // MARK: - Errors

    private func malformed(_ message: String) -> NeuralError { NeuralError(.malformed, message, path: path) }

    private func truncated(_ message: String) -> NeuralError {
        NeuralError(.malformed, "the zip archive is truncated: \(message) (file of \(bytes.count) bytes)", path: path)
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: true) }
}
