import Foundation

/// The state directory's layout (DESIGN §10): `catalog.sqlite`, `store/` (accepted shards, content-addressed),
/// `quarantine/` (rejected shards, each with a `.reason.json`), `checkpoints/` and `runs/`.
public struct StateDirectory: Sendable {
    public let root: String

    public init(_ root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    public var catalogPath: String { root + "/catalog.sqlite" }
    public var store: String { root + "/store" }
    public var quarantine: String { root + "/quarantine" }
    public var checkpoints: String { root + "/checkpoints" }
    public var runs: String { root + "/runs" }

    /// Creates the directory tree (mode 0750) where it is missing.
    public func create() throws {
        for dir in [root, store, quarantine, checkpoints, runs] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o750])
            } catch {
                throw ShardError(.io, path: dir, detail: "cannot create the state directory: \(error.localizedDescription)")
            }
        }
    }

    /// Where a shard with this digest lives in the store, relative to `root`:
    /// `store/ab/abcdef….jsonl.zst`. Two levels keep directories small at a million shards.
    public func storeRelativePath(sha256: String, format: ShardFormat) -> String {
        "store/\(sha256.prefix(2))/\(sha256).\(format.fileExtension)"
    }

    public func absolute(_ relative: String) -> String { root + "/" + relative }
}
