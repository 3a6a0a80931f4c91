// QueryLog: writes the log lines that query-path events cause, through
// `LogLimiter`, without allocating: each line is assembled as bytes in one
// buffer carved at start-up ("log line buffer" in --print-footprint) and
// handed to `Log.write(_:bytes:)` (stderr under procd, or syslog when
// detached with `log_syslog`: Board/openwrt/README.md).
// Never: decides what is worth a line (the socket code names the kind),
// or keeps lines back: a suppressed line is only counted.
import Fixed
import Platform

struct QueryLog {
    var limiter = LogLimiter()
    let line: UnsafeMutableRawBufferPointer

    /// Longest line: the longest kind text, ": ", an IPv6 address (45),
    /// or ": suppressed " and a count.
    static let lineByteCountMax = 160
    static let label = "log line buffer (rate-limited query log)"

    init(arena: Arena) {
        line = arena.reserveBytes(QueryLog.lineByteCountMax, label: QueryLog.label)
    }

    static var footprint: Arena.Row {
        Arena.Row(label, count: 1, byteCount: Arena.carvingByteCount(lineByteCountMax))
    }

    /// One event of `kind` about `client`: a line, or a count.
    mutating func note(_ kind: QueryLogKind, client: Address, nowMs: Int64) {
        if limiter.hasEnded(kind, nowMs: nowMs) { writeSummaries(nowMs: nowMs) }
        guard limiter.admit(kind, nowMs: nowMs), Log.allows(kind.level) else { return }
        var n = put(kind.text, at: 0)
        n = put(": ", at: n)
        n += client.format(into: UnsafeMutableRawBufferPointer(rebasing: line[n...]))
        Log.write(kind.level, bytes: UnsafeRawBufferPointer(rebasing: line[0..<n]))
    }

    /// Writes "<kind>: suppressed K similar lines" for each window that has
    /// ended (every open one when `all`: at shutdown).
    mutating func writeSummaries(nowMs: Int64, all: Bool = false) {
        while let ended = limiter.takeEnded(nowMs: nowMs, all: all) {
            guard Log.allows(ended.kind.level) else { continue }
            var n = put(ended.kind.text, at: 0)
            n = put(": suppressed ", at: n)
            n = putDecimal(ended.suppressed, at: n)
            n = put(" similar lines", at: n)
            Log.write(ended.kind.level, bytes: UnsafeRawBufferPointer(rebasing: line[0..<n]))
        }
    }

    /// Copies `text` at `offset` (cut at the buffer's end); the new offset.
    func put(_ text: StaticString, at offset: Int) -> Int {
        let count = min(text.utf8CodeUnitCount, line.count - offset)
        guard count > 0 else { return offset }
        line.baseAddress!.advanced(by: offset).copyMemory(from: text.utf8Start, byteCount: count)
        return offset + count
    }

    /// Writes `value` (≥ 0) in decimal at `offset`; the new offset.
    func putDecimal(_ value: Int, at offset: Int) -> Int {
        var digits = 1
        var rest = max(value, 0) / 10
        while rest > 0 { digits += 1; rest /= 10 }
        guard offset + digits <= line.count else { return offset }
        var v = max(value, 0)
        for i in stride(from: offset + digits - 1, through: offset, by: -1) {
            line[i] = UInt8(48 + v % 10)
            v /= 10
        }
        return offset + digits
    }
}
