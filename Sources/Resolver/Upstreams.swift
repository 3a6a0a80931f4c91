/// Configured upstream resolvers with smoothed RTT state, for forwarding.
///
/// Choice: the upstream with the lowest smoothed RTT among those not yet
/// tried for this query, except that one query in `explorationPeriod` goes
/// to the least recently used one, so a recovered or faster server is
/// noticed (Unbound's infra-cache idea, kept to a fixed array).
public struct Upstream: Equatable, Sendable {
    public var address: ServerAddress
    public var overTCP: Bool
    public init(address: ServerAddress, overTCP: Bool = false) {
        self.address = address
        self.overTCP = overTCP
    }
}

struct UpstreamState {
    var upstream: Upstream
    /// Smoothed RTT and variance in ms (RFC 6298 §2, alpha 1/8, beta 1/4).
    var srttMs: Int64 = UpstreamTable.initialRTTMs
    var rttVarMs: Int64 = UpstreamTable.initialRTTMs / 2
    var lastUsedMs: Int64 = 0
    var timeouts = 0
    var answers = 0
}

public struct UpstreamTable {
    /// Upstreams in a config; more is a misconfiguration on a router.
    public static let countMax = 8
    /// RTT assumed before the first answer (RFC 6298 §2.1 uses 1 s; DNS
    /// answers on a LAN or ISP link are far faster).
    static let initialRTTMs: Int64 = 200
    /// Retransmission timeout bounds (ms).
    static let timeoutMinMs: Int64 = 150
    static let timeoutMaxMs: Int64 = 3_000
    /// One choice in this many explores the least recently used upstream.
    static let explorationPeriod = 32

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

    /// Retransmission timeout for upstream `index`: SRTT + 4·RTTVAR, bounded.
    func timeoutMs(_ index: Int) -> Int64 {
        let e = entries[index]
        return min(max(e.srttMs + 4 * e.rttVarMs, UpstreamTable.timeoutMinMs), UpstreamTable.timeoutMaxMs)
    }

    mutating func recordAnswer(_ index: Int, rttMs: Int64) {
        var e = entries[index]
        let sample = max(rttMs, 0)
        e.rttVarMs = (3 * e.rttVarMs + abs(e.srttMs - sample)) / 4
        e.srttMs = (7 * e.srttMs + sample) / 8
        e.answers += 1
        entries[index] = e
    }

    /// A timeout doubles the estimate (RFC 6298 §5.5 back-off), bounded.
    mutating func recordTimeout(_ index: Int) {
        entries[index].srttMs = min(entries[index].srttMs * 2, UpstreamTable.timeoutMaxMs)
        entries[index].timeouts += 1
    }

    func address(_ index: Int) -> ServerAddress { entries[index].upstream.address }
    func prefersTCP(_ index: Int) -> Bool { entries[index].upstream.overTCP }
    func srttMs(_ index: Int) -> Int64 { entries[index].srttMs }
}
