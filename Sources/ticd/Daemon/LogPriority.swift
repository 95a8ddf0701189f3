/// How urgent a log message is, on syslog's scale: the number is journald's `PRIORITY=` and the `<N>` prefix
/// systemd reads on a service's stderr, so `journalctl -p warning` filters ticd like any other service.
enum LogPriority: Int, CaseIterable, Sendable {
    case emerg = 0, alert, crit, err, warning, notice, info, debug

    /// The word a terminal line shows.
    var label: String {
        switch self {
        case .emerg: return "emergency"
        case .alert: return "alert"
        case .crit: return "critical"
        case .err: return "error"
        case .warning: return "warning"
        case .notice: return "notice"
        case .info: return "info"
        case .debug: return "debug"
        }
    }
}
