import FacetSDK
import Foundation
import XCTest

/// Holds Docs/PluginABI.md true to the SDK: every JSON example there (a fenced `json` block
/// after `<!-- wire: FORM -->`) decodes with its SDK type to the documented values, encodes
/// again without losing a field, and every field the SDK writes, or has as a stored property,
/// has a row in the form's schema table (the table after `<!-- schema: FORM -->`). A field
/// added to the SDK without documentation fails here, and so does a row nothing fills.
final class WireFormatDocTests: XCTestCase {
    /// The forms the doc documents, each with its SDK type's round trip.
    private static let forms: [String: @Sendable (Data) throws -> (value: Any, encoded: Data)] = [
        "descriptor": { try roundTrip(EffectDescriptor.self, $0) },
        "parameters": { try roundTrip([String: ParameterValue].self, $0) },
        "motion": { try roundTrip(SceneMotion.self, $0) },
        "face-model": { try roundTrip(FaceModelDescription.self, $0) },
        "driving-input": { try roundTrip(DrivingInput.self, $0) },
        "speech": { try roundTrip(SpeechInput.self, $0) },
    ]

    /// A field of one form holding a value of another: checked against that form's table, with
    /// `prefix` put where the field's path was (`parameters[].defaultValue.number` is the
    /// parameters form's `<name>.number`).
    private static let embedded: [String: [String: (form: String, prefix: String)]] = [
        "descriptor": ["parameters[].defaultValue": ("parameters", "<name>")],
        "driving-input": ["motion": ("motion", "")],
    ]

    private static func roundTrip<T: Codable>(_ type: T.Type, _ data: Data) throws -> (value: Any, encoded: Data) {
        let value = try JSONDecoder().decode(T.self, from: data)
        return (value, try JSONEncoder().encode(value))
    }

    // MARK: - The checks

    func testEveryExampleIsMarkedAndEveryFormHasExamplesAndATable() throws {
        let doc = try Self.document()
        XCTAssertEqual(doc.unmarkedJSONBlocks, [], "every ```json block needs a <!-- wire: FORM --> marker (at these lines)")
        XCTAssertEqual(Set(doc.examples.map(\.form)), Set(Self.forms.keys), "a wire example for each form")
        XCTAssertEqual(Set(doc.tables.keys), Set(Self.forms.keys), "a schema table for each form")
    }

    func testEachExampleRoundTripsWithoutLosingAField() throws {
        let doc = try Self.document()
        for example in doc.examples {
            let decode = try XCTUnwrap(Self.forms[example.form], "unknown form \(example.form) at line \(example.line)")
            let result: (value: Any, encoded: Data)
            do {
                result = try decode(Data(example.json.utf8))
            } catch {
                XCTFail("the \(example.form) example at Docs/PluginABI.md:\(example.line) does not decode: \(error)")
                continue
            }
            let given = try Self.leaves(of: example.json)
            let again = try Self.leaves(of: String(decoding: result.encoded, as: UTF8.self))
            for (path, value) in given {
                guard let encoded = again[path] else {
                    XCTFail("the \(example.form) example at line \(example.line): \(path) is lost when encoded again")
                    continue
                }
                XCTAssertTrue(
                    Self.same(value, encoded),
                    "the \(example.form) example at line \(example.line): \(path) is \(value), encoded again \(encoded)")
            }
        }
    }

    func testEveryFieldTheSDKWritesIsDocumentedAndEveryRowIsExemplified() throws {
        let doc = try Self.document()
        var seen: [String: Set<String>] = [:]
        for example in doc.examples {
            guard let decode = Self.forms[example.form], let result = try? decode(Data(example.json.utf8)) else { continue }
            for text in [example.json, String(decoding: result.encoded, as: UTF8.self)] {
                for path in try Self.leaves(of: text).keys {
                    let own = Self.schemaPath(path, in: example.form)
                    let (form, field) = Self.resolve(own, in: example.form)
                    // The embedding field itself (`motion` of a driving input) is a row of its own form.
                    seen[example.form, default: []].insert(own)
                    seen[form, default: []].insert(field)
                    XCTAssertTrue(
                        doc.tables[form]?.contains(field) == true,
                        "\(field) (\(example.form) example at line \(example.line)) has no row in the \(form) table")
                }
            }
        }
        for (form, rows) in doc.tables {
            for row in rows where !(seen[form] ?? []).contains(where: { Self.covers(row, $0) }) {
                XCTFail("the \(form) table's row \(row) appears in no \(form) example")
            }
        }
    }

    /// Stored properties of the SDK's wire types, which an added optional field (absent from
    /// every example, so never encoded) cannot escape.
    func testEveryStoredPropertyOfAWireTypeHasARow() throws {
        let doc = try Self.document()
        func example<T: Decodable>(_ form: String, as type: T.Type) throws -> T {
            let json = try XCTUnwrap(doc.examples.first { $0.form == form }?.json, "no \(form) example")
            return try JSONDecoder().decode(T.self, from: Data(json.utf8))
        }
        let descriptor = try example("descriptor", as: EffectDescriptor.self)
        let parameters = try example("parameters", as: [String: ParameterValue].self)
        let motion = try example("motion", as: SceneMotion.self)
        let model = try example("face-model", as: FaceModelDescription.self)
        let driving = try example("driving-input", as: DrivingInput.self)
        let speech = try example("speech", as: SpeechInput.self)
        let track = try XCTUnwrap(motion.tracks.first)
        let frame = try XCTUnwrap(track.frames.first)
        guard case .keyframes(let keyframes)? = parameters["angle"] else { return XCTFail("the parameters example keyframes angle") }

        let subjects: [(value: Any, form: String, prefix: String, offWire: Set<String>)] = [
            (descriptor, "descriptor", "", []),
            (descriptor.version, "descriptor", "version", []),
            (try XCTUnwrap(descriptor.parameters.first), "descriptor", "parameters[]", []),
            (try XCTUnwrap(keyframes.keyframes.first), "parameters", "<name>.keyframes[]", []),
            (motion, "motion", "", []),
            (track, "motion", "tracks[]", []),
            (try XCTUnwrap(track.camera), "motion", "tracks[].camera", []),
            (try XCTUnwrap(track.camera?.principalPoint), "motion", "tracks[].camera.principalPoint", []),
            (frame, "motion", "tracks[].frames[]", []),
            (try XCTUnwrap(frame.box), "motion", "tracks[].frames[].box", []),
            (try XCTUnwrap(frame.landmarks?.first), "motion", "tracks[].frames[].landmarks[]", []),
            (frame.coefficients, "motion", "tracks[].frames[].coefficients", []),
            (frame.coefficients.pose, "motion", "tracks[].frames[].coefficients.pose", []),
            (frame.coefficients.translation, "motion", "tracks[].frames[].coefficients.translation", []),
            (model, "face-model", "", []),
            (try XCTUnwrap(model.regions.values.first), "face-model", "regions.<name>", []),
            // The driver's sound travels as C arrays beside the JSON (the Audio section).
            (driving, "driving-input", "", ["audio"]),
            (speech, "speech", "", []),
            (try XCTUnwrap(speech.phones.first), "speech", "phones[]", []),
            (try XCTUnwrap(speech.words.first), "speech", "words[]", []),
        ]
        // Stored properties whose JSON key differs from their Swift name.
        let jsonKeys = ["ParameterSpec.isKeyframable": "keyframable"]
        for subject in subjects {
            let rows = doc.tables[subject.form] ?? []
            for case let property? in Mirror(reflecting: subject.value).children.map(\.label) where !subject.offWire.contains(property) {
                let label = jsonKeys["\(type(of: subject.value)).\(property)"] ?? property
                let path = subject.prefix.isEmpty ? label : subject.prefix + "." + label
                XCTAssertTrue(
                    rows.contains(path), "\(type(of: subject.value)).\(label) has no row \(path) in the \(subject.form) table")
            }
        }
    }

    func testTheExamplesSayWhatTheDocSays() throws {
        let doc = try Self.document()
        func example<T: Decodable>(_ form: String, as type: T.Type) throws -> T {
            let json = try XCTUnwrap(doc.examples.first { $0.form == form }?.json, "no \(form) example")
            return try JSONDecoder().decode(T.self, from: Data(json.utf8))
        }
        let descriptor = try example("descriptor", as: EffectDescriptor.self)
        XCTAssertEqual(descriptor.version, EffectVersion(1, 2, 0))
        XCTAssertEqual(descriptor.temporalAccess, .window(behind: 2, ahead: 3))
        XCTAssertEqual(descriptor.inputs, [.audio, .drivingAudio, .speech])
        XCTAssertEqual(descriptor.parameters.map(\.type.name), ["number", "integer", "boolean", "choice", "text", "text", "text"])
        XCTAssertEqual(descriptor.parameter(named: "driver")?.role, .drivingInput)
        XCTAssertEqual(descriptor.parameter(named: "transcript")?.role, .transcript)
        XCTAssertEqual(descriptor.parameter(named: "mode")?.type, .choice(["relative", "absolute"]))

        // The parameters are a valid set for the descriptor, and read as the doc says.
        let given = try example("parameters", as: [String: ParameterValue].self)
        let parameters = try EffectParameters(schema: descriptor.parameters, given: given)
        XCTAssertEqual(Set(given.keys), Set(descriptor.parameters.map(\.name)), "every parameter, defaults filled in")
        XCTAssertEqual(try parameters.number("angle", at: 0), 0)
        XCTAssertEqual(try parameters.number("angle", at: 1.5), 12)
        XCTAssertEqual(try parameters.number("angle", at: 3), 12, "hold keeps the value")
        XCTAssertEqual(try parameters.number("angle", at: 5), -6)
        XCTAssertEqual(try parameters.integer("steps"), 3)

        // Pose in radians, translation in millimetres, and motion a face can have.
        let motion = try example("motion", as: SceneMotion.self)
        XCTAssertNil(motion.rangeViolation())
        let first = try XCTUnwrap(motion.tracks.first?.frames.first)
        XCTAssertEqual(first.coefficients.pose.roll, 0.0175, accuracy: 1e-6)
        XCTAssertEqual(first.coefficients.translation.z, -1180.5)
        XCTAssertEqual(motion.tracks.first?.frames.map(\.frameIndex), [0, 2])
        XCTAssertNil(motion.tracks.first?.frames.last?.box)

        let model = try example("face-model", as: FaceModelDescription.self)
        XCTAssertEqual(model.coefficientRange.count, model.expressionDimension)
        XCTAssertEqual(model.region(named: ExpressionRegionName.mouth)?.dimension, model.expressionDimension)
        XCTAssertEqual(model.control(named: ExpressionControlName.smile)?.count, model.expressionDimension)

        let driving = try example("driving-input", as: DrivingInput.self)
        XCTAssertEqual(driving.kind, .video)
        XCTAssertNil(driving.audio, "the driver's sound is never JSON")
        XCTAssertNil(driving.motion.rangeViolation())

        let speech = try example("speech", as: SpeechInput.self)
        XCTAssertEqual(speech.method, .alignment)
        XCTAssertEqual(speech.phone(at: 0.5)?.symbol, "L")
        XCTAssertEqual(speech.phone(at: 0.5)?.word, "hello")
        XCTAssertNil(speech.phones.first?.word)
        XCTAssertEqual(Double(speech.loudness.count) / speech.loudnessRate, speech.duration, accuracy: 1e-9)
    }

    // MARK: - Reading the doc

    private struct Example {
        let form: String
        let line: Int
        let json: String
    }

    private struct Document {
        var examples: [Example] = []
        /// Each form's table: the field paths of its first column.
        var tables: [String: Set<String>] = [:]
        /// Lines of ```json blocks without a wire marker.
        var unmarkedJSONBlocks: [Int] = []
    }

    /// Docs/PluginABI.md, from the repository root three levels above this file.
    private static func document() throws -> Document {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("Docs/PluginABI.md"), encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        var doc = Document()
        var marker: (kind: String, form: String)?
        var index = 0
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            if let found = Self.marker(line) {
                marker = found
            } else if line == "```json" {
                let start = index + 1
                var body: [String] = []
                index += 1
                while index < lines.count, lines[index].trimmingCharacters(in: .whitespaces) != "```" {
                    body.append(lines[index])
                    index += 1
                }
                if let marker, marker.kind == "wire" {
                    doc.examples.append(Example(form: marker.form, line: start, json: body.joined(separator: "\n")))
                } else {
                    doc.unmarkedJSONBlocks.append(start)
                }
                marker = nil
            } else if line.hasPrefix("|"), let current = marker, current.kind == "schema" {
                var rows = Set<String>()
                while index < lines.count, lines[index].hasPrefix("|") {
                    let cells = lines[index].split(separator: "|", omittingEmptySubsequences: false).map {
                        $0.trimmingCharacters(in: .whitespaces)
                    }
                    if cells.count > 1, cells[1].hasPrefix("`"), cells[1].hasSuffix("`") {
                        rows.insert(String(cells[1].dropFirst().dropLast()))
                    }
                    index += 1
                }
                doc.tables[current.form] = rows
                marker = nil
                continue
            } else if !line.isEmpty {
                marker = nil
            }
            index += 1
        }
        return doc
    }

    /// `<!-- wire: motion -->` or `<!-- schema: motion -->`.
    private static func marker(_ line: String) -> (kind: String, form: String)? {
        guard line.hasPrefix("<!--"), line.hasSuffix("-->") else { return nil }
        let inner = line.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
        let parts = inner.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, ["wire", "schema"].contains(parts[0]) else { return nil }
        return (parts[0], parts[1])
    }

    // MARK: - Walking JSON

    /// Every leaf of `json` (a scalar, an array of scalars, an empty array or object) by its
    /// path with array positions (`tracks[0].id`); a map's keys (a table row with `<name>`
    /// there) are kept as they are, so values can be compared.
    private static func leaves(of json: String) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        var result: [String: Any] = [:]
        walk(value, path: "", into: &result)
        return result
    }

    private static func walk(_ value: Any, path: String, into result: inout [String: Any]) {
        if let object = value as? [String: Any], !object.isEmpty {
            for (key, child) in object {
                walk(child, path: path.isEmpty ? Self.escape(key) : path + "." + Self.escape(key), into: &result)
            }
        } else if let array = value as? [Any], array.contains(where: { $0 is [String: Any] }) {
            for (position, child) in array.enumerated() { walk(child, path: path + "[\(position)]", into: &result) }
        } else {
            result[path] = value
        }
    }

    /// Keys of maps may hold dots (`brows.left` is not a model's control today, but could be).
    private static func escape(_ key: String) -> String { key.replacingOccurrences(of: ".", with: "\u{2024}") }

    /// `tracks[0].frames[1].box.x` of a `form` example as the table writes it:
    /// `tracks[].frames[].box.x`, with the keys of the form's maps as `<name>`.
    private static func schemaPath(_ path: String, in form: String) -> String {
        var result = path.replacingOccurrences(of: #"\[\d+\]"#, with: "[]", options: .regularExpression)
        for map in mapPrefixes where map.form == form && (map.prefix.isEmpty || result.hasPrefix(map.prefix + ".")) {
            let start = map.prefix.isEmpty ? result.startIndex : result.index(result.startIndex, offsetBy: map.prefix.count + 1)
            guard start < result.endIndex else { continue }
            let end = result[start...].firstIndex(where: { $0 == "." || $0 == "[" }) ?? result.endIndex
            result.replaceSubrange(start..<end, with: "<name>")
        }
        return result
    }

    /// Where each form has maps (objects keyed by names, written `<name>` in the tables): the
    /// path of the map, "" for a form that is one.
    private static let mapPrefixes: [(prefix: String, form: String)] = [
        ("", "parameters"), ("controls", "face-model"), ("regions", "face-model"),
    ]

    /// The form and field a path of `form`'s example belongs to, following embedded forms.
    private static func resolve(_ path: String, in form: String) -> (form: String, field: String) {
        for (field, target) in embedded[form] ?? [:] where path == field || path.hasPrefix(field + ".") {
            let rest = String(path.dropFirst(field.count))
            let inner = target.prefix.isEmpty ? String(rest.drop { $0 == "." }) : target.prefix + rest
            return resolve(inner, in: target.form)
        }
        return (form, path)
    }

    /// Whether a table row is filled by the field `path`: the same path, or a container of it.
    private static func covers(_ row: String, _ path: String) -> Bool {
        path == row || path.hasPrefix(row + ".") || path.hasPrefix(row + "[]")
    }

    /// Equal JSON values; numbers within the rounding of a 32-bit float.
    private static func same(_ a: Any, _ b: Any) -> Bool {
        if let x = a as? [Any], let y = b as? [Any] { return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) } }
        if let x = a as? String, let y = b as? String { return x == y }
        if let u = number(a), let v = number(b) { return abs(u - v) <= 1e-6 * max(1, abs(u)) }
        if let x = a as? [String: Any], let y = b as? [String: Any] { return x.isEmpty && y.isEmpty }
        return false
    }

    /// A JSON number (or boolean) as a `Double`, however JSONSerialization bridged it.
    private static func number(_ value: Any) -> Double? {
        if let value = value as? Bool { return value ? 1 : 0 }
        if let value = value as? Double { return value }
        if let value = value as? Int { return Double(value) }
        if let value = value as? NSNumber { return value.doubleValue }
        return nil
    }
}
