import XCTest
import Cache
import DNSWire
@testable import Resolver

/// DNSSEC details of the answers validating Sprig gives DO clients (issue 12
/// item 6), in recursive and forward mode, over the DNAMEValidationTests
/// hierarchy (anchor `example.`; `x.w.signed.example` is expanded from
/// `*.w.signed.example`; `dname.example. DNAME signed.example.`).
final class DNSSECAnswerTests: XCTestCase {
    enum Mode: CaseIterable { case recursive, forward }

    func harness(_ mode: Mode) -> Harness {
        var s = EngineSettings()
        s.recursive = mode == .recursive
        s.useIPv6 = false
        var h = mode == .recursive
            ? Harness(settings: s, rootServers: [ChainOfTrustTests.root])
            : Harness(settings: s, upstreams: [Resolver.Upstream(address: Harness.upstreamA)])
        h.anchorAtExample()
        return h
    }

    func resolve(_ mode: Mode, _ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String,
                 _ type: RRType = .a, dnssecOK: Bool = true) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, type, id: 31, dnssecOK: dnssecOK))
        for _ in 0..<400 {
            guard h.delivered < h.net.sent.count else { break }
            let s = h.net.sent[h.delivered]
            h.delivered += 1
            let reply = mode == .recursive ? auth.respond(to: s.bytes, at: s.server) : auth.resolveAsUpstream(s.bytes)
            if let reply { h.reply(s.outgoing, reply) }
        }
        XCTAssertEqual(h.net.answers.count, before + 1, "\(mode): one answer per query")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "\(mode): every task ended")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    func covered(_ p: Wire.Parsed) -> [RRType] {
        p.answers.filter { $0.type == .rrsig }.map { RRType(UInt16($0.rdata[0]) << 8 | UInt16($0.rdata[1])) }
    }

    // MARK: wildcards (RFC 4035 §3.1.3.3)

    /// "If the answer was synthesized from a wildcard, the name server MUST
    /// include the NSEC RR(s) (and their RRSIGs) that prove the query name
    /// does not exist" — a validating resolver answering a DO client passes
    /// them on, so the client can validate too: fresh and from the cache.
    func testWildcardAnswerCarriesItsProofFreshAndFromTheCache() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            for round in ["fresh", "cached"] {
                let sent = h.net.sent.count
                let p = resolve(mode, &h, &auth, "x.w.signed.example")
                if round == "cached" { XCTAssertEqual(h.net.sent.count, sent, "\(mode): from the cache") }
                XCTAssertEqual(p.rcode, .noError, "\(mode) \(round)")
                XCTAssertTrue(p.ad, "\(mode) \(round)")
                XCTAssertEqual(p.answers.filter { $0.type == .a }.map { $0.rdata }, [[192, 0, 2, 7]], "\(mode) \(round)")
                let authority = p.authority.map { "\($0.owner.lowercased()) \($0.type.rawValue)" }
                XCTAssertEqual(authority, ["*.w.signed.example. 47", "*.w.signed.example. 46"],
                               "\(mode) \(round): the NSEC covering x.w and its RRSIG")
            }
            // Without DO the proof (DNSSEC records) is left out (RFC 4035 §3.2.1).
            let plain = resolve(mode, &h, &auth, "x.w.signed.example", dnssecOK: false)
            XCTAssertTrue(plain.authority.isEmpty, "\(mode)")
        }
    }

    // MARK: DS NODATA

    /// A DS NODATA proven by the parent's signed NSEC (NS bit, no DS) is a
    /// secure answer: AD (RFC 4035 §3.2.3). It proves the child unsigned,
    /// which its data keeps showing (no AD).
    func testProvenAbsenceOfADSIsSecure() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            let p = resolve(mode, &h, &auth, "insecure.example", .ds)
            XCTAssertEqual(p.rcode, .noError, "\(mode)")
            XCTAssertTrue(p.answers.isEmpty, "\(mode)")
            XCTAssertTrue(p.ad, "\(mode): the NSEC is signed and proves there is no DS")
            XCTAssertEqual(Set(p.authority.map { $0.type }), [.soa, .nsec, .rrsig], "\(mode)")
            let child = resolve(mode, &h, &auth, "www.insecure.example")
            XCTAssertEqual(child.rcode, .noError, "\(mode)")
            XCTAssertFalse(child.ad, "\(mode): the delegation is still insecure")
            XCTAssertTrue(resolve(mode, &h, &auth, "insecure.example", .ds).ad, "\(mode): from the cache")
        }
    }

    // MARK: DNAME (RFC 6672)

    /// A CNAME question below a DNAME is answered by the synthesis (RFC 6672
    /// §3.2): as secure as the signed DNAME.
    func testCNAMEQuestionBelowASignedDNAMEIsSecure() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            let p = resolve(mode, &h, &auth, "www.dname.example", .cname)
            XCTAssertEqual(p.rcode, .noError, "\(mode)")
            XCTAssertEqual(p.answers.filter { $0.type != .rrsig }.map { $0.type }, [.dname, .cname], "\(mode)")
            XCTAssertTrue(p.ad, "\(mode)")
            XCTAssertEqual(covered(p), [.dname], "\(mode)")
        }
    }

    /// The DNAME RRset itself, asked for at its owner; and the owner's other
    /// types (a DNAME redirects only names below it, RFC 6672 §2.3).
    func testTheDNAMEItselfAndItsOwnersNoDataAreSecure() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            let p = resolve(mode, &h, &auth, "dname.example", .dname)
            XCTAssertEqual(p.rcode, .noError, "\(mode)")
            XCTAssertEqual(p.answers.filter { $0.type == .dname }.count, 1, "\(mode)")
            XCTAssertTrue(p.ad, "\(mode)")
            let nodata = resolve(mode, &h, &auth, "dname.example", .a)
            XCTAssertEqual(nodata.rcode, .noError, "\(mode)")
            XCTAssertTrue(nodata.answers.isEmpty, "\(mode)")
            XCTAssertTrue(nodata.ad, "\(mode): the NSEC at the owner shows DNAME, not A")
        }
    }

    /// A chain through a DNAME into a signed name: every link secure, AD.
    func testDNAMEChainAnswerIsSecureForEveryType() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            let nodata = resolve(mode, &h, &auth, "www.dname.example", .aaaa)
            XCTAssertEqual(nodata.rcode, .noError, "\(mode)")
            XCTAssertTrue(nodata.ad, "\(mode): DNAME, CNAME and the target's NODATA are secure")
            XCTAssertEqual(nodata.answers.filter { $0.type != .rrsig }.map { $0.type }, [.dname, .cname], "\(mode)")
        }
    }
}
