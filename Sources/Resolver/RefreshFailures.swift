import DNSWire
import Fixed

/// Questions whose last refresh failed, and when (RFC 8767 §4: after a
/// failed refresh, answer from stale data without retrying for a while).
/// A fixed direct-mapped table: a collision only forgets a failure early,
/// which costs one extra upstream attempt — never a wrong answer.
struct RefreshFailures: ~Copyable {
    /// Failures remembered at once; beyond this the oldest collide away.
    static let entryCount = 256
    static let label = "refresh failures (RFC 8767)"
    /// The plan's row: what `init` carves.
    static var footprint: Arena.Row {
        Arena.Row(label, count: entryCount, byteCount: Arena.carvingByteCount(of: UInt64.self, count: entryCount)
                      + Arena.carvingByteCount(of: Int64.self, count: entryCount))
    }

    private let keys: UnsafeMutablePointer<UInt64>
    private let timesMs: UnsafeMutablePointer<Int64>
    /// Keeps both carvings alive.
    private let arena: Arena

    init(arena: Arena) {
        self.arena = arena
        keys = arena.reserve(UInt64.self, count: RefreshFailures.entryCount, label: RefreshFailures.label).baseAddress!
        keys.initialize(repeating: 0, count: RefreshFailures.entryCount)
        timesMs = arena.reserve(Int64.self, count: RefreshFailures.entryCount, label: RefreshFailures.label).baseAddress!
        timesMs.initialize(repeating: 0, count: RefreshFailures.entryCount)
    }

    private static func key(_ q: Question) -> UInt64 {
        (UInt64(q.name.hash32) << 16 | UInt64(q.type.rawValue)) | 1 << 63
    }

    func note(_ q: Question, nowMs: Int64) {
        let k = RefreshFailures.key(q)
        let slot = Int(k % UInt64(RefreshFailures.entryCount))
        keys[slot] = k
        timesMs[slot] = nowMs
    }

    func clear(_ q: Question) {
        let k = RefreshFailures.key(q)
        let slot = Int(k % UInt64(RefreshFailures.entryCount))
        if keys[slot] == k { keys[slot] = 0 }
    }

    func recentlyFailed(_ q: Question, nowMs: Int64, backoffMs: Int64) -> Bool {
        let k = RefreshFailures.key(q)
        let slot = Int(k % UInt64(RefreshFailures.entryCount))
        return keys[slot] == k && nowMs - timesMs[slot] < backoffMs
    }
}
