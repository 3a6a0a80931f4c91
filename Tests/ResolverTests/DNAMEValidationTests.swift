import XCTest
import Cache
import DNSWire
@testable import Resolver

/// DNAME answers (RFC 6672) and the SOA of negative answers are validated,
/// in recursive and in forward mode, over the ChainOfTrustTests hierarchy
/// (anchor `example.`) with DNAMEs added:
///   dname.example.           DNAME signed.example.   (signed: secure)
///   nosig.example.           DNAME signed.example.   (RRSIG missing)
///   badsig.example.          DNAME signed.example.   (RRSIG corrupted)
///   d.insecure.example.      DNAME signed.example.   (unsigned zone)
/// `www.signed.example` is signed (A 192.0.2.3); FakeAuthorities
/// synthesises the CNAMEs and signs (or not) the SOA of negative answers.
final class DNAMEValidationTests: XCTestCase {
    enum Mode: CaseIterable { case recursive, forward }

    static let dnameTTLSeconds: UInt32 = 120
    static let target: [UInt8] = [192, 0, 2, 3]

    static func dname(_ owner: String, _ target: String = "signed.example.") -> Wire.RR {
        Wire.RR(owner: owner, type: .dname, ttl: dnameTTLSeconds, rdata: Wire.name(target).wireBytes)
    }

    static func hierarchy() -> FakeAuthorities {
        var auth = ChainOfTrustTests.hierarchy()
        let key = ChainOfTrustTests.exampleKey
        var bad = key.sign([dname("badsig.example.")])
        bad.rdata[bad.rdata.count - 1] ^= 0xFF
        auth.zones[1].records += key.signAll([
            dname("dname.example."),
            TestSigner.nsec("dname.example.", next: "insecure.example.", types: [.dname, .rrsig, .nsec]),
            // Signed like the rest of the zone, so the missing DNAME RRSIG
            // cannot pass for an unsigned child (the DS denial says no cut).
            TestSigner.nsec("nosig.example.", next: "ns1.example.", types: [.dname, .rrsig, .nsec]),
        ]) + [dname("nosig.example."), dname("badsig.example."), bad]
        auth.zones[3].records += [dname("d.insecure.example.")]
        return auth
    }

    // MARK: harness for both modes

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

    func pump(_ mode: Mode, _ h: inout Harness, _ auth: inout FakeAuthorities) {
        guard mode == .forward else { return h.pump(&auth) }
        for _ in 0..<400 {
            guard h.delivered < h.net.sent.count else { return }
            let s = h.net.sent[h.delivered]
            h.delivered += 1
            if let reply = auth.resolveAsUpstream(s.bytes) { h.reply(s.outgoing, reply) }
        }
    }

    func resolve(_ mode: Mode, _ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String,
                 _ type: RRType = .a, cd: Bool = false) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, type, id: 9, dnssecOK: true, cd: cd))
        pump(mode, &h, &auth)
        XCTAssertEqual(h.net.answers.count, before + 1, "\(mode): one answer per query")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "\(mode): every task ended")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    func addresses(_ p: Wire.Parsed) -> [[UInt8]] { p.answers.filter { $0.type == .a }.map { $0.rdata } }

    /// The answer's DNAME (owner) right before the CNAME, and its RRSIG.
    func assertDNAMEBeforeCNAME(_ p: Wire.Parsed, _ mode: Mode, line: UInt = #line) {
        let types = p.answers.map { $0.type }.filter { $0 != .rrsig }
        XCTAssertEqual(types, [.dname, .cname, .a], "\(mode)", line: line)
        XCTAssertEqual(p.answers.first { $0.type == .dname }?.owner.lowercased(), "dname.example.", line: line)
        let covered = p.answers.filter { $0.type == .rrsig }
            .map { RRType(UInt16($0.rdata[0]) << 8 | UInt16($0.rdata[1])) }
        XCTAssertTrue(covered.contains(.dname), "\(mode): a DO client gets the DNAME's RRSIG", line: line)
        XCTAssertFalse(covered.contains(.cname), "\(mode): the synthesised CNAME has none", line: line)
    }

    // MARK: DNAME

    func testSignedDNAMEMakesTheSynthesisedCNAMESecure() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            auth.synthesisTTL = 86_400   // longer than the DNAME's: the cache must not keep the link longer
            let p = resolve(mode, &h, &auth, "www.dname.example")
            XCTAssertEqual(p.rcode, .noError, "\(mode)")
            XCTAssertEqual(addresses(p), [DNAMEValidationTests.target], "\(mode)")
            XCTAssertTrue(p.ad, "\(mode): the CNAME is as secure as the signed DNAME")
            let cname = p.answers.first { $0.type == .cname }
            XCTAssertEqual(cname?.owner.lowercased(), "www.dname.example.", "\(mode)")
            XCTAssertLessThanOrEqual(cname?.ttl ?? .max, DNAMEValidationTests.dnameTTLSeconds,
                                     "\(mode): the link lives no longer than the DNAME")
            h.advance(Int64(DNAMEValidationTests.dnameTTLSeconds) * 1000 + 1000)
            XCTAssertTrue(resolve(mode, &h, &auth, "www.dname.example").ad, "\(mode): asked again once expired")
            XCTAssertEqual(auth.queries.filter { $0.name == "www.dname.example." }.count, 2,
                           "\(mode): the link expired with the DNAME")
            assertDNAMEBeforeCNAME(p, mode)

            // From the cache: same answer, same AD, no new query.
            let sent = h.net.sent.count
            let again = resolve(mode, &h, &auth, "www.dname.example")
            XCTAssertEqual(h.net.sent.count, sent, "\(mode): answered from the cache")
            XCTAssertEqual(addresses(again), [DNAMEValidationTests.target], "\(mode)")
            XCTAssertTrue(again.ad, "\(mode)")
            assertDNAMEBeforeCNAME(again, mode)
            // Another name under the DNAME: its own link, the same DNAME.
            let other = resolve(mode, &h, &auth, "ns.dname.example")
            XCTAssertEqual(addresses(other), [[127, 9, 0, 3]], "\(mode)")
            XCTAssertTrue(other.ad, "\(mode)")
            XCTAssertEqual(other.answers.filter { $0.type == .dname }.count, 1, "\(mode)")
        }
    }

    func testDNAMEWithoutRRSIGIsBogus() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            let p = resolve(mode, &h, &auth, "www.nosig.example")
            XCTAssertEqual(p.rcode, .servFail, "\(mode): an unsigned CNAME in a signed zone needs a signed DNAME")
            XCTAssertEqual(p.ede, [EDECode.rrsigsMissing.rawValue], "\(mode)")
            let cd = resolve(mode, &h, &auth, "www.nosig.example", cd: true)
            XCTAssertEqual(cd.rcode, .noError, "\(mode): CD clients get the data")
            XCTAssertFalse(cd.ad, "\(mode)")
        }
    }

    func testDNAMEWithABadSignatureIsBogus() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            let p = resolve(mode, &h, &auth, "www.badsig.example")
            XCTAssertEqual(p.rcode, .servFail, "\(mode)")
            XCTAssertEqual(p.ede, [EDECode.dnssecBogus.rawValue], "\(mode)")
        }
    }

    func testCNAMEThatIsNotTheSynthesisIsBogus() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            auth.forgeDNAMESynthesis = true   // CNAME → evil.example. under a good DNAME signature
            let p = resolve(mode, &h, &auth, "www.dname.example")
            XCTAssertEqual(p.rcode, .servFail, "\(mode): a signed DNAME vouches only for its own synthesis")
            XCTAssertEqual(p.ede, [EDECode.dnssecBogus.rawValue], "\(mode)")
        }
    }

    func testDNAMEInAnInsecureZoneIsInsecure() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            let p = resolve(mode, &h, &auth, "www.d.insecure.example")
            XCTAssertEqual(p.rcode, .noError, "\(mode)")
            XCTAssertEqual(addresses(p), [DNAMEValidationTests.target], "\(mode)")
            XCTAssertFalse(p.ad, "\(mode): one insecure link makes the answer insecure")
        }
    }

    /// RFC 6672 §2.2: a name whose synthesis would exceed 255 bytes gets
    /// YXDOMAIN with the signed DNAME: secure, answered as such; a YXDOMAIN
    /// the DNAME does not explain is a forgery.
    func testSynthesisTooLongIsASecureYXDOMAIN() {
        let long = String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63) + "."
            + String(repeating: "c", count: 63) + ".signed.example."
        let child = String(repeating: "x", count: 50) + ".long.example"
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            auth.zones[1].records += ChainOfTrustTests.exampleKey.signAll([DNAMEValidationTests.dname("long.example.", long)])
            let p = resolve(mode, &h, &auth, child)
            XCTAssertEqual(p.rcode, .yxDomain, "\(mode)")
            XCTAssertTrue(p.ad, "\(mode): the DNAME is signed and explains the rcode")
            XCTAssertEqual(p.answers.filter { $0.type == .dname }.count, 1, "\(mode)")
            // A short name under the same DNAME is no YXDOMAIN: a forged one is bogus.
            XCTAssertEqual(DNAMEValidationTests.forgedYXDOMAIN(mode, auth: auth), .servFail, "\(mode)")
        }
    }

    /// A resolver answering `y.long.example` (synthesis fits) with YXDOMAIN and the real signed DNAME.
    static func forgedYXDOMAIN(_ mode: Mode, auth: FakeAuthorities) -> RCode {
        var s = EngineSettings()
        s.recursive = mode == .recursive
        s.useIPv6 = false
        var h = mode == .recursive
            ? Harness(settings: s, rootServers: [ChainOfTrustTests.root])
            : Harness(settings: s, upstreams: [Resolver.Upstream(address: Harness.upstreamA)])
        h.anchorAtExample()
        var auth = auth
        _ = h.ask(1, Wire.query("y.long.example", .a, id: 9, dnssecOK: true))
        for _ in 0..<400 {
            guard h.delivered < h.net.sent.count else { break }
            let sent = h.net.sent[h.delivered]
            h.delivered += 1
            let honest = mode == .recursive ? auth.respond(to: sent.bytes, at: sent.server)
                                            : auth.resolveAsUpstream(sent.bytes)
            guard var reply = honest else { continue }
            let asksY = sent.bytes.withUnsafeBytes { q -> Bool in
                var r = try! MessageReader(q)
                return (try! r.nextQuestion()!).name.text.hasPrefix("y.")
            }
            if asksY {   // keep the signed DNAME, drop the CNAME, claim YXDOMAIN
                let (_, records) = FakeAuthorities.records(reply)
                reply = Wire.response(to: sent.bytes, rcode: .yxDomain, aa: true,
                                      records: records.filter { $0.type != .cname })
            }
            h.reply(sent.outgoing, reply)
        }
        for _ in 0..<60 where h.net.answers.isEmpty { h.advance(100) }
        return Wire.parse(h.net.answers.last?.bytes ?? []).rcode
    }

    // MARK: SOA of negative answers

    func testNoDataWithASignedSOAIsSecure() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            let p = resolve(mode, &h, &auth, "www.signed.example", .aaaa)
            XCTAssertEqual(p.rcode, .noError, "\(mode)")
            XCTAssertTrue(p.answers.isEmpty, "\(mode)")
            XCTAssertTrue(p.ad, "\(mode)")
            XCTAssertEqual(p.authority.first?.type, .soa, "\(mode)")
        }
    }

    func testNoDataWithAnUnsignedSOAIsBogus() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            XCTAssertTrue(resolve(mode, &h, &auth, "www.signed.example").ad, "\(mode): keys warm")
            auth.soaSigning = .unsigned
            let p = resolve(mode, &h, &auth, "www.signed.example", .aaaa)
            XCTAssertEqual(p.rcode, .servFail, "\(mode): the NSEC is good, the SOA (negative TTL) is not signed")
            XCTAssertEqual(p.ede, [EDECode.rrsigsMissing.rawValue], "\(mode)")
        }
    }

    func testNoDataWithACorruptedSOASignatureIsBogus() {
        for mode in Mode.allCases {
            var h = harness(mode)
            var auth = DNAMEValidationTests.hierarchy()
            XCTAssertTrue(resolve(mode, &h, &auth, "www.signed.example").ad, "\(mode): keys warm")
            auth.soaSigning = .corrupt
            let p = resolve(mode, &h, &auth, "www.signed.example", .aaaa)
            XCTAssertEqual(p.rcode, .servFail, "\(mode)")
            XCTAssertEqual(p.ede, [EDECode.dnssecBogus.rawValue], "\(mode)")
        }
    }
}
