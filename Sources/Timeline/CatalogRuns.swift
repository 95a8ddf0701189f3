import Foundation

/// A named run inside a state directory (DESIGN §11): a config (policy, α, budgets, model, method) whose steps,
/// checkpoints and eval matrix are its own, on the catalog, store and eval splits that every run shares.
public struct Run: Equatable, Sendable {
    /// The run of a state directory that names none; what every catalog made before runs existed holds.
    public static let main = "main"

    public var name: String
    /// The run's config file as JSON, as it was when the run was registered or last updated.
    public var configJSON: String?
    public var createdAt: Int64

    public init(name: String, configJSON: String?, createdAt: Int64) {
        self.name = name; self.configJSON = configJSON; self.createdAt = createdAt
    }

    /// A run name is a path component under `runs/` and a URL query value: letters, digits, `.`, `_` and `-`,
    /// starting with a letter or digit, at most 64 characters.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64,
              CharacterSet.alphanumerics.contains(first), first.isASCII else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }
}

extension Catalog {
    /// Every run, in the order they were registered; `main` is listed once it has a step or a registration.
    public func runs() throws -> [Run] {
        try locked {
            let q = try database.prepare("SELECT name, config_json, created_at FROM runs ORDER BY created_at, rowid")
            var out: [Run] = []
            while try q.step() {
                out.append(Run(name: q.string(0) ?? "", configJSON: q.string(1), createdAt: q.int64(2)))
            }
            return out
        }
    }

    /// Registers `name` with its config, or updates the config of a run that exists. Commits durably.
    /// - Throws: `CatalogError` `.badValue` for a name `Run.isValidName` refuses.
    public func registerRun(_ name: String, configJSON: String?) throws {
        guard Run.isValidName(name) else {
            throw CatalogError(.badValue, message: "run name \"\(name)\" must be 1-64 letters, digits, '.', '_' or '-', "
                                   + "starting with a letter or digit", path: path)
        }
        try locked {
            try database.transaction(durable: true) {
                let q = try database.prepare("""
                    INSERT INTO runs(name, config_json, created_at) VALUES (?1, ?2, ?3)
                    ON CONFLICT(name) DO UPDATE SET config_json = coalesce(?2, config_json)
                    """)
                try q.bind(1, name)
                try q.bind(2, configJSON)
                try q.bind(3, Int64(Date().timeIntervalSince1970))
                try q.step()
            }
        }
    }
}
