import FacetAnalysis
import FacetHost
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

/// Seeded mutation fuzzing of the three parsers that read what users and other programs write:
/// presets (YAML), chains (one-line syntax) and motion files (JSON). Every mutated input must be
/// accepted or refused with a described error, in bounded time; a crash ends the test run.
///
/// `FACET_FUZZ_ITERATIONS` sets the inputs per parser (default 20,000: CI); `make fuzz` runs
/// 1,000,000 each. `FACET_FUZZ_SEED` changes the seed (default 1); a failure prints the seed,
/// the iteration and the input.
final class ParserFuzzTests: XCTestCase {
    private var iterations: Int { Int(ProcessInfo.processInfo.environment["FACET_FUZZ_ITERATIONS"] ?? "") ?? 20_000 }
    private var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["FACET_FUZZ_SEED"] ?? "") ?? 1 }

    /// Tokens that matter to the grammars, spliced in by the mutator.
    private static let tokens: [String] = [
        "[", "]", "{", "}", "-", "- ", ": ", ":", ",", "\n", "  ", "\t", "#", "\"", "'", "|", ">", "&a", "*a", "!!str ",
        "@", "~", "|", "=", "1e30", "-1e30", "NaN", "inf", "0x1F", "99999999999999999999", "\u{1B}[2J", "\u{0456}",
        "null", "true", "format", "chain", "effect", "params", "direct-edit", "yaw", "smile", "ease-in-out",
        "\"expression\"", "\"identity\"", "\"translation\"", "\"z\"", "\"frames\"", "\"tracks\"", "[[[[[[[[", "{\"a\":",
    ]

    private struct Mutator {
        var random: SeededRandom

        mutating func int(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(random.next() % UInt64(bound)) }

        /// 1–4 edits of `seed`: replace, insert, delete or duplicate a span, or splice a token.
        mutating func mutate(_ seed: [UInt8]) -> [UInt8] {
            var bytes = seed
            for _ in 0...int(4) {
                let position = int(bytes.count + 1)
                switch int(6) {
                case 0 where !bytes.isEmpty:
                    bytes[min(position, bytes.count - 1)] = UInt8(truncatingIfNeeded: random.next())
                case 1:
                    let token = ParserFuzzTests.tokens[int(ParserFuzzTests.tokens.count)]
                    bytes.insert(contentsOf: Array(token.utf8), at: position)
                case 2 where !bytes.isEmpty:
                    let length = min(1 + int(16), bytes.count - min(position, bytes.count - 1))
                    bytes.removeSubrange(min(position, bytes.count - 1)..<(min(position, bytes.count - 1) + length))
                case 3 where !bytes.isEmpty:
                    let start = min(position, bytes.count - 1), length = min(1 + int(32), bytes.count - start)
                    bytes.insert(contentsOf: bytes[start..<(start + length)], at: int(bytes.count + 1))
                case 4:
                    bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                default:
                    let token = ParserFuzzTests.tokens[int(ParserFuzzTests.tokens.count)]
                    let repeats = 1 + int(200)
                    bytes.insert(contentsOf: Array(String(repeating: token, count: repeats).utf8), at: position)
                }
            }
            return bytes
        }
    }

    /// Runs `body` on `iterations` mutations of the seeds; fails on an undescribed error or an
    /// input that takes longer than a second.
    private func fuzz(_ name: String, seeds: [String], _ body: (String) throws -> Void) {
        var mutator = Mutator(random: SeededRandom(seed: seed &+ UInt64(name.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) })))
        let seedBytes = seeds.map { Array($0.utf8) }
        var accepted = 0, refused = 0
        var slowest = 0.0
        let started = Date()
        for iteration in 0..<iterations {
            let input = String(decoding: mutator.mutate(seedBytes[iteration % seedBytes.count]), as: UTF8.self)
            let inputStarted = Date()
            do {
                try body(input)
                accepted += 1
            } catch let error as any CustomStringConvertible where !error.description.isEmpty {
                refused += 1
            } catch {
                XCTFail(
                    "\(name) seed \(seed) iteration \(iteration): an error without a description (\(error)) for \(input.debugDescription.prefix(300))"
                )
                return
            }
            let elapsed = Date().timeIntervalSince(inputStarted)
            slowest = max(slowest, elapsed)
            if elapsed > 1 {
                XCTFail("\(name) seed \(seed) iteration \(iteration): took \(elapsed) s for \(input.debugDescription.prefix(300))")
                return
            }
        }
        print(
            String(
                format: "%@: %d inputs in %.1f s (%d accepted, %d refused), slowest %.1f ms", name, iterations,
                Date().timeIntervalSince(started), accepted, refused, slowest * 1000))
        XCTAssertEqual(accepted + refused, iterations)
    }

    func testPresetParserRefusesOrAcceptsEveryMutation() throws {
        let presets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Presets")
        let names = try FileManager.default.contentsOfDirectory(atPath: presets.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertFalse(names.isEmpty)
        let seeds = try names.map { try String(contentsOf: presets.appendingPathComponent($0), encoding: .utf8) }
        let registry = EffectRegistry.builtIn
        fuzz("presets", seeds: seeds) { text in
            _ = try PresetLoader.parse(yaml: text, name: "fuzz", file: "fuzz.yaml", registry: registry)
        }
    }

    func testChainParserRefusesOrAcceptsEveryMutation() {
        let seeds = [
            "direct-edit:yaw=15", "direct-edit:yaw=0@0,15@2~ease-in-out | direct-edit:roll=-3",
            "direct-edit:smile=0.6,mouth-open=0.3@1~hold,left-eye-closed=1", "org.facet.direct-edit:pitch=-10@0.5~linear,10@3",
        ]
        let registry = EffectRegistry.builtIn
        fuzz("chains", seeds: seeds) { text in
            let chain = try ChainParser.parse(text, registry: registry)
            for invocation in chain.invocations { _ = try invocation.instantiate() }
        }
    }

    func testMotionFileReaderRefusesOrAcceptsEveryMutation() throws {
        let frames = (0..<3).map { index in
            #"{"frameIndex":\#(index),"time":\#(Double(index) / 25),"confidence":0.9,"box":{"x":10,"y":10,"width":50,"height":50},"coefficients":{"expression":[0.1,0.2],"pose":{"yaw":0.1,"pitch":0,"roll":0},"translation":{"x":0,"y":0,"z":-600}}}"#
        }.joined(separator: ",")
        let seed =
            #"{"format":"facet-motion","version":1,"generator":"fuzz","analysis":{},"source":{"path":"in.mp4","width":160,"height":120,"frameCount":3,"frameRate":25},"motion":{"frameTimes":[0,0.04,0.08],"frameRate":25,"frameWidth":160,"frameHeight":120,"tracks":[{"id":0,"modelName":"sfm_3448","expressionBasis":"blendshapes","identity":[0.5,-0.2],"camera":{"projection":"perspective","focalLength":500,"principalPoint":{"x":80,"y":60}},"frames":[\#(frames)]}]}}"#
        XCTAssertNoThrow(try MotionFile.decode(Data(seed.utf8), path: "seed.json"), "the seed itself is valid")
        fuzz("motion files", seeds: [seed]) { text in
            let file = try MotionFile.decode(Data(text.utf8), path: "fuzz.json")
            // Whatever is accepted is inside the limits the renderer relies on.
            if let violation = file.motion.rangeViolation() { XCTFail("accepted motion out of range: \(violation)") }
        }
    }
}
