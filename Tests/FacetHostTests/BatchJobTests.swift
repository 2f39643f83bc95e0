import FacetSDK
import XCTest

@testable import FacetHost

/// Job files of `facet batch`: globs, patterns and defaults; every error at once; outputs that
/// collide; the state folder's records and identity; the Slurm plan's scripts.
final class BatchJobTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facet-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("talks"), withIntermediateDirectories: true)
        for name in ["b.mp4", "a.mp4", "c.mov", "notes.txt"] {
            _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("talks/\(name)").path, contents: Data([1]))
        }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func load(_ yaml: String, name: String = "jobs.yaml") throws(HostError) -> BatchJob {
        try BatchJobLoader.parse(
            yaml: yaml, file: folder.appendingPathComponent(name), registry: .builtIn,
            presets: PresetLibrary(searchDirectories: []))
    }

    private func problems(_ yaml: String) -> [String] {
        do {
            _ = try load(yaml)
            XCTFail("the job file was accepted")
            return []
        } catch {
            XCTAssertEqual(error.code, .jobFile)
            return error.message.split(separator: "\n").map(String.init)
        }
    }

    func testGlobsPatternsAndDefaultsMakeOneItemPerInput() throws {
        let job = try load(
            """
            # comment
            format: 1
            summary: smile on every talk
            retries: 2
            defaults:
              chain: 'direct-edit:smile=0.5'
              crf: 20
              output: out/{stem}-smile.mp4
            items:
              - inputs: talks/*.mp4
              - input: talks/c.mov
                output: out/{dir}-{name}-{index}.mkv
                crf: 16
                x264-preset: medium
            """)
        XCTAssertEqual(job.items.map(\.number), [1, 2, 3])
        XCTAssertEqual(
            job.items.map(\.input.lastPathComponent), ["a.mp4", "b.mp4", "c.mov"], "a glob's matches sorted, other files left out")
        XCTAssertEqual(
            job.items.map { $0.output.path.replacingOccurrences(of: folder.path + "/", with: "") },
            ["out/a-smile.mp4", "out/b-smile.mp4", "out/talks-c.mov-3.mkv"])
        XCTAssertEqual(job.items.map(\.settings.crf), [20, 20, 16], "an item's own setting wins over the defaults")
        XCTAssertEqual(job.items[2].settings.x264Preset, .medium)
        XCTAssertEqual(job.items[0].chain.invocations.first?.parameters.values["smile"], .number(0.5))
        XCTAssertEqual(job.retries, 2)
        XCTAssertEqual(job.summary, "smile on every talk")
    }

    func testEveryProblemOfTheFileIsListedWithItsLineAndColumn() {
        let lines = problems(
            """
            format: 1
            defaults:
              chain: 'direct-edit:smiel=0.5'
              crf: 99
            items:
              - inputs: nothing/*.mp4
                output: out/{stem}.mp4
              - input: talks/a.mp4
                output: out/a.mp4
                colour: red
              - input: talks/b.mp4
                output: out/b.txt
              - input: talks/c.mov
                output: out/{title}.mp4
            slurm:
              time: 1 hour
              extra: [account=lab]
            """)
        let file = folder.appendingPathComponent("jobs.yaml").path
        XCTAssertTrue(lines[0].contains("8 problems"), lines.joined(separator: "\n"))
        let expected = [
            ("\(file):3:10:", "'defaults' 'chain' is not usable"), ("\(file):4:8:", "'defaults' 'crf' is 99"),
            ("\(file):6:13:", "matches no file"), ("\(file):10:5:", "unknown key 'colour'"),
            ("\(file):12:13:", "no video extension"), ("\(file):14:13:", "unknown placeholder {title}"),
            ("\(file):16:9:", "has spaces"), ("\(file):17:11:", "is not an sbatch option"),
        ]
        XCTAssertEqual(lines.count, expected.count + 1, lines.joined(separator: "\n"))
        for (line, (place, text)) in zip(lines.dropFirst(), expected) {
            XCTAssertTrue(line.contains(place) && line.contains(text), "expected \(place) \(text), got \(line)")
        }
        XCTAssertEqual(lines.filter { $0.contains("'crf' is 99") }.count, 1, "a problem of the defaults is listed once, not per item")
    }

    func testOutputsThatCollideOrOverwriteAnInputAreRefused() {
        let lines = problems(
            """
            format: 1
            items:
              - inputs: talks/*.mp4
                output: out/same.mp4
              - input: talks/a.mp4
                output: out/one.mp4
              - input: talks/b.mp4
                output: out/one.mp4
              - input: talks/c.mov
                output: talks/a.mp4
            """)
        let text = lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("is one file for 2 inputs"), text)
        XCTAssertTrue(text.contains("(a.mp4) and") && text.contains("(b.mp4) both write \(folder.path)/out/one.mp4"), text)
        XCTAssertTrue(text.contains("which is an input of this batch"), text)
    }

    func testANewerFormatIsRefusedWithBothVersions() {
        let lines = problems("format: 7\nitems: [{ input: talks/a.mp4, output: o.mp4 }]\n")
        XCTAssertTrue(lines[0].contains("job-file format 7") && lines[0].contains("update Facet"), lines[0])
    }

    func testTheFingerprintFollowsTheSettingsAndTheInput() throws {
        let yaml = "format: 1\nitems:\n  - input: talks/a.mp4\n    output: out/a.mp4\n    chain: 'direct-edit:smile=0.5'\n"
        let first = try load(yaml).items[0].fingerprint
        XCTAssertEqual(try load(yaml).items[0].fingerprint, first, "the same settings give the same fingerprint")
        XCTAssertNotEqual(try load(yaml.replacingOccurrences(of: "0.5", with: "0.6")).items[0].fingerprint, first)
        XCTAssertNotEqual(try load(yaml + "    crf: 20\n").items[0].fingerprint, first)
        try Data([1, 2, 3]).write(to: folder.appendingPathComponent("talks/a.mp4"))
        XCTAssertNotEqual(try load(yaml).items[0].fingerprint, first, "a changed input is redone")
    }

    func testTheStateRemembersDoneItemsAndRefusesAnotherJobFile() throws {
        let job = try load("format: 1\nitems:\n  - input: talks/a.mp4\n    output: a-out.mp4\n")
        let state = try BatchState.open(for: job.file)
        XCTAssertEqual(state.directory.lastPathComponent, "jobs.facet-batch")
        let item = job.items[0]
        XCTAssertFalse(state.isDone(item))
        _ = FileManager.default.createFile(atPath: item.output.path, contents: Data([7, 7]))
        try state.save(
            BatchItemRecord(
                number: 1, input: item.input.path, output: item.output.path, status: .done, fingerprint: item.fingerprint, attempts: 1,
                frames: 2, outputBytes: 2))
        XCTAssertTrue(state.isDone(item))
        try Data([7, 7, 7]).write(to: item.output)
        XCTAssertFalse(state.isDone(item), "an output that changed since it was written is not done")

        let other = folder.appendingPathComponent("other.yaml")
        XCTAssertThrowsError(try BatchState.open(for: other, directory: state.directory)) { error in
            let message = (error as? HostError)?.message ?? ""
            XCTAssertTrue(message.contains("belongs to the job file \(job.file.path)"), message)
        }
    }

    func testTheSlurmPlanFoldsTheArrayAndCarriesTheSettings() throws {
        let job = try load(
            """
            format: 1
            slurm:
              partition: short
              time: "1:00:00"
              mem: 4G
              max-parallel: 2
              extra: [--account=lab]
            items:
              - inputs: talks/*
                output: out/{name}.mp4
            """)
        var flags = SlurmSettings()
        flags.timeLimit = "20"
        flags.cpusPerTask = 4
        let plan = SlurmPlan(
            job: job, items: [1, 2, 3, 5, 7, 8], facet: URL(fileURLWithPath: "/opt/facet's/bin/facet"),
            settings: job.slurm.overridden(by: flags), logDirectory: folder.appendingPathComponent("logs"))
        XCTAssertEqual(plan.arraySpecification, "1-3,5,7-8%2")
        let script = plan.itemsScript
        for line in [
            "#SBATCH --array=1-3,5,7-8%2", "#SBATCH --partition=short", "#SBATCH --time=20", "#SBATCH --mem=4G",
            "#SBATCH --cpus-per-task=4",
            "#SBATCH --account=lab", "#SBATCH --job-name=facet-jobs",
            "exec '/opt/facet'\\''s/bin/facet' batch '\(job.file.path)' --task \"$SLURM_ARRAY_TASK_ID\"",
        ] {
            XCTAssertTrue(script.contains(line), "missing \(line) in\n\(script)")
        }
        XCTAssertTrue(plan.summaryScript.contains("--summary"))
        XCTAssertFalse(plan.summaryScript.contains("--array"))
    }
}

/// The lines a worker prints for the scheduler that started it.
final class WorkerLineTests: XCTestCase {
    func testPhaseLinesWithSpacesInTheirNameReadBack() {
        let line = WorkerLine.phase("analysing segment 2", framesDone: 40, total: nil)
        XCTAssertEqual(WorkerLine.parse(Substring(line)), .phase("analysing segment 2", framesDone: 40, total: nil))
        XCTAssertEqual(
            WorkerLine.parse(Substring(WorkerLine.phase("rendering", framesDone: 3, total: 10))),
            .phase("rendering", framesDone: 3, total: 10))
        XCTAssertEqual(WorkerLine.parse(Substring(WorkerLine.attempt(2, of: 3))), .attempt(2, of: 3))
        XCTAssertNil(WorkerLine.parse("facet: warning: something else"))
    }
}
