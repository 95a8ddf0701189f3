import Foundation

/// `ticd run --config FILE [--inbox DIR] [--state DIR] [--socket PATH] [--quiet-period S]`: the daemon, in
/// the foreground (systemd supervises it; in a terminal, Ctrl-C stops it the way SIGTERM does). A flag
/// overrides the file's key, and keeps overriding it across SIGHUP reloads.
enum RunCommand {
    static func run(_ args: [String]) throws -> Int32 {
        let a = try Arguments(args, valueFlags: ["config", "run", "inbox", "state", "socket", "quiet-period"])
        let config = try TicdConfig.load(a)
        let inbox = a.string("inbox"), stateDir = a.string("state"), socket = a.string("socket")
        let quiet = try a.double("quiet-period")
        let overrides: (inout TicdConfig) -> Void = { c in
            if let inbox { c.inbox = inbox }
            if let stateDir { c.stateDir = stateDir }
            if let socket { c.socket = socket }
            if let quiet { c.quietPeriodS = quiet }
        }
        var effective = config
        overrides(&effective)
        return try Daemon(settings: DaemonSettings(effective, overrides: overrides)).run()
    }
}
