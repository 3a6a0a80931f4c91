import DNSWire
import Fixed

/// Questions whose last refresh failed, and when (RFC 8767 §4: after a
/// failed refresh, answer from stale data without retrying for a while).
/// A fixed direct-mapped table: a collision only forgets a failure early,
/// which costs one extra upstream attempt — never a wrong answer.
struct RefreshFailures: ~Copyable {
    /// Failures remembered at once; beyond this the oldest collide away.
    static let entryCount = 256
    static var byteCount: Int { entryCount * 16 }

    private let keys: UnsafeMutablePointer<UInt64>
    private let timesMs: UnsafeMutablePointer<Int64>

    init() {
        keys = .allocate(capacity: RefreshFailures.entryCount)
        keys.initialize(repeating: 0, count: RefreshFailures.entryCount)
        timesMs = .allocate(capacity: RefreshFailures.entryCount)
        timesMs.initialize(repeating: 0, count: RefreshFailures.entryCount)
    }

    deinit {
        keys.deallocate()
        timesMs.deallocate()
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
