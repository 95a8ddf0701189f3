/// A small command-line reader: `--flag value`, `--flag=value`, boolean `--flag`, and positionals.
///
/// Unknown flags are errors that name the flag, so a typo never silently changes behaviour.
struct Arguments {
    private(set) var positionals: [String] = []
    /// Every value of each flag in the order given; a flag may repeat (`--compare A --compare B`).
    private var values: [String: [String]] = [:]
    private var switches: Set<String> = []
    private var consumed: Set<String> = []

    /// - Parameters:
    ///   - arguments: the words after the subcommand.
    ///   - valueFlags: flags that take a value, without the leading dashes.
    ///   - boolFlags: flags that take none.
    init(_ arguments: [String], valueFlags: Set<String>, boolFlags: Set<String> = []) throws {
        var i = 0
        while i < arguments.count {
            let word = arguments[i]
            i += 1
            guard word.hasPrefix("--"), word.count > 2 else { positionals.append(word); continue }
            var name = String(word.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if valueFlags.contains(name) {
                if let inline { values[name, default: []].append(inline); continue }
                guard i < arguments.count else { throw UsageError("--\(name) needs a value") }
                values[name, default: []].append(arguments[i])
                i += 1
            } else if boolFlags.contains(name), inline == nil {
                switches.insert(name)
            } else {
                throw UsageError("unknown option --\(name)")
            }
        }
    }

    /// The flag's value; the last one when it was given more than once.
    func string(_ name: String) -> String? { values[name]?.last }

    /// Every value the flag was given, in order; empty when it was not given.
    func all(_ name: String) -> [String] { values[name] ?? [] }

    func flag(_ name: String) -> Bool { switches.contains(name) }

    func require(_ name: String) throws -> String {
        guard let v = string(name) else { throw UsageError("missing --\(name)") }
        return v
    }

    func double(_ name: String) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let v = Double(text) else { throw UsageError("--\(name) expects a number, got \"\(text)\"") }
        return v
    }

    func int(_ name: String) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let v = Int(text) else { throw UsageError("--\(name) expects an integer, got \"\(text)\"") }
        return v
    }
}

/// A mistake on the command line; printed with the usage and exit status 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
