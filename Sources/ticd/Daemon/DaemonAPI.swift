import Foundation
import Glibc
import Models
import Replay
import Timeline

/// The routes of the daemon's socket (DESIGN §8): read-only views of the catalog and the state value under
/// `GET /v0/...`, control under `POST /v0/...` (only for the daemon's uid, root, or the configured group),
/// and `GET /metrics`. Every read opens nothing new: one shared read connection serves all clients, and the
/// catalog's lock keeps their queries from interleaving; training and ingest use connections of their own.
final class DaemonAPI: @unchecked Sendable {
    private let config: () -> TicdConfig
    private let catalog: Catalog
    private let control: DaemonControl
    private let staleLoops: () -> [String]
    private let startedAt = Date()
    private let daemonUID = getuid()

    init(config: @escaping () -> TicdConfig, catalog: Catalog, control: DaemonControl,
         staleLoops: @escaping () -> [String]) {
        self.config = config; self.catalog = catalog; self.control = control; self.staleLoops = staleLoops
    }

    /// The mutating routes, and what each does.
    static let postRoutes: Set<String> = ["/v0/train", "/v0/pause", "/v0/resume", "/v0/evaluate"]
    static let getRoutes: Set<String> = ["/v0/status", "/v0/slices", "/v0/shards", "/v0/steps", "/v0/checkpoints",
                                         "/v0/eval", "/v0/robustness", "/v0/plan", "/v0/report", "/v0/runs", "/metrics",
                                         "/v0/"]

    func handle(_ request: HTTPRequest, peer: PeerCredentials) -> HTTPResponse {
        let path = request.path.count > 1 && request.path.hasSuffix("/") && request.path != "/v0/"
            ? String(request.path.dropLast()) : request.path
        let isPost = DaemonAPI.postRoutes.contains(path)
        guard isPost || DaemonAPI.getRoutes.contains(path) else {
            return .error(404, "no such endpoint \(path); try GET /v0/ for the list")
        }
        if isPost != (request.method == "POST") {
            var response = HTTPResponse.error(405, "\(path) takes \(isPost ? "POST" : "GET"), not \(request.method)")
            response.headers["Allow"] = isPost ? "POST" : "GET"
            return response
        }
        if isPost {
            guard peer.isAuthorized(forWrite: true, daemonUID: daemonUID, allowedGroup: allowedGroup) else {
                return .error(403, "uid \(peer.uid) may not \(path.dropFirst(4)): mutating requests need the daemon's "
                              + "uid \(daemonUID), root, or membership of socket_group"
                              + (config().socketGroup.map { " \"\($0)\"" } ?? " (none is configured)"))
            }
        }
        do {
            switch path {
            case "/v0/": return .json(Index())
            case "/v0/status": return .json(try status())
            case "/v0/slices": return .json(try CatalogCommands.sliceRows(catalog))
            case "/v0/shards": return .json(try CatalogCommands.shardRows(catalog))
            case "/v0/steps": return .json(try catalog.steps(run: try runConfig(request).run).map(StepRow.init))
            case "/v0/checkpoints":
                return .json(try catalog.checkpoints(run: try runConfig(request).run).map(CheckpointRow.init))
            case "/v0/eval": return .json(try EvalCommand.matrix(config: try runConfig(request), catalog: catalog))
            case "/v0/robustness": return .json(try robustness(request))
            case "/v0/runs": return .json(try RunSummary.all(base: config(), catalog: catalog))
            case "/v0/plan": return try plan(request)
            case "/v0/report":
                let page = ReportPage.html(try ReportData.load(config: try runConfig(request), catalog: catalog, compare: []))
                return .text(page, contentType: "text/html; charset=utf-8")
            case "/metrics":
                return .text(try MetricsExposition.render(task: config().task, run: config().run, catalog: catalog, control: control,
                                                          blasCore: BLAS.coreName, blasThreads: BLAS.threads,
                                                          startedAt: startedAt))
            case "/v0/train": return try train(request)
            case "/v0/pause":
                control.request { $0.paused = true }
                return .json(Accepted(accepted: true, detail: "training pauses at the next batch (checkpointed); ingest goes on"))
            case "/v0/resume":
                control.request { $0.paused = false }
                return .json(Accepted(accepted: true, detail: "training resumes"))
            case "/v0/evaluate": return try evaluate(request)
            default: return .error(404, "no such endpoint \(path)")
            }
        } catch let error as RequestError {
            return .error(400, error.message)
        } catch let error as NoSuchRun {
            return .error(404, "no run \"\(error.name)\" in this state directory; GET /v0/runs lists them")
        } catch {
            return .error(500, "\(error)")
        }
    }

    // MARK: - Routes

    private struct Index: Encodable {
        let get = DaemonAPI.getRoutes.sorted()
        let post = DaemonAPI.postRoutes.sorted()
    }

    private struct Accepted: Encodable {
        let accepted: Bool
        let detail: String
    }

    private struct RequestError: Error { let message: String }

    struct StepRow: Encodable {
        let label: String
        let first: String
        let last: String
        let state: String
        let policy: String?
        let samplesSeen: Int?
        let flops: Double?
        let seconds: Double?

        init(_ r: StepRecord) {
            label = r.label; first = r.first.description; last = r.last.description; state = r.state
            policy = r.policy; samplesSeen = r.samplesSeen; flops = r.flops; seconds = r.seconds
        }

        enum CodingKeys: String, CodingKey {
            case label, first, last, state, policy, samplesSeen = "samples_seen", flops, seconds
        }
    }

    struct CheckpointRow: Encodable {
        let id: Int64
        let step: String
        let path: String
        let accepted: Bool
        let createdAt: Int64

        init(_ r: CheckpointRecord) {
            id = r.id; step = r.stepLabel; path = r.path; accepted = r.accepted; createdAt = r.createdAt
        }

        enum CodingKeys: String, CodingKey { case id, step, path, accepted, createdAt = "created_at" }
    }

    struct Status: Encodable {
        let state: String
        let summary: String
        let step: Int?
        let steps: Int?
        let label: String?
        let batch: Int?
        let batches: Int?
        let ingesting: String?
        let pendingShards: Int
        let waitingForInbox: String?
        let paused: Bool
        let trainUntil: Int?
        let evaluate: String?
        let task: String
        let policy: String
        let inbox: String
        let stateDir: String
        let pid: Int32
        let uptimeS: Double
        let blasCore: String
        let blasThreads: Int
        let shards: [String: Int]
        let slices: Int
        let stepStates: [String: Int]
        let lastError: String?
        let lastErrorAt: String?
        let staleLoops: [String]

        enum CodingKeys: String, CodingKey {
            case state, summary, step, steps, label, batch, batches, ingesting, pendingShards = "pending_shards"
            case waitingForInbox = "waiting_for_inbox"
            case paused, trainUntil = "train_until", evaluate, task, policy, inbox, stateDir = "state_dir", pid
            case uptimeS = "uptime_s", blasCore = "blas_core", blasThreads = "blas_threads", shards, slices
            case stepStates = "step_states", lastError = "last_error", lastErrorAt = "last_error_at"
            case staleLoops = "stale_loops"
        }
    }

    private func status() throws -> Status {
        let state = control.state, requests = control.pending, config = config()
        var step: Int?, steps: Int?, label: String?, batch: Int?, batches: Int?
        switch state.phase {
        case let .training(s, n, l, b, bs): (step, steps, label, batch, batches) = (s, n, l, b, bs)
        case let .evaluating(s, n, l): (step, steps, label) = (s > 0 ? s : nil, n > 0 ? n : nil, l)
        default: break
        }
        let shards = Dictionary(uniqueKeysWithValues: try catalog.shardCounts().map { ($0.key.rawValue, $0.value) })
        var stepStates: [String: Int] = [:]
        for s in try catalog.steps(run: config.run) { stepStates[s.state, default: 0] += 1 }
        let error = control.error
        return Status(state: state.phase.name, summary: state.summary, step: step, steps: steps, label: label,
                      batch: batch, batches: batches, ingesting: state.ingesting, pendingShards: state.pendingShards,
                      waitingForInbox: state.stepWaitingForInbox,
                      paused: requests.paused, trainUntil: requests.trainUntil,
                      evaluate: requests.evaluate.map { $0 == .redo ? "redo" : "missing" },
                      task: config.task, policy: config.policyLabel, inbox: config.inbox, stateDir: config.stateDir,
                      pid: getpid(), uptimeS: (Date().timeIntervalSince(startedAt) * 10).rounded() / 10,
                      blasCore: BLAS.coreName, blasThreads: BLAS.threads, shards: shards,
                      slices: try catalog.slices().count, stepStates: stepStates, lastError: error?.message,
                      lastErrorAt: error.map { ISO8601DateFormatter().string(from: $0.at) }, staleLoops: staleLoops())
    }

    private struct NoSuchRun: Error { let name: String }

    /// The config a read answers for: the daemon's own run, or with `?run=NAME` that run, as its stored config
    /// describes it (another policy or method trained on the same catalog).
    private func runConfig(_ request: HTTPRequest) throws -> TicdConfig {
        let own = config()
        guard let name = request.query["run"], name != own.run else { return own }
        guard Run.isValidName(name) else { throw RequestError(message: "\"run\" must be a run name, not \"\(name)\"") }
        guard let run = try catalog.runs().first(where: { $0.name == name }) else { throw NoSuchRun(name: name) }
        return try RunSummary.config(of: run, base: own)
    }

    /// `/v0/robustness`: the daemon's run (or `?run=NAME`), and beside it every run of the state directory when
    /// there are several, so the answer compares policies.
    private func robustness(_ request: HTTPRequest) throws -> RobustnessReport {
        let chosen = try runConfig(request)
        var report = try RobustnessReport.build(task: chosen.task, catalog: catalog, run: chosen.run)
        let runs = try RunSummary.all(base: config(), catalog: catalog)
        if runs.count > 1 { report.runs = runs }
        return report
    }

    private func plan(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let text = request.query["step"], let step = Int(text), step >= 1 else {
            throw RequestError(message: "plan needs ?step=N with N >= 1")
        }
        let fresh = request.query["fresh"].map { $0 == "1" || $0 == "true" } ?? false
        let plan: StepPlan, stored: Bool
        do {
            (plan, stored) = try PlanCommand.resolve(step: step, config: try runConfig(request), catalog: catalog, fresh: fresh)
        } catch let error as ReplayError {
            return .error(404, "no plan for step \(step): \(error)")
        }
        return HTTPResponse(status: 200, headers: ["Content-Type": "application/json",
                                                   "X-Ticd-Plan": stored ? "stored" : "computed"],
                            body: Array(try plan.jsonData()) + [10])
    }

    private struct TrainBody: Decodable { let step: Int? }
    private struct EvaluateBody: Decodable { let redo: Bool? }

    private func train(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try decode(TrainBody.self, from: request)
        let months = try catalog.slices().map(\.slice)
        guard !months.isEmpty else { return .error(409, "the catalog holds no data to train on yet") }
        let known = config().stepGroups(months: months).count
        if let step = body.step, step < 1 { throw RequestError(message: "\"step\" must be at least 1") }
        // Without a step: everything known, the latest (still incomplete) group included.
        let step = body.step ?? known
        control.request { $0.trainUntil = max($0.trainUntil ?? 0, step); $0.paused = false }
        return .json(Accepted(accepted: true, detail: "training every step up to \(step), complete or not"
                              + (step > known ? " (\(known) known so far; later ones train as their data arrives)" : "")),
                     status: 202)
    }

    private func evaluate(_ request: HTTPRequest) throws -> HTTPResponse {
        let redo = try decode(EvaluateBody.self, from: request).redo ?? false
        control.request { $0.evaluate = redo ? .redo : ($0.evaluate ?? .missing) }
        return .json(Accepted(accepted: true, detail: redo ? "every accepted checkpoint is scored again on every complete group"
                                                          : "missing evaluation cells are filled"), status: 202)
    }

    /// The body as `T`; an empty body is `{}`. Types are strict: `{"step": true}` or `{"redo": 1}` are refused.
    private func decode<T: Decodable>(_ type: T.Type, from request: HTTPRequest) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: request.body.isEmpty ? Data("{}".utf8) : Data(request.body))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw RequestError(message: (key.isEmpty ? "the body must be a JSON object" : "\"\(key)\": ")
                               + (key.isEmpty ? "" : context.debugDescription))
        } catch {
            throw RequestError(message: "the body must be a JSON object: \(error)")
        }
    }

    /// getgrnam(3) returns a static buffer, and requests arrive on many threads.
    private let groupLookup = NSLock()

    private var allowedGroup: gid_t? {
        guard let name = config().socketGroup else { return nil }
        if let number = gid_t(name) { return number }
        return groupLookup.withLock { getgrnam(name).map { $0.pointee.gr_gid } }
    }
}
