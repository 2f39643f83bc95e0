import FacetTestSupport
import Foundation
import XCTest

/// `facet batch --slurm` through a real Slurm: the one-node cluster `scripts/with-slurm.sh` starts
/// on localhost (munged, slurmctld and slurmd in a temporary folder) around the test suite, as
/// `make test` and `.ci/run` do. Skipped without it; a failure when `CI=true`.
final class SlurmBatchTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        let environment = ProcessInfo.processInfo.environment
        guard environment["FACET_SLURM_LOCAL"] == "1", environment["SLURM_CONF"] != nil else {
            if environment["CI"] == "true" {
                XCTFail("no local Slurm cluster: run the tests through scripts/with-slurm.sh (make test does), which CI needs")
            }
            throw XCTSkip("no local Slurm cluster (run through scripts/with-slurm.sh, as make test does)")
        }
        directory = try makeTemporaryDirectory(self)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("in"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("out"), withIntermediateDirectories: true)
    }

    private func slurmCommand(_ name: String, _ arguments: [String]) throws -> CommandResult {
        for folder in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return try CommandRunner.run(URL(fileURLWithPath: "\(folder)/\(name)"), arguments)
        }
        throw XCTSkip("\(name) is not installed")
    }

    /// Waits until Slurm lists none of `jobs` any more (they ended, or were cancelled).
    private func waitForJobs(_ jobs: [String], seconds: Double = 240) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let queue = try slurmCommand("squeue", ["-h", "-o", "%i %T %r", "-j", jobs.joined(separator: ",")])
            if queue.status == 0, queue.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return true }
            usleep(500_000)
        }
        return false
    }

    func testFourItemsRunAsAnArrayAndTheSummaryAfterThemAndASecondSubmissionDoesNothing() throws {
        // Clip 4 (24 s, a keyframe every 2 s) is made in three segments, one per chunk (10, 10 and 4 s).
        for index in 1...4 {
            let seconds = index == 4 ? 24 : index
            try CommandRunner.ffmpeg([
                "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=\(seconds)",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50", "-c:a", "aac",
                directory.appendingPathComponent("in/clip\(index).mp4").path,
            ])
        }
        let jobs = directory.appendingPathComponent("jobs.yaml")
        try """
        # Four clips on the local cluster, two tasks at a time.
        format: 1
        defaults:
          chain: 'direct-edit:smile=0.5'
          output: out/{stem}-smile.mp4
        slurm:
          time: "10"
          max-parallel: 2
          cpus-per-task: 1
        items:
          - inputs: in/clip[123].mp4
          - input: in/clip4.mp4
            segments: 3
        """.write(to: jobs, atomically: true, encoding: .utf8)

        let submitted = try CommandRunner.facet("batch", jobs.path, "--slurm", "--json")
        XCTAssertEqual(submitted.status, 0, submitted.stderr)
        let submission = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(submitted.stdout.utf8)) as? [String: Any])
        let submittedJobs = try XCTUnwrap(submission["jobs"] as? [[String: String]], submitted.stdout)
        XCTAssertEqual(submittedJobs.map { $0["name"] ?? "" }, ["items", "merge", "render", "summary"])
        let ids = submittedJobs.compactMap { $0["id"] }
        let array = ids[0]
        let summary = ids[3]
        XCTAssertEqual(submission["items"] as? [Int], [1, 2, 3, 4])
        let script = try String(contentsOf: directory.appendingPathComponent("jobs.facet-batch/slurm/items.sbatch"), encoding: .utf8)
        XCTAssertTrue(script.contains("#SBATCH --array=1-6%2"), "three whole items and three segments' analyses:\n\(script)")

        XCTAssertTrue(try waitForJobs(ids), "the jobs did not end within 4 minutes")
        for index in 1...4 {
            let output = directory.appendingPathComponent("out/clip\(index)-smile.mp4")
            let probe = try CommandRunner.facet("probe", output.path, "--json")
            XCTAssertEqual(probe.status, 0, "item \(index) has no output: \(probe.stderr)")
            XCTAssertTrue(probe.stdout.contains("\"estimatedFrameCount\" : \(25 * (index == 4 ? 24 : index))"), probe.stdout)
        }
        let logs = directory.appendingPathComponent("jobs.facet-batch/logs")
        let summaryLog = try String(contentsOf: logs.appendingPathComponent("slurm-\(summary)-summary.out"), encoding: .utf8)
        XCTAssertTrue(summaryLog.contains("facet: 4 done"), "the summary job ran after the array and found every item done:\n\(summaryLog)")
        let taskLogs = try FileManager.default.contentsOfDirectory(atPath: logs.path).filter { $0.hasPrefix("slurm-\(array)_") }
        XCTAssertEqual(taskLogs.filter { !$0.contains("render") }.count, 6, "one log per array task: \(taskLogs)")

        let again = try CommandRunner.facet("batch", jobs.path, "--slurm")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("all 4 items of jobs.yaml are done; nothing submitted"), again.stderr)
    }

    func testAFailedTaskCancelsTheSummaryInsteadOfLeavingItPending() throws {
        let jobs = directory.appendingPathComponent("jobs.yaml")
        try "format: 1\nitems:\n  - input: in/missing.mp4\n    output: out/missing.mp4\n".write(to: jobs, atomically: true, encoding: .utf8)
        let submitted = try CommandRunner.facet("batch", jobs.path, "--slurm", "--json")
        XCTAssertEqual(submitted.status, 0, submitted.stderr)
        let submission = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(submitted.stdout.utf8)) as? [String: Any])
        let ids = (submission["jobs"] as? [[String: String]] ?? []).compactMap { $0["id"] }
        XCTAssertEqual(ids.count, 2, submitted.stdout)
        XCTAssertTrue(try waitForJobs(ids, seconds: 120), "the summary job was left pending after the task failed")
        let status = try CommandRunner.facet("batch", jobs.path, "--summary", "--json")
        XCTAssertEqual(status.status, 1)
        XCTAssertTrue(
            status.stdout.contains("\"status\" : \"failed\"") && status.stdout.contains("missing.mp4 does not exist"), status.stdout)
    }
}
