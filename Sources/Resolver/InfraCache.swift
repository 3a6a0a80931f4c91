import Fixed

/// What the resolver knows about each server address (authoritative, or
/// an upstream): its smoothed RTT and variance, whether it answered without
/// EDNS, and the server cookie it gave us (RFC 7873 §5.3). A fixed
/// set-associative table: a new server replaces the least recently used
/// entry of its 4-entry set, so the table never grows (Unbound's infra
/// cache, reduced to what iteration uses).
///
/// Never: holds per-question state (which servers a query tried, TCP after
/// TC, lameness: those live and die with the task), or anything learned
/// for longer than its window. Every field is a guess drawn from a few
/// answers, and any client can choose the questions that produce them
/// (issue 19: one TYPE128 query turned EDNS off for good). So:
///
/// - `srttMs`, `rttVarMs`: 0 … `timeoutMaxMs`; the whole entry is learned
///   afresh `entryLifetimeMs` after it was first written.
/// - `edns`: `.absent` only after a FORMERR/NOTIMP *without* OPT and a good
///   answer to the same question without EDNS (EDNSFallback.swift); for
///   `noEDNSWindowMs`, or until an answer carrying an OPT.
/// - `lastUsedMs`: LRU order within a 4-way set; eviction.
/// - `serverCookie`: the last server cookie the server sent in a response
///   that echoed our client cookie (Cookies.swift); sent back with every
///   query to it. Not a guess: it outlives `entryLifetimeMs` (the entry's
///   other fields start afresh), and goes only with the entry's eviction.
///   Our client cookie itself is never stored: it is computed from the
///   client secret and the address (RFC 7873 Appendix A.2).
///
/// Example: a timeout doubles a server's SRTT (at most 3 s); 15 minutes
/// after the server was first seen its entry starts again from
/// `unknownRTTMs`, whatever happened in between.
struct InfraCache: ~Copyable {
    /// Servers remembered (4-way sets): 1024 × 120 bytes = 120 KiB (80 of
    /// them RTT and EDNS, 40 the server cookie: 32 bytes at most, RFC 7873 §4.2).
    static let entryCount = 1024
    static let ways = 4
    /// RTT assumed for a server never tried: low enough that unknown
    /// servers get explored, high enough that a known fast one wins.
    static let unknownRTTMs: Int64 = 376
    /// Retransmission timeout bounds for authoritative servers (ms); SRTT
    /// and its variance never exceed the upper one.
    static let timeoutMinMs: Int64 = 200
    static let timeoutMaxMs: Int64 = 3_000
    /// How long anything learned about a server holds before it is learned
    /// afresh (Unbound's infra-host-ttl, 900 s): no answer, timeout or
    /// question steers the choice of servers for longer.
    static let entryLifetimeMs: Int64 = 900_000
    /// How long a server that answered without EDNS is asked without it
    /// (outside signed zones) before EDNS is tried again (RFC 6891 §7 allows
    /// the fallback; the 2019 DNS flag day wants it short-lived).
    static let noEDNSWindowMs: Int64 = 300_000

    /// Whether a server is asked with EDNS.
    enum EDNSSupport: Equatable {
        /// RFC 6891 §7, DNS flag day 2019: every server is, by default.
        case assumed
        /// It answered an EDNS query with FORMERR/NOTIMP without an OPT and
        /// the same question without EDNS: asked without it, outside signed
        /// zones, until `untilMs`.
        case absent(untilMs: Int64)
    }

    struct Entry {
        var server = ServerAddress(isIPv6: false, high: 0, low: 0, port: 0)
        var used = false
        /// When this entry's knowledge started (see `entryLifetimeMs`).
        var learnedAtMs: Int64 = 0
        var srttMs: Int64 = InfraCache.unknownRTTMs
        var rttVarMs: Int64 = InfraCache.unknownRTTMs / 2
        var edns = EDNSSupport.assumed
        var lastUsedMs: Int64 = 0
        var serverCookie = ServerCookieBytes()

        func isExpired(nowMs: Int64) -> Bool { nowMs - learnedAtMs >= InfraCache.entryLifetimeMs }
    }

    private let entries: UnsafeMutablePointer<Entry>
    /// Keeps the carving alive.
    private let arena: Arena

    init(arena: Arena) {
        self.arena = arena
        entries = arena.reserve(Entry.self, count: InfraCache.entryCount, label: InfraCache.label).baseAddress!
        entries.initialize(repeating: Entry(), count: InfraCache.entryCount)
    }

    static let label = "infrastructure cache (server RTT, EDNS, cookies)"

    /// The plan's row: what `init` carves, in every mode.
    static var footprint: Arena.Row {
        Arena.Row(label, count: entryCount, byteCount: Arena.carvingByteCount(of: Entry.self, count: entryCount))
    }

    /// The first entry of `server`'s set: SplitMix64's finaliser over the
    /// whole address, so IPv4 addresses (all in `high`) spread over every
    /// set, not a few.
    private func setStart(_ server: ServerAddress) -> Int {
        var h = server.high ^ (server.low &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(server.port) << 16)
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 31
        return Int(h % UInt64(InfraCache.entryCount / InfraCache.ways)) * InfraCache.ways
    }

    /// The entry for `server`, created (evicting the set's LRU) or started
    /// afresh (its lifetime is over) when needed.
    private func entry(_ server: ServerAddress, nowMs: Int64) -> UnsafeMutablePointer<Entry> {
        let start = setStart(server)
        var victim = start
        var cookie = ServerCookieBytes()
        for i in start..<(start + InfraCache.ways) {
            if entries[i].used && entries[i].server == server {
                if entries[i].isExpired(nowMs: nowMs) {
                    victim = i
                    cookie = entries[i].serverCookie   // kept across the relearning
                    break
                }
                return entries + i
            }
            if !entries[i].used || entries[i].lastUsedMs < entries[victim].lastUsedMs { victim = i }
        }
        entries[victim] = Entry()
        entries[victim].serverCookie = cookie
        entries[victim].used = true
        entries[victim].server = server
        entries[victim].learnedAtMs = nowMs
        entries[victim].lastUsedMs = nowMs
        return entries + victim
    }

    /// What is known about `server` now: nil when nothing is, or it expired.
    func state(_ server: ServerAddress, nowMs: Int64) -> Entry? {
        let start = setStart(server)
        for i in start..<(start + InfraCache.ways) where entries[i].used && entries[i].server == server {
            return entries[i].isExpired(nowMs: nowMs) ? nil : entries[i]
        }
        return nil
    }

    func srttMs(_ server: ServerAddress, nowMs: Int64) -> Int64 {
        state(server, nowMs: nowMs)?.srttMs ?? InfraCache.unknownRTTMs
    }

    /// True while `server` is marked as answering without EDNS.
    func lacksEDNS(_ server: ServerAddress, nowMs: Int64) -> Bool {
        guard case .absent(let untilMs) = state(server, nowMs: nowMs)?.edns else { return false }
        return nowMs < untilMs
    }

    func timeoutMs(_ server: ServerAddress, nowMs: Int64) -> Int64 {
        guard let e = state(server, nowMs: nowMs) else { return InfraCache.unknownRTTMs * 2 }
        return min(max(e.srttMs + 4 * e.rttVarMs, InfraCache.timeoutMinMs), InfraCache.timeoutMaxMs)
    }

    /// RFC 6298 §2: one RTT sample, bounded (a late answer is no evidence
    /// of a slower server than a timeout is).
    func recordAnswer(_ server: ServerAddress, rttMs: Int64, nowMs: Int64) {
        let e = entry(server, nowMs: nowMs)
        let sample = min(max(rttMs, 0), InfraCache.timeoutMaxMs)
        e.pointee.rttVarMs = min((3 * e.pointee.rttVarMs + abs(e.pointee.srttMs - sample)) / 4, InfraCache.timeoutMaxMs)
        e.pointee.srttMs = (7 * e.pointee.srttMs + sample) / 8
        e.pointee.lastUsedMs = nowMs
    }

    /// RFC 6298 §5.5 back-off: a timeout doubles the estimate, bounded.
    func recordTimeout(_ server: ServerAddress, nowMs: Int64) {
        let e = entry(server, nowMs: nowMs)
        e.pointee.srttMs = min(e.pointee.srttMs * 2, InfraCache.timeoutMaxMs)
        e.pointee.lastUsedMs = nowMs
    }

    /// The server answered an EDNS query without an OPT, then the same
    /// question without EDNS (RFC 6891 §7): ask it without EDNS, outside
    /// signed zones, for `noEDNSWindowMs`.
    func recordNoEDNS(_ server: ServerAddress, nowMs: Int64) {
        entry(server, nowMs: nowMs).pointee.edns = .absent(untilMs: nowMs + InfraCache.noEDNSWindowMs)
    }

    /// An answer carrying an OPT record: the server speaks EDNS.
    func recordEDNS(_ server: ServerAddress, nowMs: Int64) {
        guard let e = state(server, nowMs: nowMs), e.edns != .assumed else { return }
        entry(server, nowMs: nowMs).pointee.edns = .assumed
    }

    /// The server cookie `server` last gave us (expired entries included:
    /// see `serverCookie` above); empty when none.
    func serverCookie(_ server: ServerAddress) -> ServerCookieBytes {
        let start = setStart(server)
        for i in start..<(start + InfraCache.ways) where entries[i].used && entries[i].server == server {
            return entries[i].serverCookie
        }
        return ServerCookieBytes()
    }

    /// Keeps the server cookie of a response that echoed our client cookie.
    /// True when it is new or changed.
    @discardableResult
    func recordServerCookie(_ server: ServerAddress, _ cookie: ServerCookieBytes, nowMs: Int64) -> Bool {
        let e = entry(server, nowMs: nowMs)
        if e.pointee.serverCookie == cookie { return false }
        e.pointee.serverCookie = cookie
        return true
    }
}

/// A server cookie as received: 8 to 32 bytes (RFC 7873 §4.2), inline.
struct ServerCookieBytes: Equatable {
    var count: UInt8 = 0
    var bytes = InlineArray<32, UInt8>(repeating: 0)

    static func == (a: ServerCookieBytes, b: ServerCookieBytes) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<Int(a.count) where a.bytes[i] != b.bytes[i] { return false }
        return true
    }
}
