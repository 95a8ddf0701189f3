import Foundation
import Timeline

/// `ticd bench plan`: plans the last yearly step of each policy over a synthetic catalog shaped like
/// TiC-DataComp (≈ 12.7B samples in 1M shards over 2014–2022) and measures time and memory.
public enum PlanBenchmark {
    /// One line of the benchmark: `{"policy","shards","seconds","peak_rss_mb"}` plus the plan's size, its
    /// JSON encode, decode and save times, and the peak memory with those.
    public struct Row: Codable, Equatable, Sendable {
        public var policy: ReplayPolicyName
        public var shards: Int
        /// Reading the train counts from the catalog plus planning.
        public var seconds: Double
        /// The process's peak resident set while reading and planning (VmHWM, reset before each plan when
        /// the kernel allows it, else since start), in MiB.
        public var peakRSSMB: Double
        public var draws: Int
        public var jsonBytes: Int
        /// Encoding the plan to JSON and decoding it back.
        public var encodeSeconds: Double
        public var decodeSeconds: Double
        /// Storing the JSON in the catalog's `steps` table.
        public var saveSeconds: Double
        /// The peak resident set once the JSON round trip and the save are done too, in MiB.
        public var jsonPeakRSSMB: Double

        enum CodingKeys: String, CodingKey {
            case policy, shards, seconds, peakRSSMB = "peak_rss_mb", draws, jsonBytes = "json_bytes"
            case encodeSeconds = "encode_seconds", decodeSeconds = "decode_seconds"
            case saveSeconds = "save_seconds", jsonPeakRSSMB = "json_peak_rss_mb"
        }
    }

    /// Builds the synthetic catalog in a temporary directory, plans each policy's last step, and deletes
    /// the directory.
    /// - Parameters:
    ///   - shards: shard rows to catalog; ≈ 12,700 train samples each, spread over 108 months.
    ///   - policies: the policies to plan.
    ///   - alpha, bufferSize, samplesPerStep: the replay settings; C defaults to TiC-DataComp xlarge's
    ///     90,112 × 20,500 samples a step, and B to C.
    ///   - report: called with each row as soon as it is measured.
    /// - Returns: one row per policy.
    /// - Throws: `CatalogError` when the catalog cannot be built or read, `ReplayError` from planning.
    public static func run(shards: Int = 1_000_000, policies: [ReplayPolicyName] = ReplayPolicyName.allCases,
                           alpha: Alpha = .pool, bufferSize: Int = 1_847_296_000,
                           samplesPerStep: Int = 1_847_296_000,
                           report: (Row) -> Void = { _ in }) throws -> [Row] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ticd-bench-plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/catalog.sqlite"
        let catalog = try Catalog(path: path)
        try fillSyntheticCatalog(path: path, shards: shards)

        let last = Month(year: 2022, month: 12)!
        var rows: [Row] = []
        for policy in policies {
            ProcessMemory.resetPeak()
            let start = DispatchTime.now()
            let input = try PlanInput(catalog: catalog, through: last)
            let groups = StepGrouping.groups(months: input.months, unit: .year, firstStepUntil: nil)
            let config = ReplayConfig(policy: policy, alpha: alpha, bufferSize: bufferSize,
                                      samplesPerStep: samplesPerStep, seed: 0)
            let plan = try Planner.plan(step: groups.count, groups: groups, counts: input, config: config)
            let planned = DispatchTime.now()
            let planPeak = Double(ProcessMemory.peakResidentKiB()) / 1024
            let json = try plan.jsonData()
            let encoded = DispatchTime.now()
            let decoded = try StepPlan(jsonData: json)
            let done = DispatchTime.now()
            precondition(decoded == plan, "plan JSON does not round-trip")
            try catalog.savePlan(String(decoding: json, as: UTF8.self), stepLabel: "\(plan.label) \(policy.rawValue)",
                                 first: plan.first, last: plan.last, policy: policy.rawValue)
            let saved = DispatchTime.now()
            let row = Row(policy: policy, shards: shards, seconds: seconds(start, planned),
                          peakRSSMB: planPeak, draws: plan.draws.count, jsonBytes: json.count,
                          encodeSeconds: seconds(planned, encoded), decodeSeconds: seconds(encoded, done),
                          saveSeconds: seconds(done, saved), jsonPeakRSSMB: Double(ProcessMemory.peakResidentKiB()) / 1024)
            report(row)
            rows.append(row)
        }
        return rows
    }

    /// Writes `shards` ready shard rows with their slice rows straight into the catalog at `path`, in one
    /// transaction, through a second connection. Shards are spread over 2014-01…2022-12 with more data
    /// in later years, hold 12,700 ± 4,000 samples (1% of them eval), and one in ten spans two months.
    private static func fillSyntheticCatalog(path: String, shards: Int) throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA synchronous=OFF")
        // Relative yearly volume of 2014…2022, roughly TiC-DataComp's growth.
        let yearWeights = [2, 4, 6, 9, 12, 16, 19, 20, 12]
        let monthWeights = yearWeights.flatMap { [Int](repeating: $0, count: 12) }
        let shardsPerMonth = Planner.apportion(shards, over: monthWeights)
        let firstMonth = Month(year: 2014, month: 1)!
        var random = SplitMix64(seed: 0x7469_6364)
        try database.transaction {
            let shard = try database.prepare("""
                INSERT INTO shards(id, sha256, kind, source_path, store_path, bytes, state, samples, train, eval,
                                   created_at, ready_at)
                VALUES (?1, ?2, 'image-text', ?3, ?3, ?4, 'ready', ?5, ?6, ?7, 0, 0)
                """)
            let slice = try database.prepare("INSERT INTO shard_slices(shard_id, slice, train, eval) VALUES (?, ?, ?, ?)")
            var id: Int64 = 0
            for (m, count) in shardsPerMonth.enumerated() {
                let month = firstMonth.adding(months: m)
                for _ in 0..<count {
                    id += 1
                    let samples = 8_700 + Int(random.next() % 8_001)
                    let eval = samples / 100
                    let hex = String(id, radix: 16)
                    shard.reset()
                    try shard.bind(1, id)
                    try shard.bind(2, String(repeating: "0", count: 64 - hex.count) + hex)
                    try shard.bind(3, "synthetic/\(id).tar")
                    try shard.bind(4, samples * 4_096)
                    try shard.bind(5, samples)
                    try shard.bind(6, samples - eval)
                    try shard.bind(7, eval)
                    try shard.step()

                    // One shard in ten spans the month boundary, with a part in the next month.
                    var parts = [(month, samples - eval, eval)]
                    if m + 1 < shardsPerMonth.count && random.next() % 10 == 0 {
                        let moved = (samples - eval) / 4
                        parts = [(month, samples - eval - moved, eval), (month.adding(months: 1), moved, 0)]
                    }
                    for (partMonth, train, partEval) in parts {
                        slice.reset()
                        try slice.bind(1, id)
                        try slice.bind(2, partMonth.description)
                        try slice.bind(3, train)
                        try slice.bind(4, partEval)
                        try slice.step()
                    }
                }
            }
        }
    }

    private static func seconds(_ from: DispatchTime, _ to: DispatchTime) -> Double {
        Double(to.uptimeNanoseconds - from.uptimeNanoseconds) / 1e9
    }

    /// A small fixed-seed generator, so the synthetic catalog is the same on every run.
    private struct SplitMix64 {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
