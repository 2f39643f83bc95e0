import FacetSDK
import Foundation

/// The descriptor checks of `facet plugins check`: ids, versions, parameter defaults, units and
/// documentation.
enum DescriptorChecks {
    /// Lower-case words of letters, digits and `-`, at least two, joined by dots: `com.example.gaze`.
    static func isReverseDNS(_ id: String) -> Bool {
        let parts = id.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        return parts.allSatisfy { part in
            guard let first = part.first, first.isASCII, first.isLetter, first.isLowercase else { return false }
            return part.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" } && part.last != "-"
        }
    }

    /// `major.minor.patch` of non-negative whole numbers, optionally with a `-pre-release` and a
    /// `+build` suffix (semver.org).
    static func isSemanticVersion(_ text: String) -> Bool {
        let core = text.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)[0]
            .split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        return numbers.count == 3
            && numbers.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) && ($0 == "0" || $0.first != "0") }
    }

    /// Words in a parameter name that say the number has a unit (an angle, a time, a distance);
    /// such a parameter without one gets a warning.
    static let unitWords = [
        "angle", "yaw", "pitch", "roll", "turn", "tilt", "delay", "duration", "time", "lag", "lead", "start", "end", "offset",
        "distance", "seconds", "fade", "length",
    ]

    /// Checks on the descriptor's JSON that a decoded descriptor cannot show, because decoding
    /// refuses it: each numeric parameter's default inside its own range.
    static func rawParameterLines(_ json: String, subject: String) -> [PluginCheckLine] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            return [PluginCheckLine(.fail, subject, "the descriptor is not a JSON object; expected the SDK's EffectDescriptor JSON")]
        }
        let id = (object["id"] as? String).map { $0 } ?? subject
        var lines: [PluginCheckLine] = []
        for case let parameter as [String: Any] in object["parameters"] as? [Any] ?? [] {
            let name = parameter["name"] as? String ?? "?"
            guard let value = (parameter["defaultValue"] as? [String: Any])?["number"] as? Double else { continue }
            let minimum = parameter["minimum"] as? Double, maximum = parameter["maximum"] as? Double
            let range = "\(minimum.map(ParameterSpec.format) ?? "")…\(maximum.map(ParameterSpec.format) ?? "")"
            if let minimum, value < minimum {
                lines.append(
                    PluginCheckLine(
                        .fail, id,
                        "parameter '\(name)' has default \(ParameterSpec.format(value)), below its minimum \(ParameterSpec.format(minimum)); expected a default inside its range \(range)"
                    ))
            } else if let maximum, value > maximum {
                lines.append(
                    PluginCheckLine(
                        .fail, id,
                        "parameter '\(name)' has default \(ParameterSpec.format(value)), above its maximum \(ParameterSpec.format(maximum)); expected a default inside its range \(range)"
                    ))
            }
        }
        return lines
    }

    /// The checks on a decoded descriptor.
    static func lines(_ descriptor: EffectDescriptor, pluginID: String?) -> [PluginCheckLine] {
        let id = descriptor.id
        var lines: [PluginCheckLine] = []
        var problems = 0
        func add(_ status: PluginCheckLine.Status, _ message: String) {
            lines.append(PluginCheckLine(status, id, message))
            if status != .pass { problems += 1 }
        }
        if !isReverseDNS(id) {
            add(.fail, "the effect id is not a reverse-DNS id; expected lower-case words joined by dots, e.g. com.example.gaze")
        } else if let pluginID, !pluginID.isEmpty, !id.hasPrefix(pluginID + "."), id != pluginID {
            add(.warn, "the effect id does not extend the plugin id \(pluginID); ids usually do (\(pluginID).NAME)")
        }
        if descriptor.version.major < 0 || descriptor.version.minor < 0 || descriptor.version.patch < 0 {
            add(.fail, "version \(descriptor.version) has a negative part; expected major.minor.patch of whole numbers")
        }
        if descriptor.summary.trimmingCharacters(in: .whitespaces).isEmpty {
            add(.fail, "the summary is empty; expected one line saying what the effect does")
        }
        for spec in descriptor.parameters {
            let name = spec.name
            if !name.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }) || name.isEmpty {
                add(.warn, "parameter '\(name)' is not written in lower case with '-' between words, as chains and presets expect")
            }
            if spec.documentation.trimmingCharacters(in: .whitespaces).isEmpty {
                add(.fail, "parameter '\(name)' has no documentation; expected a sentence for the parameter table")
            }
            guard spec.type == .number || spec.type == .integer else { continue }
            if spec.minimum == nil || spec.maximum == nil {
                add(.warn, "parameter '\(name)' has no \(spec.minimum == nil ? "minimum" : "maximum"): its extremes cannot be tried")
            }
            let words = name.split(separator: "-").map(String.init)
            if spec.unit == nil, let word = words.first(where: unitWords.contains) {
                add(.warn, "parameter '\(name)' has no unit, but '\(word)' suggests one (deg, s, frames…); say it in the descriptor")
            }
        }
        if problems == 0 {
            add(.pass, "descriptor: id, version \(descriptor.version), summary and \(descriptor.parameters.count) parameter(s) well formed")
        }
        return lines
    }
}
