import Foundation
import Timeline

/// `ticd slices` and `ticd shards`: read-only views of the catalog (DESIGN §10).
enum CatalogCommands {
    struct SliceRow: Encodable { let slice: String; let train: Int; let eval: Int; let shards: Int }

    struct ShardRow: Encodable {
        let path: String
        let sha256: String
        let state: String
        let reason: String?
        let reasonCode: String?
        let samples: Int
        let dropped: Int
        let slices: [String: Int]

        enum CodingKeys: String, CodingKey {
            case path, sha256, state, reason, reasonCode = "reason_code", samples, dropped, slices
        }
    }

    /// The rows of `ticd slices --json` and `GET /v0/slices`.
    static func sliceRows(_ catalog: Catalog) throws -> [SliceRow] {
        try catalog.slices().map {
            SliceRow(slice: $0.slice.description, train: $0.train, eval: $0.eval, shards: $0.shards)
        }
    }

    /// The rows of `ticd shards --json` and `GET /v0/shards`.
    static func shardRows(_ catalog: Catalog) throws -> [ShardRow] {
        try catalog.shards().map { s in
            ShardRow(path: s.storePath ?? s.sourcePath, sha256: s.sha256, state: s.state.rawValue,
                     reason: s.reason, reasonCode: s.reasonCode, samples: s.samples, dropped: s.dropped,
                     slices: Dictionary(uniqueKeysWithValues: s.slices.map { ($0.key.description, $0.value.train + $0.value.eval) }))
        }
    }

    static func slices(_ args: [String]) throws -> Int32 {
        let (catalog, json) = try open(args)
        let rows = try sliceRows(catalog)
        if json {
            print(jsonLine(rows))
        } else {
            print("slice     train     eval  shards")
            for r in rows {
                print(r.slice + pad(r.train, 10) + pad(r.eval, 9) + pad(r.shards, 8))
            }
        }
        return 0
    }

    static func shards(_ args: [String]) throws -> Int32 {
        let (catalog, json) = try open(args)
        let rows = try shardRows(catalog)
        if json {
            print(jsonLine(rows))
        } else {
            for r in rows {
                print("\(r.state.padding(toLength: 12, withPad: " ", startingAt: 0)) \(r.sha256.prefix(12))  "
                      + "\(r.samples) samples  \(r.path)\(r.reason.map { "  (\($0))" } ?? "")")
            }
        }
        return 0
    }

    private static func open(_ args: [String]) throws -> (Catalog, Bool) {
        let a = try Arguments(args, valueFlags: ["state"], boolFlags: ["json"])
        let state = StateDirectory(try a.require("state"))
        guard FileManager.default.fileExists(atPath: state.catalogPath) else {
            throw UsageError("no catalog at \(state.catalogPath); run `ticd ingest --state \(state.root) ...` first")
        }
        return (try Catalog(path: state.catalogPath), a.flag("json"))
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(1, width - s.count)) + s
    }
}
