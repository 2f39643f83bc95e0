import DirectEdit
import FacetHost
import FacetSDK
import FacetTestSupport
import XCTest

final class ChainParserTests: XCTestCase {
    private let registry = testRegistry()
    private let example = "direct-edit:yaw=0@0,15@1~ease-in-out,0@2.5:pitch=5 | direct-edit:roll=-3"

    private func parse(_ text: String) throws(HostError) -> EffectChain {
        try ChainParser.parse(text, registry: registry)
    }

    private func assertChainError(
        _ text: String, code: HostError.Code, column: Int, mentions: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        assertHostError(
            { () throws(HostError) in try parse(text) }, code: code, file: "--chain", line: 1, column: column,
            mentions: mentions, sourceFile: file, sourceLine: line)
    }

    // MARK: - Parsing

    func testKeyframesForAParameterTheEffectReadsOnceAreRefusedBeforeRunning() throws {
        do {
            _ = try ChainParser.parse("audio-sync:strength=1@0,2@1:lag=0@0,-0.1@1", registry: .builtIn)
            XCTFail("a keyframed lag was accepted")
        } catch {
            XCTAssertEqual(error.code, .invalidParameter)
            let message = ErrorChain.describe(error)
            XCTAssertTrue(message.contains("'lag' cannot be keyframed (the effect reads it once for the whole video)"), message)
            XCTAssertTrue(message.contains("--chain:1:"), "points at the value: \(message)")
        }
        // strength takes keyframes
        XCTAssertNoThrow(try ChainParser.parse("audio-sync:strength=1@0,2@1", registry: .builtIn))
    }

    func testParsesTheDocumentedExample() throws {
        let chain = try parse(example)
        XCTAssertEqual(chain.invocations.count, 2)
        let first = chain.invocations[0]
        XCTAssertEqual(first.effect.descriptor.id, DirectEdit.descriptor.id)
        XCTAssertEqual(first.effect.origin, .builtIn)
        XCTAssertEqual(
            first.parameters.values["yaw"],
            .keyframes(track([(0, 0, .linear), (1, 15, .easeInOut), (2.5, 0, .linear)])))
        XCTAssertEqual(first.parameters.values["pitch"], .number(5))
        XCTAssertEqual(first.parameters.values["roll"], .number(0))
        XCTAssertEqual(first.location, SourceLocation(file: "--chain", line: 1, column: 1))
        XCTAssertEqual(chain.invocations[1].parameters.values["roll"], .number(-3))
        XCTAssertEqual(chain.invocations[1].location, SourceLocation(file: "--chain", line: 1, column: 54))
        XCTAssertEqual(chain.animationEndTime, 2.5)
        XCTAssertEqual(
            chain.description,
            "org.facet.direct-edit:yaw=0@0,15@1~ease-in-out,0@2.5:pitch=5 | org.facet.direct-edit:roll=-3")
    }

    func testWhitespaceAroundTokensIsIgnored() throws {
        let spaced = try parse("  direct-edit : yaw = 1 @ 0 , 2 @ 1 ~ hold  |  probe : mirror = true : style = hard  ")
        let compact = try parse("direct-edit:yaw=1@0,2@1~hold|probe:mirror=true:style=hard")
        XCTAssertEqual(spaced, compact)
        XCTAssertEqual(compact.invocations[0].parameters.values["yaw"], .keyframes(track([(0, 1, .linear), (1, 2, .hold)])))
        XCTAssertEqual(compact.invocations[1].parameters.values["mirror"], .boolean(true))
        XCTAssertEqual(compact.invocations[1].parameters.values["style"], .text("hard"))
    }

    func testQuotedValues() throws {
        let chain = try parse(#"probe:label="a:b|c \"q\" \\":style='hard' | direct-edit:faces="id:3" | probe:label='x, y'"#)
        XCTAssertEqual(chain.invocations[0].parameters.values["label"], .text(#"a:b|c "q" \"#))
        XCTAssertEqual(chain.invocations[0].parameters.values["style"], .text("hard"))
        XCTAssertEqual(chain.invocations[1].parameters.values["faces"], .text("id:3"))
        XCTAssertEqual(chain.invocations[2].parameters.values["label"], .text("x, y"))
        // Quoted keyframes are keyframes, as in preset files.
        XCTAssertEqual(try parse(#"direct-edit:yaw="0@0, 5@1""#), try parse("direct-edit:yaw=0@0,5@1"))
    }

    func testBlankChainIsEmpty() throws {
        XCTAssertEqual(try parse(""), .empty)
        XCTAssertEqual(try parse("   "), .empty)
    }

    func testVersionRequirementInChain() throws {
        let chain = try parse("direct-edit@^0.2:roll=2")
        XCTAssertEqual(chain.invocations[0].versionRequirement, VersionRequirement(parsing: "0.2"))
        XCTAssertEqual(chain.description, "org.facet.direct-edit@^0.2:roll=2")
    }

    func testChainAndPresetMeanTheSame() throws {
        let preset = try loadPreset(
            """
            format: 1
            chain:
              - effect: direct-edit
                params:
                  yaw: [{ t: 0, value: 0 }, { t: 1, value: 15, ease: ease-in-out }, { t: 2.5, value: 0 }]
                  pitch: 5
              - effect: direct-edit
                params: { roll: -3 }
            """)
        XCTAssertEqual(preset.chain, try parse(example))
    }

    // MARK: - Errors

    func testUnknownEffectAndParameter() {
        assertChainError(
            "direct-edit | warp:yaw=1", code: .unknownEffect, column: 15,
            mentions: ["unknown effect 'warp'", "org.facet.direct-edit"])
        assertChainError(
            "direct-edit:pitch=1:yawn=1", code: .invalidParameter, column: 21,
            mentions: ["has no parameter 'yawn'", "yaw (number)", "shift-x (number)"])
    }

    func testStructureErrors() {
        assertChainError("direct-edit:yaw", code: .chainSyntax, column: 13, mentions: ["\"yaw\" is not key=value"])
        assertChainError(
            "direct-edit:faces=id:3", code: .chainSyntax, column: 22,
            mentions: ["is not key=value", "faces=\"id:3\""])
        assertChainError("direct-edit | | probe", code: .chainSyntax, column: 15, mentions: ["no effect before '|'"])
        assertChainError("| probe", code: .chainSyntax, column: 1, mentions: ["no effect before '|'"])
        assertChainError("direct-edit |", code: .chainSyntax, column: 13, mentions: ["no effect after the last '|'"])
        assertChainError("direct-edit:=3", code: .chainSyntax, column: 13, mentions: ["no parameter name before '='"])
        assertChainError("direct-edit:yaw=1:", code: .chainSyntax, column: 18, mentions: ["nothing after ':'"])
        assertChainError("probe:label=\"abc", code: .chainSyntax, column: 13, mentions: ["unterminated quote"])
        assertChainError("probe:style=\"hard\"x", code: .chainSyntax, column: 19, mentions: ["text after the closing quote"])
        assertChainError(
            "direct-edit@banana", code: .chainSyntax, column: 13,
            mentions: ["\"banana\" is not a version requirement", ">=0.1"])
    }

    func testValueErrorsPointAtTheValue() {
        assertChainError(
            "direct-edit:yaw=90", code: .invalidParameter, column: 17,
            mentions: ["'yaw' value 90 is above the maximum 45", "-45 … 45 deg"])
        assertChainError("direct-edit:yaw=", code: .invalidParameter, column: 17, mentions: ["'yaw' has no value"])
        assertChainError(
            "direct-edit:yaw=left", code: .invalidParameter, column: 17,
            mentions: ["got the text \"left\"", "expected a number"])
        assertChainError(
            "probe:mirror=yes", code: .invalidParameter, column: 14,
            mentions: ["expected true or false", "YAML 1.1"])
        assertChainError("probe:style=wobbly", code: .invalidParameter, column: 13, mentions: ["one of soft, hard"])
        assertChainError("probe:count=2.5", code: .invalidParameter, column: 13, mentions: ["not whole"])
        assertChainError("direct-edit:yaw=1:yaw=2", code: .invalidParameter, column: 19, mentions: ["'yaw' is given twice"])
        assertChainError(
            "direct-edit@>=0.3:yaw=1", code: .unknownEffect, column: 13,
            mentions: ["version 0.2.1", ">=0.3"])
    }

    func testKeyframeErrorsPointInsideTheValue() {
        assertChainError("direct-edit:yaw=0@0,15@x", code: .invalidParameter, column: 24, mentions: ["time \"x\" is not a number"])
        assertChainError(
            "direct-edit:yaw=0@0,15@1~boing", code: .invalidParameter, column: 26,
            mentions: ["unknown easing 'boing'", "linear, hold, ease-in, ease-out, ease-in-out"])
        assertChainError(
            "direct-edit:yaw=0@1,5@1", code: .invalidParameter, column: 23,
            mentions: ["keyframe 2 is at 1.0 s, not after keyframe 1", "strictly increasing"])
        assertChainError("direct-edit:yaw=0@-1", code: .invalidParameter, column: 19, mentions: ["≥ 0 s"])
        assertChainError("direct-edit:yaw=0@0,,5@1", code: .invalidParameter, column: 21, mentions: ["keyframe 2 is empty"])
        assertChainError(
            "direct-edit:yaw=0@0,99@1", code: .invalidParameter, column: 21,
            mentions: ["keyframe 2 value 99 is above the maximum 45"])
        assertChainError("probe:style=soft@1", code: .invalidParameter, column: 13, mentions: ["one of soft, hard"])
    }

    // MARK: - Round trip

    func testDescriptionRoundTrips() throws {
        let texts = [
            example,
            #"direct-edit@>=0.1,<1:roll=2.75:mode=absolute:faces="index:0""#,
            #"probe:strength=0.00001:count=0@0~hold,10@2.5~ease-out,3@4~ease-in:mirror=true:style=hard:label="id:3, left|right \"x\" \\""#,
            "probe:label=' spaced '| probe:mirror=false:strength=1",
            "direct-edit | probe | direct-edit:yaw=-45@0~linear,45@0.1~ease-in-out",
            "",
        ]
        for text in texts {
            let chain: EffectChain
            do {
                chain = try parse(text)
            } catch {
                XCTFail("\(text): \(error)")
                continue
            }
            let reparsed = try parse(chain.description)
            XCTAssertEqual(reparsed, chain, "\(text) → \(chain.description)")
            XCTAssertEqual(reparsed.description, chain.description)
        }
    }

    func testRandomKeyframesRoundTrip() throws {
        var generator = SeededRandom(seed: 42)
        for _ in 0..<200 {
            var time = 0.0
            var keyframes: [Keyframe] = []
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                time += Double.random(in: 0.0001...3, using: &generator)
                keyframes.append(
                    Keyframe(
                        time: time, value: Double.random(in: -45...45, using: &generator),
                        easing: Easing.allCases.randomElement(using: &generator)!))
            }
            let invocation = try EffectInvocation(
                effect: EffectFactory(DirectEdit.self),
                given: [
                    "yaw": .keyframes(try KeyframeTrack(keyframes)),
                    "shift-x": .number(Double.random(in: -50...50, using: &generator)),
                ])
            let chain = EffectChain(invocations: [invocation])
            XCTAssertEqual(try parse(chain.description), chain, chain.description)
        }
    }

    func testDefaultsAreLeftOutOfTheDescription() throws {
        let chain = try parse("direct-edit:yaw=0:mode=relative:faces=all:pitch=3")
        XCTAssertEqual(chain.description, "org.facet.direct-edit:pitch=3")
    }
}
