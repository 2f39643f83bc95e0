import FacetSDK

/// A requirement on an effect's version, as written in presets (`version: ">=0.1"`) and chains
/// (`direct-edit@^0.1`).
///
/// Clauses are separated by commas and must all hold. A clause is an operator and a version of
/// one to three numbers:
/// - `1.2` or `^1.2`: compatible with 1.2 — at least 1.2 with the same first non-zero number
///   (`^1.2` allows 1.x ≥ 1.2; `^0.1` allows 0.1.x; `^0.0.3` allows only 0.0.3);
/// - `~1.2`: at least 1.2 with the same major and minor (`~1` allows any 1.x);
/// - `=1.2`: exactly the numbers given (`=1.2` allows 1.2.x);
/// - `>=`, `>`, `<=`, `<`: compared with the missing numbers taken as 0.
public struct VersionRequirement: Sendable, Equatable, CustomStringConvertible {
    /// How a clause compares.
    enum Operator: String, Sendable, CaseIterable {
        case compatible = "^"
        case tilde = "~"
        case exact = "="
        case atLeast = ">="
        case greater = ">"
        case atMost = "<="
        case less = "<"
    }

    /// One comparison.
    struct Clause: Sendable, Equatable {
        var op: Operator
        /// The numbers as written (1 to 3 of them).
        var numbers: [Int]

        var version: EffectVersion {
            EffectVersion(numbers[0], numbers.count > 1 ? numbers[1] : 0, numbers.count > 2 ? numbers[2] : 0)
        }

        func isSatisfied(by candidate: EffectVersion) -> Bool {
            let given = [candidate.major, candidate.minor, candidate.patch]
            switch op {
            case .compatible:
                let fixed = numbers.firstIndex { $0 != 0 } ?? (numbers.count - 1)
                return candidate >= version && given[0...fixed] == numbers[0...fixed]
            case .tilde:
                let fixed = min(numbers.count, 2)
                return candidate >= version && given[0..<fixed] == numbers[0..<fixed]
            case .exact:
                return given[0..<numbers.count] == numbers[...]
            case .atLeast: return candidate >= version
            case .greater: return candidate > version
            case .atMost: return candidate <= version
            case .less: return candidate < version
            }
        }

        var text: String {
            (op == .compatible ? "^" : op.rawValue) + numbers.map(String.init).joined(separator: ".")
        }
    }

    let clauses: [Clause]

    /// Parses a requirement; nil when it is not of the documented form.
    public init?(parsing text: String) {
        var clauses: [Clause] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            var rest = Substring(part.trimmingWhitespace())
            var op = Operator.compatible
            // Longest operators first so `>=` is not read as `>`.
            for candidate in Operator.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count })
            where rest.hasPrefix(candidate.rawValue) {
                op = candidate
                rest = rest.dropFirst(candidate.rawValue.count)
                break
            }
            let pieces = rest.trimmingWhitespace().split(separator: ".", omittingEmptySubsequences: false)
            let numbers = pieces.compactMap { piece -> Int? in
                guard !piece.isEmpty, piece.allSatisfy(\.isASCII), piece.allSatisfy(\.isNumber) else { return nil }
                return Int(piece)
            }
            guard (1...3).contains(pieces.count), numbers.count == pieces.count else { return nil }
            clauses.append(Clause(op: op, numbers: numbers))
        }
        guard !clauses.isEmpty else { return nil }
        self.clauses = clauses
    }

    /// Whether `version` meets every clause.
    public func isSatisfied(by version: EffectVersion) -> Bool {
        clauses.allSatisfy { $0.isSatisfied(by: version) }
    }

    /// The requirement in canonical form, e.g. `^0.1` or `>=1,<2`.
    public var description: String {
        clauses.map(\.text).joined(separator: ",")
    }

    /// The accepted forms, for error messages.
    static let expectation = "a version requirement such as 0.1, ^1.2, ~1.2, =1.2.3, >=0.1 or >=1,<2"
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
