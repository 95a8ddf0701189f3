import Foundation

/// A training step as the catalog records it.
public struct StepRecord: Equatable, Sendable {
    public var id: Int64
    /// The run the step belongs to (DESIGN §11); `main` unless named.
    public var run: String = Run.main
    /// The step group's label, e.g. "2014-2016".
    public var label: String
    public var first: Month
    public var last: Month
    /// `planned` → `training` → `trained` → `evaluated`.
    public var state: String
    public var policy: String?
    public var samplesSeen: Int?
    public var flops: Double?
    public var seconds: Double?
    /// What a method beyond replay did in the step, as JSON: its extra compute, and for patching the chosen β.
    public var methodJSON: String?
}

/// A checkpoint file of a step; `accepted` once it was written whole and loaded back.
public struct CheckpointRecord: Equatable, Sendable {
    public var id: Int64
    public var stepLabel: String
    public var path: String
    public var sha256: String?
    public var accepted: Bool
    public var createdAt: Int64
}

/// One cell of the evaluation matrix: a checkpoint scored on one step group's held-out split.
public struct EvalResult: Equatable, Sendable {
    public var checkpointID: Int64
    public var sliceGroup: String
    /// The headline metric's name (`mean_recall@1`, `perplexity`, ...) and value.
    public var metric: String
    public var value: Double?
    /// Every metric of the cell as JSON (`image_to_text_R@1`, ..., or loss, perplexity, bits per byte).
    public var detailJSON: String?

    public init(checkpointID: Int64, sliceGroup: String, metric: String, value: Double?, detailJSON: String?) {
        self.checkpointID = checkpointID; self.sliceGroup = sliceGroup; self.metric = metric
        self.value = value; self.detailJSON = detailJSON
    }
}

extension Catalog {
    /// Every step of `run` in time order.
    public func steps(run: String = Run.main) throws -> [StepRecord] {
        try locked {
            let q = try database.prepare("""
                SELECT id, label, first_slice, last_slice, state, policy, samples_seen, flops, seconds, method_json, run
                FROM steps WHERE run = ?1 ORDER BY first_slice, id
                """)
            try q.bind(1, run)
            var out: [StepRecord] = []
            while try q.step() {
                guard let first = Month(q.string(2) ?? ""), let last = Month(q.string(3) ?? "") else {
                    throw CatalogError(.badValue, message: "step \(q.string(1) ?? "?") has a bad slice range", path: path)
                }
                out.append(StepRecord(id: q.int64(0), run: q.string(10) ?? Run.main, label: q.string(1) ?? "",
                                      first: first, last: last, state: q.string(4) ?? "", policy: q.string(5),
                                      samplesSeen: q.isNull(6) ? nil : q.int(6), flops: q.isNull(7) ? nil : q.double(7),
                                      seconds: q.isNull(8) ? nil : q.double(8), methodJSON: q.string(9)))
            }
            return out
        }
    }

    /// Moves a step to `state`, and records its compute once it has trained. Commits durably.
    public func setStepState(run: String = Run.main, label: String, _ state: String, samplesSeen: Int? = nil,
                             flops: Double? = nil, seconds: Double? = nil, methodJSON: String? = nil) throws {
        try locked {
            try database.transaction(durable: true) {
                let q = try database.prepare("""
                    UPDATE steps SET state = ?2,
                        samples_seen = coalesce(?3, samples_seen), flops = coalesce(?4, flops),
                        seconds = coalesce(?5, seconds),
                        finished_at = CASE WHEN ?3 IS NULL THEN finished_at ELSE ?6 END,
                        method_json = coalesce(?7, method_json)
                    WHERE label = ?1 AND run = ?8
                    """)
                try q.bind(1, label)
                try q.bind(2, state)
                try q.bind(3, samplesSeen)
                try q.bind(4, flops)
                try q.bind(5, seconds)
                try q.bind(6, Int64(Date().timeIntervalSince1970))
                try q.bind(7, methodJSON)
                try q.bind(8, run)
                try q.step()
                guard database.changes == 1 else {
                    throw CatalogError(.badValue, message: "no step labelled \(label) in run \(run)", path: path)
                }
            }
        }
    }

    /// Registers a checkpoint file of a step, not yet accepted.
    /// - Returns: the checkpoint's id.
    public func addCheckpoint(run: String = Run.main, stepLabel: String, path file: String, sha256: String?) throws -> Int64 {
        try locked {
            try database.transaction(durable: true) {
                let q = try database.prepare("""
                    INSERT INTO checkpoints(step_id, path, sha256, accepted, created_at)
                    SELECT id, ?2, ?3, 0, ?4 FROM steps WHERE label = ?1 AND run = ?5
                    """)
                try q.bind(5, run)
                try q.bind(1, stepLabel)
                try q.bind(2, file)
                try q.bind(3, sha256)
                try q.bind(4, Int64(Date().timeIntervalSince1970))
                try q.step()
                guard database.changes == 1 else {
                    throw CatalogError(.badValue, message: "no step labelled \(stepLabel)", path: path)
                }
                return database.lastInsertRowID
            }
        }
    }

    /// Marks a checkpoint accepted: written whole and loaded back. Commits durably.
    public func acceptCheckpoint(id: Int64) throws {
        try locked {
            try database.transaction(durable: true) {
                let q = try database.prepare("UPDATE checkpoints SET accepted = 1 WHERE id = ?1")
                try q.bind(1, id)
                try q.step()
            }
        }
    }

    /// Every checkpoint of `run`, oldest first.
    public func checkpoints(run: String = Run.main) throws -> [CheckpointRecord] {
        try locked {
            let q = try database.prepare("""
                SELECT c.id, s.label, c.path, c.sha256, c.accepted, c.created_at
                FROM checkpoints c JOIN steps s ON s.id = c.step_id WHERE s.run = ?1 ORDER BY s.first_slice, c.id
                """)
            try q.bind(1, run)
            var out: [CheckpointRecord] = []
            while try q.step() {
                out.append(CheckpointRecord(id: q.int64(0), stepLabel: q.string(1) ?? "", path: q.string(2) ?? "",
                                            sha256: q.string(3), accepted: q.int(4) != 0, createdAt: q.int64(5)))
            }
            return out
        }
    }

    /// The newest accepted checkpoint: what the next step warm-starts from.
    public func lastAcceptedCheckpoint(run: String = Run.main) throws -> CheckpointRecord? {
        try checkpoints(run: run).last { $0.accepted }
    }

    /// Stores (or replaces) one cell of the evaluation matrix.
    public func recordEval(_ result: EvalResult) throws {
        try locked {
            let q = try database.prepare("""
                INSERT INTO eval_results(checkpoint_id, slice_group, metric, value, detail_json, created_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                ON CONFLICT(checkpoint_id, slice_group) DO UPDATE SET metric = ?3, value = ?4, detail_json = ?5
                """)
            try q.bind(1, result.checkpointID)
            try q.bind(2, result.sliceGroup)
            try q.bind(3, result.metric)
            try q.bind(4, result.value)
            try q.bind(5, result.detailJSON)
            try q.bind(6, Int64(Date().timeIntervalSince1970))
            try q.step()
        }
    }

    /// The stored cells of one checkpoint, whichever run it belongs to.
    public func evalResults(checkpointID: Int64) throws -> [EvalResult] {
        try locked {
            let q = try database.prepare("""
                SELECT checkpoint_id, slice_group, metric, value, detail_json FROM eval_results
                WHERE checkpoint_id = ?1 ORDER BY slice_group
                """)
            try q.bind(1, checkpointID)
            var out: [EvalResult] = []
            while try q.step() {
                out.append(EvalResult(checkpointID: q.int64(0), sliceGroup: q.string(1) ?? "", metric: q.string(2) ?? "",
                                      value: q.isNull(3) ? nil : q.double(3), detailJSON: q.string(4)))
            }
            return out
        }
    }

    /// Every stored cell of the checkpoints of `run`.
    public func evalResults(run: String = Run.main) throws -> [EvalResult] {
        try locked {
            let q = try database.prepare("""
                SELECT e.checkpoint_id, e.slice_group, e.metric, e.value, e.detail_json FROM eval_results e
                JOIN checkpoints c ON c.id = e.checkpoint_id JOIN steps s ON s.id = c.step_id WHERE s.run = ?1
                ORDER BY e.checkpoint_id, e.slice_group
                """)
            try q.bind(1, run)
            var out: [EvalResult] = []
            while try q.step() {
                out.append(EvalResult(checkpointID: q.int64(0), sliceGroup: q.string(1) ?? "", metric: q.string(2) ?? "",
                                      value: q.isNull(3) ? nil : q.double(3), detailJSON: q.string(4)))
            }
            return out
        }
    }

    /// E[i][j] over the accepted checkpoints (rows, one per step, in time order) and every step group that
    /// was planned or evaluated on (columns, in time order: a group's label starts with its first month or
    /// year, so labels sort by time), from the stored cells; cells not evaluated yet are nil.
    public func evalMatrix(run: String = Run.main, higherIsBetter: Bool) throws -> EvalMatrix {
        let steps = try self.steps(run: run)
        let accepted = try checkpoints(run: run).filter(\.accepted)
        // The last accepted checkpoint of each step is that step's model.
        var byStep: [String: CheckpointRecord] = [:]
        for c in accepted { byStep[c.stepLabel] = c }
        let rows = steps.filter { byStep[$0.label] != nil }
        let results = try evalResults(run: run)
        let columns = Set(steps.map(\.label)).union(results.map(\.sliceGroup)).sorted()
        let cells = Dictionary(results.map { ("\($0.checkpointID)/\($0.sliceGroup)", $0.value) },
                               uniquingKeysWith: { a, _ in a })
        let values = rows.map { step in
            columns.map { group in cells["\(byStep[step.label]!.id)/\(group)"] ?? nil }
        }
        return EvalMatrix(rows: rows.map(\.label), columns: columns, values: values, higherIsBetter: higherIsBetter)
    }
}
