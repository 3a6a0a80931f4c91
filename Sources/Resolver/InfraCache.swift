/// What the resolver knows about each authoritative server address:
/// smoothed RTT, recent timeouts, whether it handles EDNS. A fixed
/// set-associative table: a new server replaces the least recently used
/// entry of its 4-entry set, so the table never grows (Unbound's infra
/// cache, reduced to what iteration uses).
struct InfraCache: ~Copyable {
    /// Servers remembered (4-way sets). 1024 × 48 bytes = 48 KiB.
    static let entryCount = 1024
    static let ways = 4
    /// RTT assumed for a server never tried: low enough that unknown
    /// servers get explored, high enough that a known fast one wins.
    static let unknownRTTMs: Int64 = 376
    /// Retransmission timeout bounds for authoritative servers (ms).
    static let timeoutMinMs: Int64 = 200
    static let timeoutMaxMs: Int64 = 3_000

    struct Entry {
        var server = ServerAddress(isIPv6: false, high: 0, low: 0, port: 0)
        var used = false
        var srttMs: Int64 = InfraCache.unknownRTTMs
        var rttVarMs: Int64 = InfraCache.unknownRTTMs / 2
        var timeouts = 0
        var noEDNS = false
        var lastUsedMs: Int64 = 0
    }

    private let entries: UnsafeMutablePointer<Entry>

    init() {
        entries = .allocate(capacity: InfraCache.entryCount)
        entries.initialize(repeating: Entry(), count: InfraCache.entryCount)
    }

    deinit {
        entries.deinitialize(count: InfraCache.entryCount)
        entries.deallocate()
    }

    static var byteCount: Int { entryCount * MemoryLayout<Entry>.stride }

    private func setStart(_ server: ServerAddress) -> Int {
        var h = server.high &* 0x9E37_79B9_7F4A_7C15 ^ server.low &* 0xC2B2_AE3D_27D4_EB4F ^ UInt64(server.port)
        h ^= h >> 29
        return Int(h % UInt64(InfraCache.entryCount / InfraCache.ways)) * InfraCache.ways
    }

    /// The entry for `server`, creating it (evicting the set's LRU) if needed.
    private func entry(_ server: ServerAddress, nowMs: Int64) -> UnsafeMutablePointer<Entry> {
        let start = setStart(server)
        var victim = start
        for i in start..<(start + InfraCache.ways) {
            if entries[i].used && entries[i].server == server { return entries + i }
            if !entries[i].used || entries[i].lastUsedMs < entries[victim].lastUsedMs { victim = i }
        }
        entries[victim] = Entry()
        entries[victim].used = true
        entries[victim].server = server
        entries[victim].lastUsedMs = nowMs
        return entries + victim
    }

    private func find(_ server: ServerAddress) -> Entry? {
        let start = setStart(server)
        for i in start..<(start + InfraCache.ways) where entries[i].used && entries[i].server == server {
            return entries[i]
        }
        return nil
    }

    func srttMs(_ server: ServerAddress) -> Int64 { find(server)?.srttMs ?? InfraCache.unknownRTTMs }
    func usesEDNS(_ server: ServerAddress) -> Bool { !(find(server)?.noEDNS ?? false) }

    func timeoutMs(_ server: ServerAddress) -> Int64 {
        guard let e = find(server) else { return InfraCache.unknownRTTMs * 2 }
        return min(max(e.srttMs + 4 * e.rttVarMs, InfraCache.timeoutMinMs), InfraCache.timeoutMaxMs)
    }

    func recordAnswer(_ server: ServerAddress, rttMs: Int64, nowMs: Int64) {
        let e = entry(server, nowMs: nowMs)
        let sample = max(rttMs, 0)
        e.pointee.rttVarMs = (3 * e.pointee.rttVarMs + abs(e.pointee.srttMs - sample)) / 4
        e.pointee.srttMs = (7 * e.pointee.srttMs + sample) / 8
        e.pointee.timeouts = 0
        e.pointee.lastUsedMs = nowMs
    }

    /// RFC 6298 §5.5 back-off: a timeout doubles the estimate, bounded.
    func recordTimeout(_ server: ServerAddress, nowMs: Int64) {
        let e = entry(server, nowMs: nowMs)
        e.pointee.srttMs = min(e.pointee.srttMs * 2, InfraCache.timeoutMaxMs)
        e.pointee.timeouts += 1
        e.pointee.lastUsedMs = nowMs
    }

    /// The server answered FORMERR/NOTIMP to EDNS: ask it without (RFC 6891 §7).
    func recordNoEDNS(_ server: ServerAddress, nowMs: Int64) {
        entry(server, nowMs: nowMs).pointee.noEDNS = true
    }
}
