import Foundation

/// `ticd query [--socket PATH | --config FILE] NAME [--json BODY] [--timeout S]`: asks the daemon and prints
/// the JSON it answers (DESIGN §10). NAME is an endpoint under `/v0/` (`status`, `eval`, `plan?step=2`, ...)
/// or `metrics`; `train`, `pause`, `resume` and `evaluate` are sent as POST, as is any NAME given `--json`.
/// Exit status: 0 for a 2xx answer, 1 otherwise (the error JSON is still printed), 2 for a usage error.
enum QueryCommand {
    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["socket", "config", "json", "timeout"])
        guard a.positionals.count == 1, let name = a.positionals.first else {
            throw UsageError("query needs exactly one NAME, e.g. `ticd query status`")
        }
        let socket = try a.string("socket") ?? a.string("config").map { try TicdConfig.load($0).socket }
            ?? TicdConfig().socket
        let trimmed = name.hasPrefix("/") ? String(name.dropFirst()) : name
        let path = trimmed == "metrics" || trimmed.hasPrefix("v0/") ? "/" + trimmed : "/v0/" + trimmed
        let endpoint = String(path.split(separator: "?", maxSplits: 1).first ?? "")
        let body = a.string("json").map { Array($0.utf8) }
        let method = body != nil || DaemonAPI.postRoutes.contains(endpoint) ? "POST" : "GET"
        let response = try SocketClient.request(socket: socket, method: method, path: path, body: body ?? (method == "POST" ? [] : nil),
                                                timeout: try a.double("timeout") ?? 30)
        FileHandle.standardOutput.write(Data(response.body))
        guard (200..<300).contains(response.status) else {
            printError("ticd query: \(method) \(path) answered \(response.status)")
            return 1
        }
        return 0
    }
}
