import Cache
import DNSWire
@testable import Resolver

/// Authoritative servers in memory: each zone has an apex, records and
/// servers; a query to a server is answered the way NSD would (answer,
/// referral with in-bailiwick glue, CNAME, NODATA or NXDOMAIN with SOA).
struct FakeZone {
    var apex: String
    var servers: [ServerAddress]
    var records: [Wire.RR] = []
    /// Delegations: child apex → NS names; glue goes in `records`.
    var delegations: [String: [String]] = [:]
}

struct FakeAuthorities {
    var zones: [FakeZone] = []
    /// Servers that never answer, or answer SERVFAIL / garbage.
    var silent: Set<UInt64> = []
    var broken: Set<UInt64> = []
    var queries: [(server: ServerAddress, name: String, type: RRType)] = []

    static func key(_ a: ServerAddress) -> UInt64 { a.high ^ a.low ^ UInt64(a.port) }

    static func address(_ last: UInt8) -> ServerAddress { ServerAddress(bytes: [127, 9, 0, last], port: 53)! }

    func norm(_ s: String) -> String { s.lowercased().hasSuffix(".") ? s.lowercased() : s.lowercased() + "." }

    func isUnder(_ name: String, _ zone: String) -> Bool {
        let n = norm(name), z = norm(zone)
        return z == "." || n == z || n.hasSuffix("." + z)
    }

    /// The response bytes, or nil for silence.
    mutating func respond(to query: [UInt8], at server: ServerAddress) -> [UInt8]? {
        let (qname, qtype) = query.withUnsafeBytes { q -> (String, RRType) in
            var r = try! MessageReader(q)
            let question = try! r.nextQuestion()!
            return (question.name.text, question.type)
        }
        queries.append((server, norm(qname), qtype))
        if silent.contains(FakeAuthorities.key(server)) { return nil }
        if broken.contains(FakeAuthorities.key(server)) { return Wire.response(to: query, rcode: .servFail, records: []) }
        // The deepest zone this server serves that contains the name.
        let served = zones.filter { $0.servers.contains(server) && isUnder(qname, $0.apex) }
        guard let zone = served.max(by: { norm($0.apex).count < norm($1.apex).count }) else {
            return Wire.response(to: query, rcode: .refused, records: [])
        }
        // Below a delegation (and not asking the parent-side DS at the cut)?
        for (child, nsNames) in zone.delegations where isUnder(qname, child) {
            if qtype == .ds && norm(qname) == norm(child) { break }
            var rrs = nsNames.map { Wire.RR(owner: child, type: .ns, ttl: 3600, rdata: Wire.name($0).wireBytes, section: .authority) }
            for ns in nsNames where isUnder(ns, child) || isUnder(ns, zone.apex) {
                for r in zone.records where norm(r.owner) == norm(ns) && (r.type == .a || r.type == .aaaa) {
                    var glue = r
                    glue.section = .additional
                    rrs.append(glue)
                }
            }
            return Wire.response(to: query, aa: false, records: rrs)
        }
        let here = zone.records.filter { norm($0.owner) == norm(qname) }
        let exact = here.filter { $0.type == qtype }
        if !exact.isEmpty { return Wire.response(to: query, aa: true, records: exact) }
        if let cname = here.first(where: { $0.type == .cname }) {
            return Wire.response(to: query, aa: true, records: [cname])
        }
        let soa = Wire.soa(zone.apex.hasSuffix(".") ? String(zone.apex.dropLast()) : zone.apex, ttl: 300, minimum: 300)
        let exists = zone.records.contains { isUnder($0.owner, qname) } || norm(qname) == norm(zone.apex)
        return Wire.response(to: query, rcode: exists ? .noError : .nxDomain, aa: true, records: [soa])
    }
}

extension Harness {
    /// Delivers every query sent so far to the fake servers, repeatedly,
    /// until nothing new is sent (bounded). Silent servers time out only
    /// when the test advances time.
    mutating func pump(_ auth: inout FakeAuthorities, rounds: Int = 400) {
        for _ in 0..<rounds {
            guard delivered < net.sent.count else { return }
            let s = net.sent[delivered]
            delivered += 1
            if let reply = auth.respond(to: s.bytes, at: s.server) {
                self.reply(s.outgoing, reply)
            }
        }
    }

    /// Pumps, then advances time by `ms` in steps, pumping after each.
    mutating func run(_ auth: inout FakeAuthorities, forMs ms: Int64, stepMs: Int64 = 100) {
        var elapsed: Int64 = 0
        while true {
            pump(&auth)
            if elapsed >= ms { return }
            advance(stepMs)
            elapsed += stepMs
        }
    }
}
