// DNS error reporting, the reporting resolver's side (RFC 9567 §6.1).
// An authoritative server that wants to hear about failures puts a
// Report-Channel EDNS option (§5.3) with its agent domain in its responses.
// When a client's resolution then fails, Sprig sends one report query:
//
//   QNAME  _er.<QTYPE>.<QNAME>.<EDE>._er.<agent domain>   QTYPE TXT   (§6.1.1)
//
// resolved like any other question (its answer, normally NXDOMAIN, is only
// cached). Worked example: `www.broken.example. A` fails with EDE 6 (DNSSEC
// Bogus) after broken.example.'s servers named `a.agent.example.`: the task
// `_er.1.www.broken.example.6._er.a.agent.example. TXT` starts.
//
// Owns: the agent domains seen (with the zone whose server named each),
// the rate limits (per agent, and per identical report), the report name.
// Never: reports a failure of a report query (no report loops), reports to
// the root or to an agent inside the failing zone, or sends anything when
// `option error_reporting '0'`.
// Memory: agentCount × 2 names + (agentWindowCount + sameReportCount) × 16 bytes.
import DNSWire
import Fixed

struct ErrorReports: ~Copyable {
    /// Agent domains remembered at once (round robin). A task keeps the
    /// slot and the name's hash: a slot reused for another agent in the
    /// meantime is recognised, and that failure goes unreported.
    static let agentCount = 16
    /// Per-agent windows: at most `reportsPerAgentMax` reports per agent
    /// per `agentWindowMs` (RFC 9567 §6.1: the resolver SHOULD rate-limit;
    /// a router sends a handful, not a flood, to any one agent).
    static let agentWindowCount = 64
    static let reportsPerAgentMax = 5
    static let agentWindowMs: Int64 = 60_000
    /// The same report (agent, QNAME, QTYPE, EDE) at most once per hour;
    /// the agent's negative answer in the cache mostly does this already.
    static let sameReportCount = 256
    static let sameReportIntervalMs: Int64 = 3_600_000
    static let label = "error reporting (RFC 9567 agents, rate limits)"

    static var footprint: Arena.Row {
        Arena.Row(label, count: agentCount,
                  byteCount: Arena.carvingByteCount(of: Name.self, count: 2 * agentCount)
                      + Arena.carvingByteCount(of: UInt64.self, count: 2 * agentWindowCount)
                      + Arena.carvingByteCount(of: Int64.self, count: 2 * sameReportCount))
    }

    /// Agent domain and the zone whose server named it, per slot.
    private let agents: UnsafeMutablePointer<Name>
    private var nextAgent = 0
    /// Per agent: key (hash | 1 << 63), then window start (ms) and count packed.
    private let agentWindows: UnsafeMutablePointer<UInt64>
    /// Per report: key, then the time it was last sent (ms).
    private let sameReports: UnsafeMutablePointer<Int64>
    private let arena: Arena

    init(arena: Arena) {
        self.arena = arena
        agents = arena.reserve(Name.self, count: 2 * ErrorReports.agentCount, label: ErrorReports.label,
                               rowCount: ErrorReports.agentCount).baseAddress!
        agents.initialize(repeating: Name.root, count: 2 * ErrorReports.agentCount)
        agentWindows = arena.reserve(UInt64.self, count: 2 * ErrorReports.agentWindowCount,
                                     label: ErrorReports.label,
                               rowCount: ErrorReports.agentCount).baseAddress!
        agentWindows.initialize(repeating: 0, count: 2 * ErrorReports.agentWindowCount)
        sameReports = arena.reserve(Int64.self, count: 2 * ErrorReports.sameReportCount,
                                    label: ErrorReports.label,
                               rowCount: ErrorReports.agentCount).baseAddress!
        sameReports.initialize(repeating: 0, count: 2 * ErrorReports.sameReportCount)
    }

    /// Remembers that a server of `zone` named `agent`; returns its slot.
    mutating func remember(agent: Name, zone: Name) -> Int16 {
        for slot in 0..<ErrorReports.agentCount where agents[2 * slot] == agent && agents[2 * slot + 1] == zone {
            return Int16(slot)
        }
        let slot = nextAgent
        nextAgent = (nextAgent + 1) % ErrorReports.agentCount
        agents[2 * slot] = agent
        agents[2 * slot + 1] = zone
        return Int16(slot)
    }

    /// The agent and zone in `slot`, if it still holds the agent of `hash`.
    func agent(_ slot: Int16, hash: UInt32) -> (agent: Name, zone: Name)? {
        guard slot >= 0, Int(slot) < ErrorReports.agentCount, agents[2 * Int(slot)].hash32 == hash else { return nil }
        return (agents[2 * Int(slot)], agents[2 * Int(slot) + 1])
    }

    enum Admission: Equatable { case send, agentLimited, repeated }

    /// Whether this report may go now; counts it when it may.
    func admit(agent: Name, question: Question, ede: UInt16, nowMs: Int64) -> Admission {
        let reportKey = Int64(bitPattern: (UInt64(question.name.hash32) << 32 | UInt64(agent.hash32))
            ^ (UInt64(question.type.rawValue) << 16 | UInt64(ede)) | 1 << 63)
        let r = Int(UInt64(bitPattern: reportKey) % UInt64(ErrorReports.sameReportCount))
        if sameReports[2 * r] == reportKey && nowMs - sameReports[2 * r + 1] < ErrorReports.sameReportIntervalMs {
            return .repeated
        }
        let agentKey = UInt64(agent.hash32) | 1 << 63
        let a = Int(agentKey % UInt64(ErrorReports.agentWindowCount))
        // Window start in the high 48 bits (ms ≫ 10, ~1 s resolution), count in the low 16.
        let startUnits = Int64(agentWindows[2 * a + 1] >> 16)
        var count = Int(agentWindows[2 * a + 1] & 0xFFFF)
        if agentWindows[2 * a] != agentKey || nowMs - startUnits << 10 >= ErrorReports.agentWindowMs {
            agentWindows[2 * a] = agentKey
            agentWindows[2 * a + 1] = UInt64(max(nowMs, 0) >> 10) << 16
            count = 0
        }
        guard count < ErrorReports.reportsPerAgentMax else { return .agentLimited }
        agentWindows[2 * a + 1] = agentWindows[2 * a + 1] & ~0xFFFF | UInt64(count + 1)
        sameReports[2 * r] = reportKey
        sameReports[2 * r + 1] = nowMs
        return .send
    }

    static let erLabel: StaticString = "_er"

    /// `_er.<qtype>.<qname>.<ede>._er.<agent>` (RFC 9567 §6.1.1), QTYPE and
    /// EDE in decimal; nil when it would exceed 255 octets (then no report
    /// is sent, §6.1.1). No allocation.
    static func reportName(question: Question, ede: UInt16, agent: Name) -> Name? {
        let er = UnsafeRawBufferPointer(start: erLabel.utf8Start, count: erLabel.utf8CodeUnitCount)
        return withUnsafeTemporaryAllocation(byteCount: 5, alignment: 1) { digits -> Name? in
            func decimal(_ value: UInt16) -> UnsafeRawBufferPointer {
                var v = Int(value), count = 0
                var divisor = 1
                while divisor * 10 <= v { divisor *= 10 }
                while divisor > 0 {
                    digits[count] = UInt8(0x30 + v / divisor)
                    v %= divisor
                    divisor /= 10
                    count += 1
                }
                return UnsafeRawBufferPointer(rebasing: digits[0..<count])
            }
            guard let tail = try? agent.prepending(label: er).prepending(label: decimal(ede)),
                  let middle = try? question.name.appending(tail),
                  let name = try? middle.prepending(label: decimal(question.type.rawValue)).prepending(label: er)
            else { return nil }
            return name
        }
    }
}
