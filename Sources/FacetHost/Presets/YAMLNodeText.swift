import Yams

// How preset files and job files name what a YAML node holds in their error messages, so both
// say "is the text \"x\"; expected …" alike.

extension Node {
    /// Whether the node is an empty value (`key:` with nothing, `~` or `null`).
    var isNullValue: Bool {
        guard let scalar, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// What the node is, for messages: `a mapping`, `a list`, `empty`, `the text "x"`, `15`.
    var kindDescription: String {
        if mapping != nil { return "a mapping" }
        if sequence != nil { return "a list" }
        if isNullValue { return "empty" }
        guard let scalar else { return "a value" }
        if scalar.style == .plain, ValueSyntax.number(scalar.string) != nil || ValueSyntax.boolean(scalar.string) != nil {
            return scalar.string
        }
        return "the text \"\(scalar.string)\""
    }
}
