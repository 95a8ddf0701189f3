import Foundation

extension Ingestor {
    /// Repairs what a crash left between ingest's durable steps. Safe to run at every start.
    ///
    /// - a row still `ingesting` whose file reached the store is finished from the store copy; one whose file
    ///   did not is removed (the source was never touched, so it is ingested again when seen);
    /// - a store file with no row (crash between the move and the commit) is registered;
    /// - a quarantined file whose row is missing is recorded from its `.reason.json`; a reason file whose
    ///   shard never moved is removed;
    /// - temporary files from interrupted copies are removed.
    @discardableResult
    public func recover() throws -> RecoveryReport {
        var report = RecoveryReport()
        for shard in try catalog.shards(state: .ingesting) {
            let stored = shard.storePath.map(state.absolute)
            if let stored, FileOps.exists(stored) {
                try catalog.deleteShard(id: shard.id)
                if try adopt(stored, sourcePath: shard.sourcePath) { report.completed += 1 }
            } else {
                try catalog.deleteShard(id: shard.id)
                report.rolledBack += 1
            }
        }
        for file in Ingestor.files(under: state.store) {
            let name = file.split(separator: "/").last.map(String.init) ?? ""
            if name.hasPrefix(".tmp-") {
                unlink(file)
                report.temporariesRemoved += 1
                continue
            }
            let sha = String(name.prefix { $0 != "." })
            if try catalog.shard(sha256: sha) == nil, try adopt(file, sourcePath: file) { report.adopted += 1 }
        }
        report.quarantineRecorded = try reconcileQuarantine(&report)
        return report
    }

    /// Registers a file that already sits in the store; it is scanned again, since its counts were never
    /// committed. A store file that no longer validates is quarantined like any other shard.
    private func adopt(_ stored: String, sourcePath: String) throws -> Bool {
        guard ShardFormat(path: stored) != nil else { return false }
        let saved = options.sources
        options.sources = .preserve
        defer { options.sources = saved }
        let result = try ingest(path: stored)
        if result.outcome == .quarantined { return false }
        if let sha = result.sha256, let shard = try catalog.shard(sha256: sha), shard.sourcePath != sourcePath {
            try catalog.setSourcePath(id: shard.id, sourcePath)
        }
        return result.outcome == .accepted
    }

    private func reconcileQuarantine(_ report: inout RecoveryReport) throws -> Int {
        let known = Set(try catalog.quarantined().map(\.quarantinePath))
        var recorded = 0
        for file in Ingestor.files(under: state.quarantine) where file.hasSuffix(".reason.json") {
            let target = String(file.dropLast(".reason.json".count))
            if known.contains(target) { continue }
            guard FileOps.exists(target) else {
                unlink(file)
                report.temporariesRemoved += 1
                continue
            }
            guard let data = FileManager.default.contents(atPath: file),
                  let reason = try? JSONDecoder().decode(QuarantineReason.self, from: data) else { continue }
            try catalog.recordQuarantine(sha256: reason.sha256, kind: ShardFormat(path: reason.path)?.kind,
                                         sourcePath: reason.path, quarantinePath: target,
                                         bytes: FileOps.size(target) ?? 0, reasonCode: reason.reasonCode,
                                         reason: reason.reason, samples: reason.samples ?? 0,
                                         dropped: reason.dropped ?? 0)
            recorded += 1
        }
        for file in Ingestor.files(under: state.quarantine) where file.split(separator: "/").last?.hasPrefix(".tmp-") == true {
            unlink(file)
            report.temporariesRemoved += 1
        }
        return recorded
    }

    /// Regular files under a directory, depth first, sorted for a deterministic order.
    static func files(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let relative = walker.nextObject() as? String {
            let full = root + "/" + relative
            var st = stat()
            if lstat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { out.append(full) }
        }
        return out.sorted()
    }
}
