// LogLimiter: the rate limit on log lines that anyone outside the router
// can cause (issue 17 item 3: "never flood"). A client can send a million
// refused queries and a server a million bad answers; each kind of such
// line gets at most `linesPerWindowMax` lines per window, the rest are
// counted, and when the window ends one line says how many were
// suppressed. The counts are in `sprig stats` (`log.<kind>.lines`,
// `log.<kind>.suppressed`, `log.suppressed`).
//
// Owns: the fixed table of kinds (`QueryLogKind`) and, per kind, its window
// (start, lines written, lines suppressed) and totals.
// Never: reads a clock (time is `nowMs`, the loop's monotonic clock),
// formats or writes a line (`QueryLog` does), or allocates: the table is an
// `InlineArray` of `QueryLogKind.count` entries.
//
// Example (5 lines per 60 s):
//   limiter.admit(.refusedACL, nowMs: 0)        // true  ×5: write the line
//   limiter.admit(.refusedACL, nowMs: 10)       // false: counted
//   limiter.takeEnded(nowMs: 60_000)            // (.refusedACL, 1): "suppressed 1 similar lines"
import Platform

/// The log lines an event on a query path may write, one table row each.
public enum QueryLogKind: Int, Sendable {
    /// A query (UDP) or connection (TCP) from a source outside `list allow`.
    case refusedACL = 0
    /// Every client slot in use: the query got SERVFAIL.
    case noClientSlot
    /// Every TCP client slot busy, none idle: the connection was closed.
    case tcpFull
    /// A query over `clientQueryByteCountMax`: dropped.
    case oversize
    /// An answer the kernel would not send.
    case sendError
    /// A server's answer that does not match the query asked (ID, flags or
    /// question): dropped, the real one is awaited (a spoofing attempt, or
    /// a broken server). The address is the server's.
    case upstreamMismatch

    public static let count = 6

    /// The name in `sprig stats` (`log.<name>.lines`).
    public var statsName: String {
        switch self {
        case .refusedACL: "acl_refused"
        case .noClientSlot: "no_client_slot"
        case .tcpFull: "tcp_full"
        case .oversize: "oversize"
        case .sendError: "send_error"
        case .upstreamMismatch: "upstream_mismatch"
        }
    }

    /// What happened; the line is this, `: `, and the client's address.
    public var text: StaticString {
        switch self {
        case .refusedACL: "refused a client not in list allow"
        case .noClientSlot: "every client slot in use (max_clients), answered SERVFAIL"
        case .tcpFull: "every TCP client slot busy (max_tcp_clients), connection closed"
        case .oversize: "dropped a query over 1232 bytes"
        case .sendError: "cannot send an answer"
        case .upstreamMismatch: "dropped an answer that does not match the query asked, from server"
        }
    }

    public var level: LogLevel {
        switch self {
        case .refusedACL, .oversize: .info
        case .noClientSlot, .tcpFull, .sendError, .upstreamMismatch: .warning
        }
    }
}

/// One kind's window and totals.
struct LogWindow {
    /// When the window opened (its first line); meaningful while `isOpen`.
    var startMs: Int64 = 0
    var isOpen = false
    var lines = 0
    var suppressed = 0
    var linesTotal = 0
    var suppressedTotal = 0
}

struct LogLimiter {
    /// Lines of one kind per window: enough to see who and what, few enough
    /// that a flood of events costs flash-backed logd ~6 lines a minute per
    /// kind (5 lines and one summary).
    static let linesPerWindowMax = 5
    /// A window lasts a minute: an operator reading `logread` sees a
    /// summary at most a minute late.
    static let windowMs: Int64 = 60_000

    var windows = InlineArray<6, LogWindow>(repeating: LogWindow())

    init() {
        precondition(QueryLogKind.count == windows.count, "one window per kind")
    }

    /// Whether a line of `kind` may be written now; if not, it is counted.
    /// A window that has ended must have been taken (`takeEnded`) first.
    mutating func admit(_ kind: QueryLogKind, nowMs: Int64) -> Bool {
        let i = kind.rawValue
        if !windows[i].isOpen {
            windows[i].isOpen = true
            windows[i].startMs = nowMs
            windows[i].lines = 0
            windows[i].suppressed = 0
        }
        if windows[i].lines < LogLimiter.linesPerWindowMax {
            windows[i].lines += 1
            windows[i].linesTotal += 1
            return true
        }
        windows[i].suppressed += 1
        windows[i].suppressedTotal += 1
        return false
    }

    /// Closes one window that has ended by `nowMs` (every open one when
    /// `all`, at shutdown) and returns its kind and how many lines it
    /// suppressed when that was more than none; nil when no window is left
    /// to close. Call until nil.
    mutating func takeEnded(nowMs: Int64, all: Bool = false) -> (kind: QueryLogKind, suppressed: Int)? {
        for i in 0..<QueryLogKind.count where windows[i].isOpen {
            guard all || nowMs - windows[i].startMs >= LogLimiter.windowMs else { continue }
            windows[i].isOpen = false
            let suppressed = windows[i].suppressed
            windows[i].suppressed = 0
            if suppressed > 0, let kind = QueryLogKind(rawValue: i) { return (kind, suppressed) }
        }
        return nil
    }

    /// Whether `kind`'s window has ended by `nowMs` and waits to be taken.
    func hasEnded(_ kind: QueryLogKind, nowMs: Int64) -> Bool {
        windows[kind.rawValue].isOpen && nowMs - windows[kind.rawValue].startMs >= LogLimiter.windowMs
    }

    var suppressedTotal: Int {
        var sum = 0
        for i in 0..<QueryLogKind.count { sum += windows[i].suppressedTotal }
        return sum
    }

    /// For `sprig stats`.
    var statsLines: [(String, Int)] {
        var lines: [(String, Int)] = []
        for i in 0..<QueryLogKind.count {
            guard let kind = QueryLogKind(rawValue: i) else { continue }
            lines.append(("log." + kind.statsName + ".lines", windows[i].linesTotal))
            lines.append(("log." + kind.statsName + ".suppressed", windows[i].suppressedTotal))
        }
        lines.append(("log.suppressed", suppressedTotal))
        return lines
    }
}
