import FacetSDK

// `facet apply --preset mimic --set driver=talk.mp4`: a value given on the command line to every
// effect of the chain that declares the parameter, so a preset can leave its driver (or its
// faces, or a strength) to the person running it.

extension EffectChain {
    /// The chain with `assignment` (`name=value`, the value written as in a `--chain`) set on
    /// every effect that declares `name`. Throws when the text is not `name=value`, when no effect
    /// of the chain declares `name`, or when the value is invalid for one that does.
    public func setting(_ assignment: String) throws(HostError) -> EffectChain {
        let location = SourceLocation(file: "--set", line: 1, column: 1)
        guard let equals = assignment.firstIndex(of: "=") else {
            throw HostError(
                .invalidArguments, "--set \(DisplayText.quoted(assignment)) is not NAME=VALUE; expected e.g. --set driver=talk.mp4")
        }
        let name = assignment[..<equals].trimmingCharacters(in: .whitespaces)
        var text = String(assignment[assignment.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        let quoted = text.count >= 2 && (text.hasPrefix("\"") && text.hasSuffix("\"") || text.hasPrefix("'") && text.hasSuffix("'"))
        if quoted { text = String(text.dropFirst().dropLast()) }
        guard !name.isEmpty, !text.isEmpty else {
            throw HostError(.invalidArguments, "--set \(DisplayText.quoted(assignment)) needs a name and a value; expected NAME=VALUE")
        }
        guard !isEmpty else {
            throw HostError(.invalidArguments, "--set \(name)=… has no effect to set: expected a --preset or --chain")
        }
        var changed = false
        var result: [EffectInvocation] = []
        for invocation in invocations {
            let descriptor = invocation.descriptor
            guard let spec = descriptor.parameter(named: name) else {
                result.append(invocation)
                continue
            }
            let valueStart = SourceLocation(file: "--set", line: 1, column: name.count + 2 + (quoted ? 1 : 0))
            let value = try ValueSyntax.scalarValue(
                text, quoted: quoted, spec: spec, effectID: descriptor.id, at: location, textStart: valueStart)
            var given = invocation.parameters.values
            given[name] = value
            let parameters: EffectParameters
            do {
                parameters = try EffectParameters(schema: descriptor.parameters, given: given)
            } catch {
                throw HostError(.invalidParameter, "--set \(name) for \(descriptor.id)", at: location, cause: error)
            }
            result.append(
                EffectInvocation(
                    effect: invocation.effect, parameters: parameters, versionRequirement: invocation.versionRequirement,
                    location: invocation.location))
            changed = true
        }
        guard changed else {
            let names = Set(invocations.flatMap { $0.descriptor.parameters.map(\.name) }).sorted().joined(separator: ", ")
            throw HostError(
                .invalidArguments, "--set \(name): no effect of the chain has a parameter '\(name)'; expected one of: \(names)")
        }
        return EffectChain(invocations: result)
    }
}
