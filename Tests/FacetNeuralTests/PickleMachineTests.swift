import Foundation
import XCTest

@testable import FacetNeural

/// `PickleMachine` on pickles written by CPython's `pickle.dumps` at protocols 2, 4 and 5 of
/// `{'a': [1, -2, 3.5, True, None, 'x', b'yz', (1, 2)], 'big': 2**40, 'neg': -300,
///   'od': OrderedDict([('k', 7)]), 'shared': (lst, lst)}` with `lst = [9]`.
final class PickleMachineTests: XCTestCase {
    private let pickles = [
        2:
            "gAJ9cQAoWAEAAABhcQFdcQIoSwFK/v///0dADAAAAAAAAIhOWAEAAAB4cQNjX2NvZGVjcwplbmNvZGUKcQRYAgAAAHl6cQVYBgAAAGxhdGluMXEGhnEHUnEISwFLAoZxCWVYAwAAAGJpZ3EKigYAAAAAAAFYAwAAAG5lZ3ELStT+//9YAgAAAG9kcQxjY29sbGVjdGlvbnMKT3JkZXJlZERpY3QKcQ0pUnEOWAEAAABrcQ9LB3NYBgAAAHNoYXJlZHEQXXERSwlhaBGGcRJ1Lg==",
        4:
            "gASVhgAAAAAAAAB9lCiMAWGUXZQoSwFK/v///0dADAAAAAAAAIhOjAF4lEMCeXqUSwFLAoaUZYwDYmlnlIoGAAAAAAABjANuZWeUStT+//+MAm9klIwLY29sbGVjdGlvbnOUjAtPcmRlcmVkRGljdJSTlClSlIwBa5RLB3OMBnNoYXJlZJRdlEsJYWgPhpR1Lg==",
        5:
            "gAWVhgAAAAAAAAB9lCiMAWGUXZQoSwFK/v///0dADAAAAAAAAIhOjAF4lEMCeXqUSwFLAoaUZYwDYmlnlIoGAAAAAAABjANuZWeUStT+//+MAm9klIwLY29sbGVjdGlvbnOUjAtPcmRlcmVkRGljdJSTlClSlIwBa5RLB3OMBnNoYXJlZJRdlEsJYWgPhpR1Lg==",
    ]

    /// Every protocol decodes to the same values; the memo shares one list between two tuple slots.
    func testCPythonPicklesOfEveryProtocolDecode() throws {
        for (protocolVersion, base64) in pickles.sorted(by: { $0.key < $1.key }) {
            let root = try run(try XCTUnwrap(Data(base64Encoded: base64)))
            guard case .dict(let dict) = root else { return XCTFail("protocol \(protocolVersion): root is \(root.kindDescription)") }
            guard case .list(let list) = dict["a"] else { return XCTFail("protocol \(protocolVersion): 'a' is not a list") }
            XCTAssertEqual(list.items.count, 8)
            XCTAssertEqual(
                describe(list.items),
                ["int 1", "int -2", "float 3.5", "bool true", "None", "str x", "bytes [121, 122]", "tuple [int 1, int 2]"],
                "protocol \(protocolVersion)")
            XCTAssertEqual(dict["big"].map { describe([$0]) }, ["int 1099511627776"])
            XCTAssertEqual(dict["neg"].map { describe([$0]) }, ["int -300"])
            guard case .dict(let ordered) = dict["od"], case .int(7) = ordered["k"] else {
                return XCTFail("protocol \(protocolVersion): 'od' is not {'k': 7}")
            }
            guard case .tuple(let shared) = dict["shared"], shared.count == 2,
                case .list(let first) = shared[0], case .list(let second) = shared[1]
            else { return XCTFail("protocol \(protocolVersion): 'shared'") }
            XCTAssertTrue(first === second, "protocol \(protocolVersion): the memo should return the same list object")
            XCTAssertEqual(describe(first.items), ["int 9"])
        }
    }

    /// A pickle that ends without STOP, or pops an empty stack, fails with the offset.
    func testMalformedProgramsReportTheOffset() throws {
        XCTAssertThrowsError(try run(Data([0x80, 2, 0x7D]))) { error in
            XCTAssertTrue("\(error)".contains("without a STOP"), "\(error)")
        }
        XCTAssertThrowsError(try run(Data([0x80, 2, 0x2E]))) { error in
            XCTAssertTrue("\(error)".contains("offset 2"), "\(error)")
        }
        XCTAssertThrowsError(try run(Data([0x80, 2, 0x68, 5, 0x2E]))) { error in
            XCTAssertTrue("\(error)".contains("memo entry 5"), "\(error)")
        }
    }

    // MARK: - Helpers

    private func run(_ program: Data) throws -> PickleValue {
        try program.withUnsafeBytes { bytes in
            var machine = PickleMachine(
                program: bytes, path: "test.pkl", entryName: "data.pkl",
                call: { module, name, arguments, _ throws(NeuralError) in
                    switch (module, name) {
                    case ("collections", "OrderedDict"): return .dict(PickleDict())
                    case ("_codecs", "encode"):
                        guard case .string(let text) = arguments[0] else { return .opaque("bad encode") }
                        return .bytes(text.unicodeScalars.map { UInt8($0.value) })
                    default: return .opaque("\(module).\(name)")
                    }
                },
                persistentLoad: { _, offset throws(NeuralError) in
                    throw NeuralError(.malformed, "no persistent ids expected (offset \(offset))")
                })
            return try machine.run()
        }
    }

    private func describe(_ values: [PickleValue]) -> [String] {
        values.map { value in
            switch value {
            case .int(let number): "int \(number)"
            case .float(let number): "float \(number)"
            case .bool(let flag): "bool \(flag)"
            case .none: "None"
            case .string(let text): "str \(text)"
            case .bytes(let bytes): "bytes \(bytes)"
            case .tuple(let items): "tuple [\(describe(items).joined(separator: ", "))]"
            default: value.kindDescription
            }
        }
    }
}
