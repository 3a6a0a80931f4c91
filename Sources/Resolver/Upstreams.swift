/// Configured upstream resolvers with smoothed RTT state, for forwarding.
///
/// Choice: the upstream with the lowest smoothed RTT among those not yet
/// tried for this query, except that one query in `explorationPeriod` goes
/// to the least recently used one, so a recovered or faster server is
/// noticed (Unbound's infra-cache idea, kept to a fixed array).
///
/// Never: keeps what it learned longer than its window. A client chooses
/// the questions, so it can make an upstream time out (a name in a zone
/// that never answers): SRTT and variance stay within `timeoutMaxMs`, and
/// `stateLifetimeMs` after they started they are learned afresh (as
/// `InfraCache` entries are). No other per-upstream state exists: TCP is
/// configuration, EDNS is always on towards upstreams.
public struct Upstream: Equatable, Sendable {
    public var address: ServerAddress
    public var overTCP: Bool
    /// DNS over TLS with this TLS profile (the server's, registered for
    /// this upstream); nil: plain. TLS implies TCP framing.
    public var tlsProfile: Int32?
    public init(address: ServerAddress, overTCP: Bool = false, tlsProfile: Int32? = nil) {
        self.address = address
        self.overTCP = overTCP || tlsProfile != nil
        self.tlsProfile = tlsProfile
    }
}

struct UpstreamState {
    var upstream: Upstream
    /// Smoothed RTT and variance in ms (RFC 6298 §2, alpha 1/8, beta 1/4),
    /// at most `timeoutMaxMs`; learned afresh `stateLifetimeMs` after
    /// `learnedAtMs`.
    var srttMs: Int64 = UpstreamTable.initialRTTMs
    var rttVarMs: Int64 = UpstreamTable.initialRTTMs / 2
    var learnedAtMs: Int64 = 0
    var lastUsedMs: Int64 = 0
    /// Statistics only (`upstream.N.timeouts`, `.answers`): they steer nothing.
    var timeouts = 0
    var answers = 0

    func isExpired(nowMs: Int64) -> Bool { nowMs - learnedAtMs >= UpstreamTable.stateLifetimeMs }
}

public struct UpstreamTable {
    /// Upstreams in a config; more is a misconfiguration on a router.
    public static let countMax = 8
    /// RTT assumed before the first answer (RFC 6298 §2.1 uses 1 s; DNS
    /// answers on a LAN or ISP link are far faster).
    static let initialRTTMs: Int64 = 200
    /// Retransmission timeout bounds (ms). An upstream is a recursive
    /// resolver: it answers from its cache in a millisecond, so the RTT
    /// estimate falls towards that, but it needs hundreds of milliseconds
    /// for a name it must resolve (a dead authoritative server costs it
    /// ~400 ms). A retransmission sooner than this only duplicates its work.
    static let timeoutMinMs: Int64 = 300
    static let timeoutMaxMs: Int64 = 3_000
    /// One choice in this many explores the least recently used upstream.
    static let explorationPeriod = 32
    /// How long an upstream's RTT estimate holds before it is learned
    /// afresh (as `InfraCache.entryLifetimeMs`, Unbound's infra-host-ttl).
    static let stateLifetimeMs: Int64 = 900_000

    var entries: [UpstreamState] = []   // fixed after init
    var choices = 0

    public init(_ upstreams: [Upstream]) {
        precondition(upstreams.count <= UpstreamTable.countMax)
        entries = upstreams.map { UpstreamState(upstream: $0) }
    }

    public var count: Int { entries.count }

    /// The upstream to try next; `triedMask` has bit i set for each
    /// upstream already tried for this query (cleared when all were tried).
    mutating func choose(triedMask: UInt32, nowMs: Int64) -> Int {
        precondition(!entries.isEmpty)
        choices &+= 1
        for i in 0..<entries.count { expire(i, nowMs: nowMs) }
        var mask = triedMask
        if mask & ((1 << UInt32(entries.count)) - 1) == (1 << UInt32(entries.count)) - 1 { mask = 0 }
        var best = -1
        let explore = choices % UpstreamTable.explorationPeriod == 0
        for i in 0..<entries.count where mask & (1 << UInt32(i)) == 0 {
            if best < 0 { best = i; continue }
            if explore {
                if entries[i].lastUsedMs < entries[best].lastUsedMs { best = i }
            } else if entries[i].srttMs < entries[best].srttMs {
                best = i
            }
        }
        entries[best].lastUsedMs = nowMs
        return best
    }

    /// Retransmission timeout for the `attempt`th send (1-based) of one
    /// question to upstream `index`: SRTT + 4·RTTVAR, bounded, doubled for
    /// every send of it before (RFC 6298 §5.5: back off the timer). The
    /// caller keeps the sum within the client's deadline.
    func timeoutMs(_ index: Int, attempt: Int = 1, nowMs: Int64) -> Int64 {
        var e = entries[index]
        if e.isExpired(nowMs: nowMs) { e = UpstreamState(upstream: e.upstream) }
        let base = min(max(e.srttMs + 4 * e.rttVarMs, UpstreamTable.timeoutMinMs), UpstreamTable.timeoutMaxMs)
        return min(base << Int64(min(max(attempt - 1, 0), 4)), UpstreamTable.timeoutMaxMs)
    }

    /// RFC 6298 §2: one RTT sample, bounded like a timeout.
    mutating func recordAnswer(_ index: Int, rttMs: Int64, nowMs: Int64) {
        expire(index, nowMs: nowMs)
        var e = entries[index]
        let sample = min(max(rttMs, 0), UpstreamTable.timeoutMaxMs)
        e.rttVarMs = min((3 * e.rttVarMs + abs(e.srttMs - sample)) / 4, UpstreamTable.timeoutMaxMs)
        e.srttMs = (7 * e.srttMs + sample) / 8
        e.answers += 1
        entries[index] = e
    }

    /// A timeout doubles the estimate (RFC 6298 §5.5 back-off), bounded.
    mutating func recordTimeout(_ index: Int, nowMs: Int64) {
        expire(index, nowMs: nowMs)
        entries[index].srttMs = min(entries[index].srttMs * 2, UpstreamTable.timeoutMaxMs)
        entries[index].timeouts += 1
    }

    /// Starts upstream `index`'s estimate afresh once its lifetime is over.
    mutating func expire(_ index: Int, nowMs: Int64) {
        guard entries[index].isExpired(nowMs: nowMs) else { return }
        entries[index].srttMs = UpstreamTable.initialRTTMs
        entries[index].rttVarMs = UpstreamTable.initialRTTMs / 2
        entries[index].learnedAtMs = nowMs
    }

    func address(_ index: Int) -> ServerAddress { entries[index].upstream.address }
    func prefersTCP(_ index: Int) -> Bool { entries[index].upstream.overTCP }
    func tlsProfile(_ index: Int) -> Int32? { entries[index].upstream.tlsProfile }
    func srttMs(_ index: Int) -> Int64 { entries[index].srttMs }
}
