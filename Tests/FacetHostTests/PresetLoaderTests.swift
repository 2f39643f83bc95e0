import DirectEdit
import FacetSDK
import XCTest

@testable import FacetHost

final class PresetLoaderTests: XCTestCase {
    // MARK: - Valid presets

    func testBlockKeyframesConstantsAndDefaults() throws {
        let preset = try loadPreset(
            """
            # Turn the head 15 degrees to the viewer's left and back.
            format: 1
            summary: Look left and come back
            chain:
              - effect: direct-edit          # short name
                version: ">=0.1"
                params:
                  yaw:
                    - { t: 0, value: 0 }
                    - { t: 1.0, value: 15, ease: ease-in-out }
                    - { t: 2.5, value: 0 }
                  pitch: -4.5
                  faces: largest
            """)
        XCTAssertEqual(preset.name, "test")
        XCTAssertEqual(preset.summary, "Look left and come back")
        XCTAssertEqual(preset.format, 1)
        XCTAssertEqual(preset.origin, .path)
        XCTAssertEqual(preset.chain.invocations.count, 1)
        let invocation = preset.chain.invocations[0]
        XCTAssertEqual(invocation.effect.descriptor.id, DirectEdit.descriptor.id)
        XCTAssertEqual(invocation.location, SourceLocation(file: "test.yaml", line: 5, column: 5))
        XCTAssertEqual(
            invocation.parameters.values["yaw"],
            .keyframes(track([(0, 0, .linear), (1, 15, .easeInOut), (2.5, 0, .linear)])))
        XCTAssertEqual(invocation.parameters.values["pitch"], .number(-4.5))
        XCTAssertEqual(invocation.parameters.values["faces"], .text("largest"))
        XCTAssertEqual(invocation.parameters.values["roll"], .number(0), "defaults are filled in")
        XCTAssertEqual(invocation.versionRequirement, VersionRequirement(parsing: ">=0.1"))
        XCTAssertEqual(preset.chain.animationEndTime, 2.5)
        XCTAssertEqual(invocation.parameters[DirectEdit.yaw, at: 0.5], 7.5, accuracy: 1e-9)
    }

    func testCompactKeyframesEqualBlockKeyframes() throws {
        let block = try loadPreset(
            """
            format: 1
            chain:
              - effect: org.facet.direct-edit
                params:
                  yaw:
                    - { t: 0, value: 0 }
                    - { t: 1, value: 15, ease: ease-in-out }
                    - { t: 2.5, value: 0, ease: hold }
            """)
        let quoted = try loadPreset(
            """
            format: 1
            chain:
              - effect: org.facet.direct-edit
                params:
                  yaw: "0@0, 15@1~ease-in-out, 0@2.5~hold"
            """)
        let plain = try loadPreset(
            """
            format: 1
            chain:
              - effect: org.facet.direct-edit
                params:
                  yaw: 0@0,15@1 ~ ease-in-out, 0 @ 2.5~hold
            """)
        XCTAssertEqual(block.chain, quoted.chain)
        XCTAssertEqual(block.chain, plain.chain)
        XCTAssertEqual(
            block.chain.invocations[0].parameters.values["yaw"],
            .keyframes(track([(0, 0, .linear), (1, 15, .easeInOut), (2.5, 0, .hold)])))
    }

    func testJSONPresetLoads() throws {
        let preset = try loadPreset(
            """
            {"format": 1, "summary": "json",
             "chain": [{"effect": "direct-edit", "params": {"roll": -3, "faces": "id:2",
                        "yaw": [{"t": 0, "value": 0}, {"t": 1, "value": 10, "ease": "ease-out"}]}}]}
            """)
        let parameters = preset.chain.invocations[0].parameters
        XCTAssertEqual(parameters.values["roll"], .number(-3))
        XCTAssertEqual(parameters.values["faces"], .text("id:2"))
        XCTAssertEqual(parameters.values["yaw"], .keyframes(track([(0, 0, .linear), (1, 10, .easeOut)])))
    }

    func testEveryParameterType() throws {
        let preset = try loadPreset(
            """
            format: 1
            chain:
              - effect: probe
                params:
                  strength: 0.25
                  count: [{ t: 0, value: 2 }, { t: 3, value: 7 }]
                  mirror: true
                  style: hard
                  label: 15
            """)
        let values = preset.chain.invocations[0].parameters.values
        XCTAssertEqual(values["strength"], .number(0.25))
        XCTAssertEqual(values["count"], .keyframes(track([(0, 2, .linear), (3, 7, .linear)])))
        XCTAssertEqual(values["mirror"], .boolean(true))
        XCTAssertEqual(values["style"], .text("hard"))
        XCTAssertEqual(values["label"], .text("15"), "a text parameter reads any scalar as text")
        XCTAssertEqual(preset.summary, "")
    }

    func testEmptyChainIsPassThrough() throws {
        let preset = try loadPreset("format: 1\nsummary: nothing\nchain: []\n")
        XCTAssertEqual(preset.chain, .empty)
        XCTAssertTrue(preset.chain.isEmpty)
        XCTAssertEqual(preset.chain.animationEndTime, 0)
        XCTAssertEqual(preset.chain.description, "")
    }

    func testEffectWithoutParamsUsesDefaults() throws {
        let preset = try loadPreset("format: 1\nchain:\n  - effect: probe\n")
        XCTAssertEqual(preset.chain.invocations[0].parameters.values["strength"], .number(0.5))
        XCTAssertEqual(preset.chain.invocations[0].parameters.values["style"], .text("soft"))
    }

    func testLoadFromFileNamesPresetAfterFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-loader-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tilt.yml")
        try "format: 1\nchain:\n  - effect: direct-edit\n    params: { roll: 40 }\n".write(to: url, atomically: true, encoding: .utf8)
        assertHostError(
            { () throws(HostError) in try PresetLoader.load(contentsOf: url, registry: testRegistry()) },
            code: .invalidParameter, file: url.path, line: 4, column: 21,
            mentions: ["'roll' value 40 is above the maximum 30", "-30 … 30 deg"])
        try "format: 1\nchain:\n  - effect: direct-edit\n    params: { roll: 4 }\n".write(to: url, atomically: true, encoding: .utf8)
        let preset = try PresetLoader.load(contentsOf: url, registry: testRegistry(), origin: .user)
        XCTAssertEqual(preset.name, "tilt")
        XCTAssertEqual(preset.origin, .user)
        XCTAssertEqual(preset.url, url)
        assertHostError(
            { () throws(HostError) in
                try PresetLoader.load(contentsOf: directory.appendingPathComponent("absent.yaml"), registry: testRegistry())
            }, code: .presetNotFound, line: nil, column: nil, mentions: ["absent.yaml"])
    }

    // MARK: - Document errors

    func testMalformedYAMLReportsYamsPosition() {
        let error = assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    """
                    format: 1
                    chain:
                      - effect: direct-edit
                       params: {}
                    """)
            }, code: .presetSyntax, line: 4, column: 4, mentions: ["not well-formed YAML", "expected well-formed YAML"])
        XCTAssertEqual(error?.description.hasPrefix("test.yaml:4:4: "), true)
    }

    func testEmptyFileAndNonMappingTopLevel() {
        assertHostError(
            { () throws(HostError) in try loadPreset("# nothing but a comment\n") },
            code: .presetSyntax, line: 1, column: 1, mentions: ["empty", "expected a mapping"])
        assertHostError(
            { () throws(HostError) in try loadPreset("\n- format\n- chain\n") },
            code: .presetSyntax, line: 2, column: 1,
            mentions: ["the top level is a list", "expected a mapping with the keys format, summary, chain"])
    }

    func testUnknownTopLevelKeyListsAllowedKeys() {
        assertHostError(
            { () throws(HostError) in try loadPreset("format: 1\nchain: []\nchian: []\n") },
            code: .presetSyntax, line: 3, column: 1,
            mentions: ["unknown key 'chian'", "expected one of: format, summary, chain"])
    }

    func testMissingFormatAndChain() {
        assertHostError(
            { () throws(HostError) in try loadPreset("summary: s\nchain: []\n") },
            code: .presetSyntax, line: 1, column: 1, mentions: ["missing 'format'", "format: 1"])
        assertHostError(
            { () throws(HostError) in try loadPreset("format: 1\nsummary: s\n") },
            code: .presetSyntax, line: 1, column: 1, mentions: ["missing 'chain'", "chain: []"])
        assertHostError(
            { () throws(HostError) in try loadPreset("format: 1\nchain:\n") },
            code: .presetSyntax, line: 2, column: 7, mentions: ["'chain' is empty", "expected a list of effects"])
        assertHostError(
            { () throws(HostError) in try loadPreset("format: one\nchain: []\n") },
            code: .presetSyntax, line: 1, column: 9, mentions: ["the text \"one\"", "expected a whole number"])
    }

    func testNewerFormatIsUnsupported() {
        // A newer format is reported before its unknown keys.
        assertHostError(
            { () throws(HostError) in try loadPreset("format: 2\nchain: []\nlayers: []\n") },
            code: .unsupportedFormat, line: 1, column: 9,
            mentions: ["test.yaml", "format 2", "reads format 1"])
    }

    func testDuplicateKey() {
        assertHostError(
            { () throws(HostError) in try loadPreset("format: 1\nchain: []\nformat: 1\n") },
            code: .presetSyntax, line: 3, column: 1, mentions: ["duplicate key 'format'", "first on line 1"])
    }

    func testChainItemShape() {
        assertHostError(
            { () throws(HostError) in try loadPreset("format: 1\nchain:\n  - direct-edit\n") },
            code: .presetSyntax, line: 3, column: 5, mentions: ["chain item 1", "expected a mapping with 'effect'"])
        assertHostError(
            { () throws(HostError) in try loadPreset("format: 1\nchain:\n  - params: {}\n") },
            code: .presetSyntax, line: 3, column: 5, mentions: ["chain item 1 has no 'effect'"])
        assertHostError(
            { () throws(HostError) in try loadPreset("format: 1\nchain:\n  - effect: probe\n    parms: {}\n") },
            code: .presetSyntax, line: 4, column: 5,
            mentions: ["unknown key 'parms'", "expected one of: effect, version, params"])
        assertHostError(
            { () throws(HostError) in try loadPreset("format: 1\nchain:\n  - effect: probe\n    params: [1]\n") },
            code: .presetSyntax, line: 4, column: 13, mentions: ["'params' is a list", "expected a mapping"])
    }

    // MARK: - Effect errors

    func testUnknownEffectListsKnownIDs() {
        assertHostError(
            { () throws(HostError) in try loadPreset("format: 1\nchain:\n  - effect: warp-drive\n") },
            code: .unknownEffect, line: 3, column: 13,
            mentions: ["unknown effect 'warp-drive'", "org.facet.direct-edit", "org.facet.test.probe"])
    }

    func testAmbiguousShortName() {
        var registry = testRegistry()
        try! registry.register(OtherDirectEdit.self)
        assertHostError(
            { () throws(HostError) in
                try loadPreset("format: 1\nchain:\n  - effect: direct-edit\n", registry: registry)
            }, code: .unknownEffect, line: 3, column: 13, mentions: ["ambiguous", "com.example.direct-edit, org.facet.direct-edit"])
    }

    func testVersionRequirement() throws {
        let yaml = "format: 1\nchain:\n  - effect: probe\n    version: %@\n"
        for accepted in ["1", "1.2", "^1.2.3", "~1.2", ">=1.0", "=1.2", ">=1, <2", "1.2.3"] {
            XCTAssertNoThrow(try loadPreset(yaml.replacingOccurrences(of: "%@", with: "\"\(accepted)\"")), accepted)
        }
        assertHostError(
            { () throws(HostError) in try loadPreset(yaml.replacingOccurrences(of: "%@", with: "\"^2.0\"")) },
            code: .unknownEffect, line: 4, column: 14,
            mentions: ["org.facet.test.probe is version 1.2.3", "^2.0", "expected a version matching"])
        assertHostError(
            { () throws(HostError) in try loadPreset(yaml.replacingOccurrences(of: "%@", with: "about 1")) },
            code: .presetSyntax, line: 4, column: 14, mentions: ["the text \"about 1\"", "expected a version requirement"])
    }

    // MARK: - Parameter errors

    func testUnknownParameterListsParameters() {
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    """
                    format: 1
                    chain:
                      - effect: direct-edit
                        params:
                          yawn: 3
                    """)
            }, code: .invalidParameter, line: 5, column: 7,
            mentions: ["org.facet.direct-edit has no parameter 'yawn'", "yaw (number)", "pitch (number)", "faces (text)"])
    }

    func testWrongTypes() {
        func probe(_ line: String) -> String { "format: 1\nchain:\n  - effect: probe\n    params:\n      \(line)\n" }
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("strength: strong")) },
            code: .invalidParameter, line: 5, column: 17,
            mentions: ["'strength' got the text \"strong\"", "expected a number in 0 … 1 or a keyframe list"])
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("strength: \"0.5\"")) },
            code: .invalidParameter, line: 5, column: 17, mentions: ["without quotes"])
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("mirror: [true, false]")) },
            code: .invalidParameter, line: 5, column: 15, mentions: ["'mirror' got a list", "expected true or false"])
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("mirror: { on: true }")) },
            code: .invalidParameter, line: 5, column: 15, mentions: ["'mirror' got a mapping"])
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("mirror: 1")) },
            code: .invalidParameter, line: 5, column: 15, mentions: ["expected true or false"])
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("style: [soft]")) },
            code: .invalidParameter, line: 5, column: 14, mentions: ["'style' got a list", "one of soft, hard"])
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("strength:")) },
            code: .invalidParameter, line: 5, column: 16, mentions: ["'strength' has no value", "expected a number"])
    }

    func testYAML11BooleanWordsAreRejected() throws {
        func probe(_ value: String) -> String { "format: 1\nchain:\n  - effect: probe\n    params:\n      mirror: \(value)\n" }
        for word in ["yes", "no", "on", "off", "Yes"] {
            assertHostError(
                { () throws(HostError) in try loadPreset(probe(word)) },
                code: .invalidParameter, line: 5, column: 15,
                mentions: ["'mirror' got the text \"\(word)\"", "expected true or false", "YAML 1.1"])
        }
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("\"true\"")) },
            code: .invalidParameter, line: 5, column: 15, mentions: ["expected true or false"])
        for (word, value) in [("true", true), ("False", false), ("TRUE", true)] {
            XCTAssertEqual(try loadPreset(probe(word)).chain.invocations[0].parameters.values["mirror"], .boolean(value))
        }
    }

    func testOutOfRangeAndChoiceAndWholeNumbers() {
        func probe(_ line: String) -> String { "format: 1\nchain:\n  - effect: probe\n    params:\n      \(line)\n" }
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("strength: 1.5")) },
            code: .invalidParameter, line: 5, column: 17, mentions: ["above the maximum 1", "0 … 1"])
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("count: -1")) },
            code: .invalidParameter, line: 5, column: 14, mentions: ["below the minimum 0", "0 … 10"])
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("count: 2.5")) },
            code: .invalidParameter, line: 5, column: 14, mentions: ["2.5 is not whole", "a whole number"])
        assertHostError(
            { () throws(HostError) in try loadPreset(probe("style: wobbly")) },
            code: .invalidParameter, line: 5, column: 14, mentions: ["\"wobbly\"", "expected one of soft, hard"])
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    """
                    format: 1
                    chain:
                      - effect: direct-edit
                        params:
                          yaw: 50
                    """)
            }, code: .invalidParameter, line: 5, column: 12,
            mentions: ["'yaw' value 50 is above the maximum 45", "-45 … 45 deg"])
    }

    func testKeyframeValueOutOfRangePointsAtValue() {
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    """
                    format: 1
                    chain:
                      - effect: direct-edit
                        params:
                          yaw:
                            - { t: 0, value: 0 }
                            - { t: 1, value: 60 }
                    """)
            }, code: .invalidParameter, line: 7, column: 26,
            mentions: ["'yaw' keyframe 2 value 60 is above the maximum 45", "-45 … 45 deg"])
    }

    // MARK: - Keyframe errors

    private func keyframes(_ lines: String) -> String {
        "format: 1\nchain:\n  - effect: direct-edit\n    params:\n      yaw:\n" + lines
    }

    func testKeyframeTimesMustIncrease() {
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    keyframes(
                        """
                                - { t: 0, value: 0 }
                                - { t: 2, value: 5 }
                                - { t: 2, value: 9 }
                        """))
            }, code: .invalidParameter, line: 8, column: 16,
            mentions: ["keyframe 3 is at 2.0 s, not after keyframe 2", "strictly increasing"])
    }

    func testNegativeKeyframeTime() {
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    keyframes(
                        """
                                - { t: -1, value: 0 }
                        """))
            }, code: .invalidParameter, line: 6, column: 16, mentions: ["keyframe 1 is at -1 s", "≥ 0 s"])
    }

    func testKeyframeMissingTimeOrValue() {
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    keyframes(
                        """
                                - { t: 0, value: 0 }
                                - { value: 3 }
                        """))
            }, code: .invalidParameter, line: 7, column: 11, mentions: ["keyframe 2 has no 't'", "t: 1.5"])
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    keyframes(
                        """
                                - t: 0
                                  ease: hold
                        """))
            }, code: .invalidParameter, line: 6, column: 11, mentions: ["keyframe 1 has no 'value'"])
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    keyframes(
                        """
                                - { t: soon, value: 3 }
                        """))
            }, code: .invalidParameter, line: 6, column: 16, mentions: ["'t' is the text \"soon\"", "a time in seconds"])
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    keyframes(
                        """
                                - { t: 0, value: 3, speed: 2 }
                        """))
            }, code: .invalidParameter, line: 6, column: 29, mentions: ["unknown key 'speed'", "t, value, ease"])
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    keyframes(
                        """
                                - 0@0
                        """))
            }, code: .invalidParameter, line: 6, column: 11, mentions: ["keyframe 1 is the text \"0@0\"", "a mapping"])
        assertHostError(
            { () throws(HostError) in try loadPreset(keyframes("        []\n")) },
            code: .invalidParameter, line: 6, column: 9, mentions: ["empty keyframe list"])
    }

    func testUnknownEasingListsEasings() {
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    keyframes(
                        """
                                - { t: 0, value: 0, ease: bounce }
                        """))
            }, code: .invalidParameter, line: 6, column: 35,
            mentions: ["unknown easing 'bounce'", "linear, hold, ease-in, ease-out, ease-in-out"])
    }

    func testCompactKeyframeErrorsPointInsideTheText() {
        func yaw(_ value: String) -> String { keyframes("").replacingOccurrences(of: "yaw:\n", with: "yaw: \(value)\n") }
        // `      yaw: ` is 11 columns: a plain value starts at column 12, quoted text at 13.
        assertHostError(
            { () throws(HostError) in try loadPreset(yaw("\"0@0, 15@1~boing\"")) },
            code: .invalidParameter, line: 5, column: 23, mentions: ["unknown easing 'boing'", "ease-in-out"])
        assertHostError(
            { () throws(HostError) in try loadPreset(yaw("\"0@1, 15@0.5\"")) },
            code: .invalidParameter, line: 5, column: 21, mentions: ["keyframe 2 is at 0.5 s", "strictly increasing"])
        assertHostError(
            { () throws(HostError) in try loadPreset(yaw("0@0, 15@x")) },
            code: .invalidParameter, line: 5, column: 20, mentions: ["time \"x\" is not a number", "value@time"])
        assertHostError(
            { () throws(HostError) in try loadPreset(yaw("0@0, 15")) },
            code: .invalidParameter, line: 5, column: 17, mentions: ["keyframe 2 \"15\" has no '@time'"])
        assertHostError(
            { () throws(HostError) in try loadPreset(yaw("0@0, 50@1")) },
            code: .invalidParameter, line: 5, column: 17, mentions: ["keyframe 2 value 50 is above the maximum 45"])
        assertHostError(
            { () throws(HostError) in try loadPreset(yaw("0@-2")) },
            code: .invalidParameter, line: 5, column: 14, mentions: ["keyframe 1 is at -2 s"])
    }

    func testNonAnimatableParameterRejectsKeyframes() {
        assertHostError(
            { () throws(HostError) in
                try loadPreset(
                    """
                    format: 1
                    chain:
                      - effect: probe
                        params:
                          style: "soft@0"
                    """)
            }, code: .invalidParameter, line: 5, column: 14, mentions: ["\"soft@0\"", "expected one of soft, hard"])
    }

    // MARK: - Instantiation

    func testInstantiateWrapsEffectInitErrorsWithLocation() throws {
        let preset = try loadPreset(
            """
            format: 1
            chain:
              - effect: probe
              - effect: direct-edit
                params: { faces: sideways }
            """)
        XCTAssertEqual(preset.chain.invocations.count, 2)
        assertHostError(
            { () throws(HostError) in try preset.chain.instantiate() },
            code: .invalidParameter, line: 4, column: 5,
            mentions: ["org.facet.direct-edit rejected its parameters", "face selector \"sideways\"", "all, largest"])
        let good = try loadPreset("format: 1\nchain:\n  - effect: direct-edit\n    params: { faces: \"index:1\" }\n")
        XCTAssertEqual(try good.chain.instantiate().count, 1)
    }
}
