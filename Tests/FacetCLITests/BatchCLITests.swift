import FacetTestSupport
import Foundation
import XCTest

/// `facet batch` end to end: workers, the state between runs, a killed batch, bad job files, the
/// Slurm scripts and sbatch's failures. (The real cluster is in `SlurmBatchTests`.)
final class BatchCLITests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("in"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("out"), withIntermediateDirectories: true)
    }

    /// A clip of test pattern and tone (no face: the items pass through, which is quick).
    private func makeClip(_ name: String, seconds: Double = 1, size: String = "160x120") throws -> URL {
        let url = directory.appendingPathComponent("in/\(name)")
        try CommandRunner.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=\(size):rate=25:duration=\(seconds)",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", url.path,
        ])
        return url
    }

    private func writeJobFile(_ text: String, name: String = "jobs.yaml") throws -> URL {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func report(_ result: CommandResult) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return try XCTUnwrap(object, "not a JSON report: \(result.stdout)\n\(result.stderr)")
    }

    private func statuses(_ report: [String: Any]) -> [String] {
        (report["items"] as? [[String: Any]] ?? []).map { $0["status"] as? String ?? "?" }
    }

    private func modificationDate(_ url: URL) throws -> Date {
        try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date)
    }

    func testTwoWorkersRunTheItemsAFailedOneDoesNotStopTheOthersAndASecondRunSkipsWhatIsDone() throws {
        for index in 1...3 { _ = try makeClip("clip\(index).mp4") }
        let jobs = try writeJobFile(
            """
            # Three clips and one that is missing.
            format: 1
            defaults:
              chain: 'direct-edit:smile=0.5'
              output: out/{stem}-smile.mp4
            items:
              - inputs: in/clip*.mp4
              - input: in/missing.mp4
            """)
        let first = try CommandRunner.facet("batch", jobs.path, "--jobs", "2", "--json")
        XCTAssertEqual(first.status, 1, "an item failed: the batch says so\n\(first.stderr)")
        let firstReport = try report(first)
        XCTAssertEqual(statuses(firstReport), ["done", "done", "done", "failed"])
        let failed = (firstReport["items"] as? [[String: Any]])?.last
        XCTAssertTrue((failed?["error"] as? String ?? "").contains("in/missing.mp4 does not exist"), "\(failed ?? [:])")
        XCTAssertEqual(firstReport["jobs"] as? Int, 2)
        let outputs = (1...3).map { directory.appendingPathComponent("out/clip\($0)-smile.mp4") }
        for output in outputs {
            let probe = try CommandRunner.facet("probe", output.path, "--json")
            XCTAssertTrue(probe.stdout.contains("\"estimatedFrameCount\" : 25"), probe.stdout)
        }
        XCTAssertEqual((firstReport["items"] as? [[String: Any]])?.prefix(3).map { $0["frames"] as? Int }, [25, 25, 25])
        let written = try outputs.map(modificationDate)

        let second = try CommandRunner.facet("batch", jobs.path, "--jobs", "2", "--json")
        XCTAssertEqual(second.status, 1)
        XCTAssertEqual(statuses(try report(second)), ["skipped", "skipped", "skipped", "failed"])
        XCTAssertEqual(try outputs.map(modificationDate), written, "done items are not made again")
        let attempts = (try report(second)["items"] as? [[String: Any]])?.last?["attempts"] as? Int
        XCTAssertEqual(attempts, 2, "the failed item was tried again")

        // Changing an item's settings makes it due again; the others stay done.
        _ = try writeJobFile(
            """
            format: 1
            defaults:
              chain: 'direct-edit:smile=0.5'
              output: out/{stem}-smile.mp4
            items:
              - inputs: in/clip[13].mp4
              - input: in/clip2.mp4
                crf: 30
            """)
        let third = try CommandRunner.facet("batch", jobs.path, "--json")
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertEqual(statuses(try report(third)), ["skipped", "skipped", "done"])
    }

    func testAKilledBatchIsFinishedByTheNextRunWhichRedoesOnlyTheUnfinishedItems() throws {
        for index in 1...3 { _ = try makeClip("clip\(index).mp4", seconds: index == 2 ? 12 : 1, size: "640x480") }
        let jobs = try writeJobFile(
            "format: 1\ndefaults:\n  chain: 'direct-edit:smile=0.5'\n  output: out/{stem}.mp4\n  x264-preset: medium\nitems:\n  - inputs: in/*.mp4\n"
        )
        let out = directory.appendingPathComponent("out")
        // SIGKILL for the batch and its worker, as a crash or a pulled plug would: nothing gets to clean up.
        var sawPartial = false
        _ = try CommandRunner.run(CommandRunner.facet, ["batch", jobs.path, "--jobs", "1"]) { process in
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning, Date() < deadline {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
                if names.contains("clip1.mp4"), names.contains(where: { $0.hasPrefix(".clip2.facet-partial-") }) {
                    sawPartial = true
                    break
                }
                usleep(20_000)
            }
            // The batch and its worker (the running item's record names its process), at once.
            let items = self.directory.appendingPathComponent("jobs.facet-batch/items")
            for name in (try? FileManager.default.contentsOfDirectory(atPath: items.path)) ?? [] {
                guard let data = FileManager.default.contents(atPath: items.appendingPathComponent(name).path),
                    let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    record["status"] as? String == "running", let pid = record["processID"] as? Int
                else { continue }
                kill(Int32(pid), SIGKILL)
            }
            kill(process.processIdentifier, SIGKILL)
        }
        XCTAssertTrue(sawPartial, "item 2 never started writing while item 1 was done")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.contains("facet-partial") }
        XCTAssertEqual(leftovers.count, 1, "the killed worker left its partial output: \(leftovers)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("clip3.mp4").path))
        let firstDone = try modificationDate(out.appendingPathComponent("clip1.mp4"))

        let between = try CommandRunner.facet("batch", jobs.path, "--summary", "--json")
        XCTAssertEqual(statuses(try report(between)), ["done", "unfinished", "pending"])

        let rerun = try CommandRunner.facet("batch", jobs.path, "--json")
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(statuses(try report(rerun)), ["skipped", "done", "done"], "only the unfinished items ran")
        XCTAssertEqual(try modificationDate(out.appendingPathComponent("clip1.mp4")), firstDone)
        let after = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(after, ["clip1.mp4", "clip2.mp4", "clip3.mp4"], "the partial file was removed")
    }

    func testAJobFileWithErrorsRunsNothingAndListsThemAll() throws {
        _ = try makeClip("a.mp4")
        let jobs = try writeJobFile(
            """
            format: 1
            items:
              - input: in/a.mp4
                output: out/a.mp4
                crf: high
              - input: in/a.mp4
                output: out/a.mp4
                chain: 'no-such-effect'
            """)
        let result = try CommandRunner.facet("batch", jobs.path)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("problems in \(jobs.path); nothing was run"), result.stderr)
        XCTAssertTrue(result.stderr.contains("jobs.yaml:5:10: items entry 1 'crf' is the text"), result.stderr)
        XCTAssertTrue(result.stderr.contains("jobs.yaml:8:12: items entry 2 'chain' is not usable"), result.stderr)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("jobs.facet-batch").path), "nothing ran, no state")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("out").path), [])
    }

    func testAnOutputTheBatchDidNotWriteIsKeptUnlessOverwriteIsGiven() throws {
        _ = try makeClip("a.mp4")
        let output = directory.appendingPathComponent("out/a.mp4")
        try Data("mine".utf8).write(to: output)
        let jobs = try writeJobFile("format: 1\nitems:\n  - input: in/a.mp4\n    output: out/a.mp4\n")
        let refused = try CommandRunner.facet("batch", jobs.path, "--json")
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stdout.contains("exists and was not written by this batch"), refused.stdout)
        XCTAssertEqual(try Data(contentsOf: output), Data("mine".utf8))
        let replaced = try CommandRunner.facet("batch", jobs.path, "--overwrite")
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
        XCTAssertNotEqual(try Data(contentsOf: output), Data("mine".utf8))
    }

    func testAStateFolderOfAnotherJobFileIsRefused() throws {
        _ = try makeClip("a.mp4")
        let first = try writeJobFile("format: 1\nitems:\n  - input: in/a.mp4\n    output: out/a.mp4\n", name: "first.yaml")
        XCTAssertEqual(try CommandRunner.facet("batch", first.path).status, 0)
        let second = try writeJobFile("format: 1\nitems:\n  - input: in/a.mp4\n    output: out/b.mp4\n", name: "second.yaml")
        try FileManager.default.copyItem(
            at: directory.appendingPathComponent("first.facet-batch"), to: directory.appendingPathComponent("second.facet-batch"))
        let refused = try CommandRunner.facet("batch", second.path)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("belongs to the job file \(first.path)"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/b.mp4").path))
    }

    func testEmitSlurmWritesTheScriptsAndSbatchFailuresNameTheCommand() throws {
        _ = try makeClip("a.mp4")
        _ = try makeClip("b.mp4")
        let jobs = try writeJobFile(
            "format: 1\nslurm:\n  partition: short\n  max-parallel: 1\nitems:\n  - inputs: in/*.mp4\n    output: out/{stem}.mp4\n")
        let scripts = directory.appendingPathComponent("scripts")
        let emitted = try CommandRunner.facet("batch", jobs.path, "--emit-slurm", scripts.path, "--time", "0:10:00")
        XCTAssertEqual(emitted.status, 0, emitted.stderr)
        let items = try String(contentsOf: scripts.appendingPathComponent("items.sbatch"), encoding: .utf8)
        for line in ["#SBATCH --array=1-2%1", "#SBATCH --partition=short", "#SBATCH --time=0:10:00", "--task \"$SLURM_ARRAY_TASK_ID\""] {
            XCTAssertTrue(items.contains(line), "missing \(line):\n\(items)")
        }
        let submit = try String(contentsOf: scripts.appendingPathComponent("submit.sh"), encoding: .utf8)
        XCTAssertTrue(submit.contains("--dependency=afterok:"), submit)

        // No sbatch on PATH: the error names the command and what to do.
        let missing = try CommandRunner.facet("batch", jobs.path, "--slurm", environment: ["PATH": directory.path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("sbatch is not on PATH"), missing.stderr)
        // A controller that cannot be reached: sbatch's own message, with the command that failed.
        let fake = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: fake, withIntermediateDirectories: true)
        let sbatch = fake.appendingPathComponent("sbatch")
        try
            "#!/bin/sh\necho 'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)' >&2\nexit 1\n"
            .write(to: sbatch, atomically: true, encoding: .utf8)
        chmod(sbatch.path, 0o755)
        let unreachable = try CommandRunner.facet("batch", jobs.path, "--slurm", environment: ["PATH": "\(fake.path):/usr/bin:/bin"])
        XCTAssertEqual(unreachable.status, 1)
        XCTAssertTrue(unreachable.stderr.contains("`sbatch --parsable "), unreachable.stderr)
        XCTAssertTrue(unreachable.stderr.contains("Unable to contact slurm controller"), unreachable.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/a.mp4").path))
    }

    /// The decoded frames of `video`, one MD5 per frame with its timestamp (ffmpeg's framemd5).
    private func frameDigests(_ video: URL) throws -> [String] {
        let list = directory.appendingPathComponent(video.lastPathComponent + ".md5")
        try CommandRunner.ffmpeg(["-i", video.path, "-map", "0:v", "-f", "framemd5", list.path])
        return try String(contentsOf: list, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    }

    /// Per-frame PSNR (dB, all planes) of `a` against `b`, by ffmpeg's psnr filter (99 for identical frames).
    private func framePSNR(_ a: URL, _ b: URL) throws -> [Double] {
        let stats = directory.appendingPathComponent("psnr.log")
        try CommandRunner.ffmpeg(["-i", a.path, "-i", b.path, "-lavfi", "psnr=stats_file=\(stats.path)", "-f", "null", "-"])
        return try String(contentsOf: stats, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("psnr_avg:") }) else { return nil }
            let value = field.dropFirst("psnr_avg:".count)
            return value == "inf" ? 99 : Double(value)
        }
    }

    func testASegmentedItemMatchesASingleRunFrameForFrameWithOneIdentityAndTheAudio() throws {
        let photo = try SharedData.require("media/faces/obama2.jpg")
        let input = directory.appendingPathComponent("in/talk.mp4")
        // 24 s (10 fps) of a face moving closer and back, a keyframe every 2 s, and a tone: three
        // chunks (0, 10 and 20 s), so three segments.
        try CommandRunner.ffmpeg([
            "-loop", "1", "-i", photo.path, "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100", "-t", "24", "-r", "10",
            "-vf",
            "scale=360:270:force_original_aspect_ratio=increase,crop=360:270,pad=480:360:60:45,zoompan=z='1+0.1*sin(on/12)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=480x360:fps=10,format=yuv420p",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-g", "20", "-c:a", "aac", "-shortest", input.path,
        ])
        // At the default CRF: the issue's bound is 45 dB per frame against the single run.
        let chain = "direct-edit:smile=0.6:yaw=10"
        let jobs = try writeJobFile(
            "format: 1\nitems:\n  - input: in/talk.mp4\n    output: out/segmented.mp4\n    chain: '\(chain)'\n    segments: 3\n"
        )
        let batch = try CommandRunner.facet("batch", jobs.path, "--jobs", "2", "--json")
        XCTAssertEqual(batch.status, 0, batch.stderr)
        XCTAssertEqual(statuses(try report(batch)), ["done"])
        let single = directory.appendingPathComponent("out/single.mp4")
        let applied = try CommandRunner.facet("apply", input.path, "-o", single.path, "--chain", chain, "--json")
        XCTAssertEqual(applied.status, 0, applied.stderr)

        let segmented = directory.appendingPathComponent("out/segmented.mp4")
        let (a, b) = (try frameDigests(segmented), try frameDigests(single))
        XCTAssertEqual(a.count, 240, "the input's frame count")
        let timestamps = { (lines: [String]) in
            lines.map { $0.split(separator: ",").prefix(4).map { $0.trimmingCharacters(in: .whitespaces) } }
        }
        XCTAssertEqual(timestamps(a), timestamps(b), "every frame has the single run's timestamp and duration")
        // Cuts are at chunks, where the single run's tracker and encoder restart as each
        // segment's do: the frames come out identical (99 here); a frame rendered from another
        // frame's motion, or not at all, is near 20 dB.
        let psnr = try framePSNR(segmented, single)
        XCTAssertEqual(psnr.count, 240)
        XCTAssertGreaterThanOrEqual(psnr.min() ?? 0, 45, "\(psnr)")
        // One identity for the face over the whole video: one track, the single run's.
        XCTAssertTrue(batch.stderr.isEmpty || !batch.stderr.contains("error"), batch.stderr)
        let analysed = try CommandRunner.facet("analyze", segmented.path, "--json")
        XCTAssertTrue(analysed.stdout.contains("\"tracks\" : 1"), "one face, edited in every segment: \(analysed.stdout.prefix(400))")
        // The audio was muxed once, whole.
        let probe = try CommandRunner.facet("probe", segmented.path, "--json")
        XCTAssertTrue(probe.stdout.contains("\"codecName\" : \"aac\""), probe.stdout)
        let segmentsFolder = directory.appendingPathComponent("jobs.facet-batch/segments")
        XCTAssertEqual(
            (try? FileManager.default.contentsOfDirectory(atPath: segmentsFolder.path)) ?? [], [],
            "the segments' files are removed once joined")
        // A second run does nothing.
        let again = try CommandRunner.facet("batch", jobs.path, "--json")
        XCTAssertEqual(statuses(try report(again)), ["skipped"])
    }

    func testSegmentsOfAnItemBecomeTheirOwnSlurmTasksBetweenAMergeAndTheJoin() throws {
        let input = directory.appendingPathComponent("in/long.mp4")
        try CommandRunner.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=30", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50",
            input.path,
        ])
        _ = try makeClip("short.mp4")
        let jobs = try writeJobFile(
            "format: 1\nitems:\n  - input: in/short.mp4\n    output: out/short.mp4\n  - input: in/long.mp4\n    output: out/long.mp4\n    segments: 10s\n"
        )
        let scripts = directory.appendingPathComponent("scripts")
        let emitted = try CommandRunner.facet("batch", jobs.path, "--emit-slurm", scripts.path)
        XCTAssertEqual(emitted.status, 0, emitted.stderr)
        let items = try String(contentsOf: scripts.appendingPathComponent("items.sbatch"), encoding: .utf8)
        XCTAssertTrue(items.contains("#SBATCH --array=1-4"), "the short item and the long one's 3 analyses:\n\(items)")
        let render = try String(contentsOf: scripts.appendingPathComponent("render.sbatch"), encoding: .utf8)
        XCTAssertTrue(render.contains("#SBATCH --array=1-3") && render.contains("--stage render"), render)
        let merge = try String(contentsOf: scripts.appendingPathComponent("merge.sbatch"), encoding: .utf8)
        XCTAssertTrue(merge.contains("--stage merge"), merge)
        let summary = try String(contentsOf: scripts.appendingPathComponent("summary.sbatch"), encoding: .utf8)
        XCTAssertTrue(summary.contains("--stage join") && summary.contains("--summary"), summary)
        let submit = try String(contentsOf: scripts.appendingPathComponent("submit.sh"), encoding: .utf8)
        let order = ["items.sbatch", "merge.sbatch", "render.sbatch", "summary.sbatch"].map { submit.range(of: $0)?.lowerBound }
        XCTAssertFalse(order.contains(nil), submit)
        XCTAssertEqual(order.compactMap { $0 }, order.compactMap { $0 }.sorted(), "submitted in step order:\n\(submit)")
    }
}
