import XCTest
import Cache
import DNSWire
@testable import Resolver

/// What a client's answer carries (issue 12 item 5), over the RecursionTests
/// hierarchy with some servers scripted to answer as real ones sometimes do:
/// - an RRset is a set: a record sent twice is one record (RFC 2181 §5), and
///   a DNAME crossed twice by a chain goes into the answer once;
/// - a CNAME chain that ends in a name that does not exist is NXDOMAIN with
///   the chain in the answer section (RFC 6604 §2, §3), from the cache or not;
/// - a resolver's answer holds the answer, and for negative answers the SOA
///   (RFC 2308 §3): no NS set, no glue (Unbound's minimal responses);
/// - a response that is not authoritative for the name and delegates below
///   the zone asked is a referral, whatever its answer section holds: it is
///   followed, never passed on (RFC 1034 §4.3.2, Unbound's response typing).
final class AnswerAssemblyTests: XCTestCase {
    /// Scripted responses by "server-last-octet qname qtype", over FakeAuthorities.
    struct World {
        var auth = RecursionTests.hierarchy()
        var scripts: [String: (RCode, Bool, [Wire.RR])] = [:]

        mutating func script(_ server: ServerAddress, _ name: String, _ type: RRType, rcode: RCode = .noError,
                             aa: Bool = true, _ records: [Wire.RR]) {
            scripts[World.key(server, name, type)] = (rcode, aa, records)
        }

        static func key(_ server: ServerAddress, _ name: String, _ type: RRType) -> String {
            "\(FakeAuthorities.key(server)) \(name.lowercased()) \(type.rawValue)"
        }

        mutating func respond(_ query: [UInt8], at server: ServerAddress) -> [UInt8]? {
            let (name, type) = query.withUnsafeBytes { q -> (String, RRType) in
                var r = try! MessageReader(q)
                let question = try! r.nextQuestion()!
                return (question.name.text, question.type)
            }
            guard let (rcode, aa, records) = scripts[World.key(server, name, type)] else {
                return auth.respond(to: query, at: server)
            }
            auth.queries.append((server, name.lowercased(), type))
            return Wire.response(to: query, rcode: rcode, aa: aa, records: records)
        }
    }

    func resolve(_ h: inout Harness, _ world: inout World, _ name: String, _ type: RRType = .a,
                 dnssecOK: Bool = false) -> [UInt8] {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, type, id: 21, dnssecOK: dnssecOK))
        for _ in 0..<400 {
            guard h.delivered < h.net.sent.count else { break }
            let s = h.net.sent[h.delivered]
            h.delivered += 1
            if let reply = world.respond(s.bytes, at: s.server) { h.reply(s.outgoing, reply) }
        }
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer per query")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "every task ended")
        return h.net.answers.last?.bytes ?? []
    }

    /// (section, owner, type) of every record but the OPT.
    func records(_ bytes: [UInt8]) -> [(Section, String, RRType)] {
        bytes.withUnsafeBytes { m in
            var reader = try! MessageReader(m)
            var out: [(Section, String, RRType)] = []
            while let r = try! reader.nextRecord() {
                if r.type != .opt { out.append((r.section, try! r.owner(in: m).text.lowercased(), r.type)) }
            }
            return out
        }
    }

    func harness() -> Harness { Harness(settings: RecursionTests.settings(), rootServers: [RecursionTests.root]) }

    // MARK: RRsets are sets

    func testARecordSentTwiceIsAnsweredOnce() {
        var h = harness()
        var world = World()
        let link = Wire.cname("dup.a.test", "www.b.test")
        world.script(RecursionTests.leaf, "dup.a.test.", .a, [link, link])
        for round in 0..<2 {   // fresh, then from the cache
            let answer = records(resolve(&h, &world, "dup.a.test"))
            XCTAssertEqual(answer.filter { $0.0 == .answer }.map { $0.2 }, [.cname, .a],
                           "round \(round): RFC 2181 §5, one CNAME record")
        }
    }

    func testADNAMECrossedTwiceIsAnsweredOnce() {
        var h = harness()
        var world = World()
        // q1.d.a.test → (DNAME d.a.test → b.test) q1.b.test → CNAME q2.d.a.test → q2.b.test A
        world.auth.zones[2].records.append(Wire.RR(owner: "d.a.test", type: .dname, ttl: 300,
                                                   rdata: Wire.name("b.test").wireBytes))
        world.auth.zones[3].records += [Wire.cname("q1.b.test", "q2.d.a.test"), Wire.a("q2.b.test", [192, 0, 2, 9])]
        let answer = records(resolve(&h, &world, "q1.d.a.test")).filter { $0.0 == .answer }
        XCTAssertEqual(answer.map { $0.2 }, [.dname, .cname, .cname, .cname, .a], "\(answer)")
        XCTAssertEqual(answer.filter { $0.2 == .dname }.count, 1, "the DNAME RRset once (as Unbound: no duplicate DNAMEs)")
    }

    // MARK: the end of a chain is asked with the question's type

    /// RFC 1034 §3.6.2: a CNAME's target is asked the original question's
    /// type (here AAAA; RFC 9156 minimises only the names above the target).
    func testTheCNAMETargetIsAskedForTheQuestionsType() {
        for minimise in [true, false] {
            var s = RecursionTests.settings()
            s.qnameMinimisation = minimise
            var h = Harness(settings: s, rootServers: [RecursionTests.root])
            var world = World()
            world.auth.zones[3].records.append(Wire.RR(owner: "www.b.test", type: .aaaa, ttl: 300,
                                                       rdata: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]))
            let p = Wire.parse(resolve(&h, &world, "alias.a.test", .aaaa))
            XCTAssertEqual(p.rcode, .noError, "minimise \(minimise)")
            XCTAssertEqual(p.answers.map { $0.type }, [.cname, .aaaa], "minimise \(minimise)")
            XCTAssertTrue(world.auth.queries.contains { $0.name == "www.b.test." && $0.type == .aaaa },
                          "minimise \(minimise)")
            let nodata = Wire.parse(resolve(&h, &world, "alias.a.test", .mx))
            XCTAssertEqual(nodata.rcode, .noError, "minimise \(minimise)")
            XCTAssertEqual(nodata.answers.map { $0.type }, [.cname], "minimise \(minimise): NODATA at the target")
        }
    }

    // MARK: RFC 6604: NXDOMAIN at the end of a chain

    func testChainEndingInANameThatDoesNotExistIsNXDOMAINWithTheChain() {
        var h = harness()
        var world = World()
        world.auth.zones[2].records.append(Wire.cname("gone.a.test", "nothere.b.test"))
        for round in 0..<2 {
            let bytes = resolve(&h, &world, "gone.a.test")
            let p = Wire.parse(bytes)
            XCTAssertEqual(p.rcode, .nxDomain, "round \(round): RFC 6604 §3, the rcode of the last link")
            XCTAssertEqual(p.answers.map { $0.type }, [.cname], "round \(round): the chain stays in the answer")
            XCTAssertEqual(records(bytes).filter { $0.0 == .authority }.map { $0.2 }, [.soa])
        }
    }

    func testChainEndingInAnNXDOMAINWithoutSOAIsStillNXDOMAIN() {
        var h = harness()
        var world = World()
        world.auth.zones[2].records.append(Wire.cname("gone.a.test", "nothere.b.test"))
        // b.test's server denies the name without the SOA (nothing to cache it by, RFC 2308 §5).
        world.script(RecursionTests.leaf, "nothere.b.test.", .a, rcode: .nxDomain, [])
        let p = Wire.parse(resolve(&h, &world, "gone.a.test"))
        XCTAssertEqual(p.rcode, .nxDomain, "RFC 6604: NXDOMAIN, not SERVFAIL, though nothing could be cached")
        XCTAssertEqual(p.answers.map { $0.type }, [.cname])
    }

    func testCNAMEAndNXDOMAINInOneResponse() {
        var h = harness()
        var world = World()
        // The target is in the same zone and does not exist: one response says both (RFC 6604 §2.1).
        world.auth.zones[2].records.append(Wire.cname("gone.a.test", "nothere.a.test"))
        world.script(RecursionTests.leaf, "gone.a.test.", .a, rcode: .nxDomain,
                     [Wire.cname("gone.a.test", "nothere.a.test"), Wire.soa("a.test")])
        let p = Wire.parse(resolve(&h, &world, "gone.a.test"))
        XCTAssertEqual(p.rcode, .nxDomain)
        XCTAssertEqual(p.answers.map { $0.type }, [.cname])
    }

    // MARK: minimal responses

    /// An answer too big to cache (more records than one response is looked
    /// at for) is answered from the response itself: its answer section only.
    func testAnAnswerFromTheResponseCarriesNoNSOrGlue() {
        var h = harness()
        var world = World()
        let many = (1...70).map { Wire.a("big.a.test", [192, 0, 2, UInt8($0)]) }
        let ns = Wire.RR(owner: "a.test", type: .ns, ttl: 3600, rdata: Wire.name("ns.a.test").wireBytes,
                         section: .authority)
        var glue = Wire.a("ns.a.test", [127, 9, 0, 3])
        glue.section = .additional
        world.script(RecursionTests.leaf, "big.a.test.", .a, many + [ns, glue])
        let bytes = resolve(&h, &world, "big.a.test")
        XCTAssertEqual(Wire.parse(bytes).rcode, .noError)
        let all = records(bytes)
        XCTAssertEqual(all.filter { $0.0 == .answer }.count, 70)
        XCTAssertTrue(all.allSatisfy { $0.0 == .answer }, "no NS in authority, no glue: \(all.filter { $0.0 != .answer })")
        XCTAssertGreaterThan(h.core.stats.answersFromResponse, 0, "answered from the response")
    }

    /// The parent's server answers the name non-authoritatively beside a
    /// delegation to the child (stale data, or glue put in the answer): a
    /// referral, to be followed to the child's authoritative answer.
    func testANonAuthoritativeAnswerBesideADelegationIsAReferral() {
        var s = RecursionTests.settings()
        s.qnameMinimisation = false
        var h = Harness(settings: s, rootServers: [RecursionTests.root])
        var world = World()
        let ns = Wire.RR(owner: "a.test", type: .ns, ttl: 3600, rdata: Wire.name("ns.a.test").wireBytes,
                         section: .authority)
        var glue = Wire.a("ns.a.test", [127, 9, 0, 3])
        glue.section = .additional
        world.script(RecursionTests.tld, "www.a.test.", .a, aa: false, [Wire.a("www.a.test", [198, 51, 100, 66]), ns, glue])
        let bytes = resolve(&h, &world, "www.a.test")
        let p = Wire.parse(bytes)
        XCTAssertEqual(p.answers.map { $0.rdata }, [[192, 0, 2, 1]], "the child's authoritative answer")
        XCTAssertTrue(world.auth.queries.contains { $0.server == RecursionTests.leaf && $0.name == "www.a.test." },
                      "the referral was followed")
        XCTAssertTrue(records(bytes).allSatisfy { $0.0 == .answer }, "no NS, no glue")
    }

    /// Forward mode: an upstream that refers instead of recursing gave no
    /// answer; the next upstream is asked, and SERVFAIL when none answers.
    func testAReferralFromAnUpstreamIsNotPassedOn() {
        var h = Harness()
        _ = h.ask(1, Wire.query("www.example.test", .a, id: 9))
        let ns = Wire.RR(owner: "example.test", type: .ns, ttl: 3600, rdata: Wire.name("ns.example.test").wireBytes,
                         section: .authority)
        var glue = Wire.a("ns.example.test", [192, 0, 2, 53])
        glue.section = .additional
        let first = h.net.sent[0]
        h.reply(first.outgoing, Wire.response(to: first.bytes, records: [ns, glue]))
        XCTAssertTrue(h.net.answers.isEmpty, "the referral is not the answer")
        XCTAssertEqual(h.net.sent.count, 2, "the other upstream is asked")
        guard h.net.sent.count == 2 else { return }
        let second = h.net.sent[1]
        XCTAssertNotEqual(second.server, first.server)
        h.reply(second.outgoing, Wire.response(to: second.bytes, records: [Wire.a("www.example.test", [192, 0, 2, 80])]))
        let p = Wire.parse(h.net.answers.last?.bytes ?? [])
        XCTAssertEqual(p.answers.map { $0.rdata }, [[192, 0, 2, 80]])

        _ = h.ask(2, Wire.query("www2.example.test", .a, id: 10))
        for _ in 0..<4 where h.net.sent.count > h.delivered {
            let s = h.net.sent[h.net.sent.count - 1]
            h.delivered = h.net.sent.count
            h.reply(s.outgoing, Wire.response(to: s.bytes, records: [ns, glue]))
        }
        XCTAssertEqual(Wire.parse(h.net.answers.last?.bytes ?? []).rcode, .servFail, "no upstream recursed")
    }
}
