import Cache
import Foundation
import DNSWire
@testable import Resolver

/// Authoritative servers in memory: each zone has an apex, records and
/// servers; a query to a server is answered the way NSD would (answer,
/// referral with in-bailiwick glue, CNAME, DNAME with its synthesised
/// CNAME, NODATA or NXDOMAIN with SOA — signed in signed zones).
struct FakeZone {
    var apex: String
    var servers: [ServerAddress]
    var records: [Wire.RR] = []
    /// Delegations: child apex → NS names; glue goes in `records`.
    var delegations: [String: [String]] = [:]
    /// Authority-section records sent with the answer at a name (the NSEC
    /// proving a wildcard expansion), keyed by lowercase absolute name.
    var answerAuthority: [String: [Wire.RR]] = [:]
    /// Additional-section records added to every referral this zone sends:
    /// glue a parent has no authority for (a forgery, or a stale copy).
    var forgedGlue: [Wire.RR] = []
    /// Referrals carry the child's DS set and its RRSIGs in the authority
    /// section, as NSD does for DO queries (off: most tests count the
    /// resolver's own DS queries).
    var dsInReferrals = false
    /// DELEG RRsets at delegations (child apex → RDATA in presentation
    /// form), served as a DELEG-aware parent does (draft-ietf-deleg-12
    /// §5.2.1, draft-ietf-dnsop-delext-11 §4.1): to a query with the DE flag,
    /// the referral carries the DELEG RRset and no NS; without DE, NS only.
    var delegs: [String: [String]] = [:]
    /// An RRSIG over a delegation's DELEG RRset with this Labels field
    /// (fewer than the owner's: a wildcard expansion, delext-11 §5.2).
    var delegSignatureLabels: [String: UInt8] = [:]
    /// Authority records added to every referral for a child (its NSEC and
    /// RRSIG in a signed parent, the RRSIG over its DELEG), keyed by child.
    var referralExtras: [String: [Wire.RR]] = [:]
}

struct FakeAuthorities {
    var zones: [FakeZone] = []
    /// Servers that never answer, or answer SERVFAIL / garbage.
    var silent: Set<UInt64> = []
    var broken: Set<UInt64> = []
    /// Servers whose NODATA and NXDOMAIN answers carry neither an SOA nor
    /// the AA bit (seen from load balancers and some hosted DNS).
    var bareNegative: Set<UInt64> = []
    /// Servers that lose the next this-many queries sent to them (then answer).
    var dropNext: [UInt64: Int] = [:]
    /// Query types no server answers (a middlebox eating DNSKEY queries).
    var droppedTypes: Set<UInt16> = []
    /// Servers without EDNS (RFC 6891 §7): an EDNS query gets FORMERR
    /// without an OPT, a plain one its answer without OPT or DNSSEC records.
    var noEDNS: Set<UInt64> = []
    /// Query types every server answers FORMERR to, with an OPT (as BIND
    /// does for TYPE128, or old servers for types they do not know).
    var formErrTypes: Set<UInt16> = []
    var queries: [(server: ServerAddress, name: String, type: RRType)] = []
    /// Referrals answered with a DELEG RRset.
    var delegQueries = 0
    /// An on-path attacker: DELEG removed from referrals (NS only), and
    /// with `stripReferralProof` the NSEC and RRSIGs too (delext-11 §9.2.1).
    var stripDeleg = false
    var stripReferralProof = false
    /// The same attacker aimed at some children only (DELEG and proof).
    var stripDelegOf: Set<String> = []
    /// How a signed zone's SOA goes out in negative answers (DNAME tests).
    var soaSigning = SOASigning.signed
    /// Synthesise CNAMEs below a DNAME pointing elsewhere (a forgery).
    var forgeDNAMESynthesis = false
    /// A TTL for synthesised CNAMEs other than the DNAME's (RFC 6672 §3.1).
    var synthesisTTL: UInt32? = nil
    /// Servers whose responses carry a Report-Channel option naming this
    /// agent domain (RFC 9567 §5.3; ErrorReportingTests).
    var reportChannel: [UInt64: String] = [:]

    enum SOASigning { case signed, unsigned, corrupt }

    static func key(_ a: ServerAddress) -> UInt64 { a.high ^ a.low ^ UInt64(a.port) }

    static func address(_ last: UInt8) -> ServerAddress { ServerAddress(bytes: [127, 9, 0, last], port: 53)! }

    func norm(_ s: String) -> String { s.lowercased().hasSuffix(".") ? s.lowercased() : s.lowercased() + "." }

    func isUnder(_ name: String, _ zone: String) -> Bool {
        let n = norm(name), z = norm(zone)
        return z == "." || n == z || n.hasSuffix("." + z)
    }

    /// The RRSIGs among `records` covering `type` (first two RDATA bytes).
    func signatures(_ records: [Wire.RR], _ type: RRType) -> [Wire.RR] {
        records.filter { $0.type == .rrsig && $0.rdata.count >= 2
            && (UInt16($0.rdata[0]) << 8 | UInt16($0.rdata[1])) == type.rawValue }
    }

    /// The response bytes, or nil for silence.
    mutating func respond(to query: [UInt8], at server: ServerAddress) -> [UInt8]? {
        let response = respondWithoutReportChannel(to: query, at: server)
        guard let agent = reportChannel[FakeAuthorities.key(server)], let response else { return response }
        return Wire.appendingOption(response, code: 18, value: Wire.name(agent).wireBytes)
    }

    mutating func respondWithoutReportChannel(to query: [UInt8], at server: ServerAddress) -> [UInt8]? {
        guard noEDNS.contains(FakeAuthorities.key(server)) else { return respondWithEDNS(to: query, at: server) }
        if Wire.hasOPT(query) {
            _ = respondWithEDNS(to: query, at: server)   // (logged like any other query)
            return Wire.response(to: query, rcode: .formErr, records: [], opt: false)
        }
        return respondWithEDNS(to: query, at: server).map(Wire.withoutEDNS)
    }

    mutating func respondWithEDNS(to query: [UInt8], at server: ServerAddress) -> [UInt8]? {
        let (qname, qtype) = query.withUnsafeBytes { q -> (String, RRType) in
            var r = try! MessageReader(q)
            let question = try! r.nextQuestion()!
            return (question.name.text, question.type)
        }
        queries.append((server, norm(qname), qtype))
        if silent.contains(FakeAuthorities.key(server)) || droppedTypes.contains(qtype.rawValue) { return nil }
        if let n = dropNext[FakeAuthorities.key(server)], n > 0 {
            dropNext[FakeAuthorities.key(server)] = n - 1
            return nil
        }
        if formErrTypes.contains(qtype.rawValue) { return Wire.response(to: query, rcode: .formErr, records: []) }
        if broken.contains(FakeAuthorities.key(server)) { return Wire.response(to: query, rcode: .servFail, records: []) }
        // The deepest zone this server serves that contains the name.
        // A DS lives in the parent: a server hosting both sides answers it
        // from the parent zone (RFC 4035 §3.1.4.1).
        let served = zones.filter { $0.servers.contains(server) && isUnder(qname, $0.apex)
            && !(qtype == .ds && norm(qname) == norm($0.apex) && norm($0.apex) != ".") }
        guard let zone = served.max(by: { norm($0.apex).count < norm($1.apex).count }) else {
            return Wire.response(to: query, rcode: .refused, records: [])
        }
        // Below a delegation (and not asking the parent-side DS at the cut)?
        for (child, nsNames) in zone.delegations where isUnder(qname, child) {
            if qtype == .ds && norm(qname) == norm(child) { break }
            let stripped = stripDelegOf.contains(norm(child))
            var extras = stripReferralProof || stripped ? [] : (zone.referralExtras[norm(child)] ?? [])
            for i in extras.indices { extras[i].section = .authority }
            if !stripDeleg, !stripped, let delegs = zone.delegs[norm(child)] ?? zone.delegs[child], Wire.ednsFlags(query) & 0x2000 != 0 {
                delegQueries += 1
                // QTYPE=DELEG at the cut: answered by the parent, like DS
                // (draft-ietf-deleg-12 §5.2.1.1).
                let atCut = qtype == .deleg && norm(qname) == norm(child)
                var rrs = delegs.map { Wire.RR(owner: child, type: .deleg, ttl: 3600,
                                               rdata: try! RDataText.parse(type: .deleg, text: $0),
                                               section: atCut ? .answer : .authority) }
                if let labels = zone.delegSignatureLabels[norm(child)] {
                    let rdata: [UInt8] = [0xF0, 0x00, 13, labels, 0, 0, 0x0E, 0x10] + [UInt8](repeating: 0x7F, count: 8)
                        + [0x12, 0x34, 0] + [UInt8](repeating: 0xAB, count: 64)
                    rrs.append(Wire.RR(owner: child, type: .rrsig, ttl: 3600, rdata: rdata, section: atCut ? .answer : .authority))
                }
                if !atCut { rrs += extras }
                return Wire.response(to: query, aa: atCut, records: rrs)
            }
            var rrs = nsNames.map { Wire.RR(owner: child, type: .ns, ttl: 3600, rdata: Wire.name($0).wireBytes, section: .authority) }
            for ns in nsNames where isUnder(ns, child) || isUnder(ns, zone.apex) {
                for r in zone.records where norm(r.owner) == norm(ns) && (r.type == .a || r.type == .aaaa) {
                    var glue = r
                    glue.section = .additional
                    rrs.append(glue)
                }
            }
            if zone.dsInReferrals {
                let ds = zone.records.filter { norm($0.owner) == norm(child) && $0.type == .ds }
                for var r in ds + signatures(zone.records.filter { norm($0.owner) == norm(child) }, .ds) {
                    r.section = .authority
                    rrs.append(r)
                }
            }
            rrs += extras.filter { !($0.type == .rrsig && $0.rdata.count >= 2 && $0.rdata[0] == 0xF0 && $0.rdata[1] == 0x00) }
            for var forged in zone.forgedGlue {
                forged.section = .additional
                rrs.append(forged)
            }
            return Wire.response(to: query, aa: false, records: rrs)
        }
        if let dname = dnameAbove(qname, in: zone) {
            if synthesisTooLong(qname, dname) {   // RFC 6672 §2.2: the DNAME, rcode YXDOMAIN
                let sigs = zone.records.filter { norm($0.owner) == norm(dname.owner) }
                return Wire.response(to: query, rcode: .yxDomain, aa: true, records: [dname] + signatures(sigs, .dname))
            }
            return Wire.response(to: query, aa: true, records: synthesis(qname, dname, in: zone))
        }
        let here = zone.records.filter { norm($0.owner) == norm(qname) }
        let exact = here.filter { $0.type == qtype }
        if !exact.isEmpty {
            var proof = zone.answerAuthority[norm(qname)] ?? []
            for i in proof.indices { proof[i].section = .authority }
            return Wire.response(to: query, aa: true, records: exact + signatures(here, qtype) + proof)
        }
        if let cname = here.first(where: { $0.type == .cname }) {
            return Wire.response(to: query, aa: true, records: [cname] + signatures(here, .cname))
        }
        let exists = zone.records.contains { isUnder($0.owner, qname) } || norm(qname) == norm(zone.apex)
        if bareNegative.contains(FakeAuthorities.key(server)) {
            return Wire.response(to: query, rcode: exists ? .noError : .nxDomain, records: [])
        }
        let soa = signedSOA(zone)
        // Signed zones: the NSEC at the name and its RRSIG prove the NODATA.
        var denial = here.filter { $0.type == .nsec } + signatures(here, .nsec)
        for i in denial.indices { denial[i].section = .authority }
        return Wire.response(to: query, rcode: exists ? .noError : .nxDomain, aa: true, records: soa + denial)
    }

    // MARK: DNAME (RFC 6672) and signed SOAs

    /// The DNAME of `zone` strictly above `qname`, nearest first.
    func dnameAbove(_ qname: String, in zone: FakeZone) -> Wire.RR? {
        zone.records.filter { $0.type == .dname && norm($0.owner) != norm(qname) && isUnder(qname, $0.owner) }
            .max { norm($0.owner).count < norm($1.owner).count }
    }

    /// Whether `qname` under `dname` would become a name over 255 bytes.
    func synthesisTooLong(_ qname: String, _ dname: Wire.RR) -> Bool {
        let target = dname.rdata.withUnsafeBytes { try! Name.read(from: $0, at: 0).name }
        return Wire.name(qname).byteCount - Wire.name(dname.owner).byteCount + target.byteCount > 255
    }

    /// The DNAME, its RRSIGs and the unsigned CNAME synthesised from it
    /// (TTL of the DNAME), as NSD sends them.
    func synthesis(_ qname: String, _ dname: Wire.RR, in zone: FakeZone) -> [Wire.RR] {
        let target = dname.rdata.withUnsafeBytes { try! Name.read(from: $0, at: 0).name.text }
        let kept = norm(qname).dropLast(norm(dname.owner).count)   // "www." of www.<owner>
        let synthesised = forgeDNAMESynthesis ? "evil.example." : String(kept) + (target == "." ? "" : target)
        let sigs = zone.records.filter { norm($0.owner) == norm(dname.owner) }
        return [dname] + signatures(sigs, .dname)
            + [Wire.RR(owner: qname, type: .cname, ttl: synthesisTTL ?? dname.ttl, rdata: Wire.name(synthesised).wireBytes)]
    }

    /// The zone's SOA for a negative answer; in a signed zone (one holding
    /// RRSIGs) with its RRSIG, made with the key of the zone's DNSKEY set
    /// (see `signer(of:)`).
    func signedSOA(_ zone: FakeZone) -> [Wire.RR] {
        let soa = Wire.soa(zone.apex.hasSuffix(".") ? String(zone.apex.dropLast()) : zone.apex, ttl: 300, minimum: 300)
        guard soaSigning != .unsigned, zone.records.contains(where: { $0.type == .rrsig }),
              let signer = signer(of: zone) else { return [soa] }
        var signature = signer.sign([soa])
        if soaSigning == .corrupt { signature.rdata[signature.rdata.count - 1] ^= 0xFF }
        return [soa, signature]
    }

    /// Test keys are `TestSigner(zone:seedByte:)`: the zone's key is the
    /// seed whose DNSKEY the zone publishes at its apex (searched once per
    /// key, then remembered). nil for keys made elsewhere (ldns fixtures).
    func signer(of zone: FakeZone) -> TestSigner? {
        for key in zone.records where key.type == .dnskey && norm(key.owner) == norm(zone.apex) {
            if let known = SignerCache.shared.lookup(key.rdata) {
                if let signer = known { return signer }
                continue
            }
            // The flags are part of the RDATA: try the key's own (ADT, DELEG tests).
            let flags = key.rdata.count >= 2 ? UInt16(key.rdata[0]) << 8 | UInt16(key.rdata[1]) : 257
            let found = (0...255).lazy.map { seed -> TestSigner in
                var signer = TestSigner(zone: zone.apex, seedByte: UInt8(seed))
                signer.flags = flags
                return signer
            }.first { $0.dnskeyRData == key.rdata }
            SignerCache.shared.remember(key.rdata, found)
            if let found { return found }
        }
        return nil
    }
}

/// Seed searches already done (DNSKEY RDATA → signer, nil: not a test key).
final class SignerCache: @unchecked Sendable {
    static let shared = SignerCache()
    private var known: [[UInt8]: TestSigner?] = [:]
    private let lock = NSLock()

    func lookup(_ rdata: [UInt8]) -> TestSigner?? { lock.withLock { known[rdata] } }
    func remember(_ rdata: [UInt8], _ signer: TestSigner?) { lock.withLock { known[rdata] = .some(signer) } }
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
                self.reply(s.ref, reply)
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
