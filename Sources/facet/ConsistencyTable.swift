import FacetHost
import Foundation

/// `facet analyze --consistency` as text: one row per face and variant, then a verdict.
struct ConsistencyTable {
    let report: FaceAnalysisTool.ConsistencyReport

    init(_ report: FaceAnalysisTool.ConsistencyReport) { self.report = report }

    var text: String {
        var lines: [String] = []
        lines.append(
            "\(report.image) (\(report.width)x\(report.height)): \(report.referenceFaces.count) face\(report.referenceFaces.count == 1 ? "" : "s")"
        )
        for face in report.referenceFaces {
            if let pose = face.pose {
                lines.append(
                    String(
                        format: "  face %d: %.0f px at (%.0f, %.0f), yaw %.1f°, pitch %.1f°, roll %.1f°", face.id, face.box.height,
                        face.box.center.x, face.box.center.y, pose.yaw, pose.pitch, pose.roll))
            } else {
                lines.append(
                    String(
                        format: "  face %d: %.0f px at (%.0f, %.0f), too small to analyse here: looked for in the larger variants",
                        face.id, face.box.height, face.box.center.x, face.box.center.y))
            }
        }
        for note in report.notUsed { lines.append("  \(note)") }
        guard !report.results.isEmpty else {
            lines.append("no face to compare: nothing found in the picture as it is")
            return lines.joined(separator: "\n")
        }
        let header = ["variant", "face", "size", "found", "yaw", "pitch", "roll", "Δ pose", "jitter px / °", "raw px / °", ""]
        var rows: [[String]] = []
        for result in report.results {
            let pose = result.pose
            func angle(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "–" }
            let jitter = result.landmarkJitter.map { String(format: "%.3f / %.3f", $0, result.poseJitter ?? .nan) } ?? ""
            let raw = result.rawLandmarkJitter.map { String(format: "%.3f / %.3f", $0, result.rawPoseJitter ?? .nan) } ?? ""
            let found = result.reportedTooSmall ? "too small" : "\(result.foundFrames)/\(result.frames)"
            rows.append([
                result.variant, "\(result.face)", String(format: "%.0f", result.size), found,
                angle(pose?.yaw), angle(pose?.pitch), angle(pose?.roll),
                result.deviation.map { String(format: "%.1f°", $0) } ?? "–", jitter, raw,
                result.failures.isEmpty ? "ok" : "OUT: " + result.failures.joined(separator: "; "),
            ])
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func format(_ row: [String]) -> String {
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: max(0, widths[column] - cell.count))
                return column == 0 || column == row.count - 1 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
        lines.append("")
        lines.append(format(header))
        lines += rows.map(format)
        lines.append("")
        let failed = report.results.filter { !$0.failures.isEmpty }.count
        let b = report.bounds
        lines.append(
            String(
                format:
                    "bounds: found on %.0f%% of frames (faces ≥ the minimum size); pose within %.1f° (mirrored: yaw and roll flip; turned: roll by the turn ± %.1f°); a still as a video: jitter below %.2f px and %.2f°",
                b.foundShare * 100, b.pose, b.rollChange, b.landmarkJitter, b.poseJitter))
        lines.append(
            failed == 0 ? "all \(report.results.count) checks within bounds" : "\(failed) of \(report.results.count) checks out of bounds")
        return lines.joined(separator: "\n")
    }
}
