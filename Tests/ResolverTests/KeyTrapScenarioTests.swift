import XCTest
import DNSWire
@testable import Resolver
@testable import Validator

/// KeyTrap (CVE-2023-50387) through the resolver, at the limits
/// `ValidatorLimits` names (issue 20 item 7): a signed zone `trap.example.`
/// whose DNSKEY set holds keys that collide with its real key's tag
/// (RFC 4034 Appendix B: the tag is a checksum, so +d on one odd-indexed
/// byte and −d on another keeps it), and whose answer carries RRSIGs with
/// that tag and garbage signatures. Within the budgets an honest answer
/// behind a few collisions still validates; past them the client gets
/// SERVFAIL after a bounded amount of work, never a long spin.
final class KeyTrapScenarioTests: XCTestCase {
    static let trapServer = FakeAuthorities.address(3)
    static let trapKey = TestSigner(zone: "trap.example.", seedByte: 9)

    /// `count` DNSKEY RDATAs with the trap key's tag but other key bytes.
    static func collidingKeys(_ count: Int) -> [[UInt8]] {
        let real = trapKey.dnskeyRData
        var keys: [[UInt8]] = []
        var i = 5   // odd indices inside the public key (it starts at 4)
        var d: UInt8 = 1
        while keys.count < count {
            var key = real
            let a = i, b = i + 2
            if key[a] <= 255 - d && key[b] >= d {
                key[a] += d
                key[b] -= d
            } else {
                key[a] = key[a] &- d
                key[b] = key[b] &+ d
            }
            if key != real && !keys.contains(key) { keys.append(key) }
            i = i + 4 < real.count - 2 ? i + 4 : 5
            d &+= 1
        }
        return keys
    }

    /// A bad RRSIG over the A RRset of `owner`: right tag, signer and
    /// times, garbage signature (different per `seed`).
    static func badRRSIG(_ owner: String, seed: UInt8) -> Wire.RR {
        var good = trapKey.sign([Wire.a(owner, [192, 0, 2, 99])])
        let signatureStart = good.rdata.count - 64
        for k in signatureStart..<good.rdata.count { good.rdata[k] = seed &+ UInt8(truncatingIfNeeded: k) }
        return good
    }

    /// The chain-of-trust hierarchy with `trap.example.` added: `collisions`
    /// look-alike keys before the real one, and `badSignatures` garbage
    /// RRSIGs before the good one (`withGoodSignature`) on www.trap.example.
    static func hierarchy(collisions: Int, badSignatures: Int, withGoodSignature: Bool) -> FakeAuthorities {
        var auth = ChainOfTrustTests.hierarchy()
        let k = ChainOfTrustTests.exampleKey
        let i = auth.zones.firstIndex { $0.apex == "example." }!
        auth.zones[i].records += k.signAll([trapKey.ds()]) + [Wire.a("ns.trap.example", [127, 9, 0, 3])]
        auth.zones[i].delegations["trap.example."] = ["ns.trap.example."]
        let keys = collidingKeys(collisions).map { Wire.RR(owner: "trap.example.", type: .dnskey, ttl: 3600, rdata: $0) }
            + [trapKey.dnskey]
        let www = Wire.a("www.trap.example", [192, 0, 2, 99])
        var records = keys + [trapKey.sign(keys)] + trapKey.signAll([Wire.a("ns.trap.example", [127, 9, 0, 3])])
        records.append(www)
        records += (0..<badSignatures).map { badRRSIG("www.trap.example", seed: UInt8($0 + 1)) }
        if withGoodSignature { records.append(trapKey.sign([www])) }
        auth.zones.append(FakeZone(apex: "trap.example.", servers: [trapServer], records: records))
        return auth
    }

    /// The answer to www.trap.example (DO), and how many responses were bogus.
    func resolve(_ auth: inout FakeAuthorities) -> (answer: Wire.Parsed, bogus: Int) {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        var h = Harness(settings: s, rootServers: [ChainOfTrustTests.root])
        h.anchorAtExample()
        _ = h.ask(1, Wire.query("www.trap.example", .a, id: 3, dnssecOK: true))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, 1, "one answer")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "every task ended")
        XCTAssertEqual(h.core.requests.usedCount, 0, "no request left behind")
        return (Wire.parse(h.net.answers.last?.bytes ?? []), h.core.stats.bogusResponses)
    }

    func testTheCollisionsAreReal() {
        for key in KeyTrapScenarioTests.collidingKeys(12) {
            XCTAssertEqual(key.withUnsafeBytes { KeyTag.compute(rdata: $0) }, KeyTrapScenarioTests.trapKey.keyTag)
        }
    }

    /// Within the limits: 2 look-alike keys (under `keyTagCollisionsMax`
    /// 4) and 5 bad RRSIGs before the good one (6 of `rrsigsPerRRsetMax` 8),
    /// 3 + 3 + 18 + 2 verifications, under the 32 per query: secure.
    func testAnHonestAnswerBehindAFewCollisionsValidates() {
        var auth = KeyTrapScenarioTests.hierarchy(collisions: 2, badSignatures: 5, withGoodSignature: true)
        let (p, _) = resolve(&auth)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertTrue(p.ad, "the good RRSIG is within the budgets")
    }

    /// Past the per-RRset limit: 8 bad RRSIGs come before the good one, so
    /// the good one is never tried (Unbound's MAX_VALIDATE_RRSIGS): bogus.
    func testMoreBadSignaturesThanTheLimitAreBogusNotASpin() {
        var auth = KeyTrapScenarioTests.hierarchy(collisions: 0, badSignatures: ValidatorLimits.rrsigsPerRRsetMax,
                                                  withGoodSignature: true)
        let (p, bogus) = resolve(&auth)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertFalse(p.ede.isEmpty, "the SERVFAIL says why")
        XCTAssertLessThanOrEqual(auth.queries.filter { $0.server == KeyTrapScenarioTests.trapServer }.count, 6,
                                 "a bogus answer is asked again a bounded number of times")
        XCTAssertGreaterThan(bogus, 0)
    }

    /// The KeyTrap shape: 12 keys with one tag and 12 bad RRSIGs, each of
    /// which would make a naive validator try every key (144 verifications
    /// per response, each retried). Sprig stops at its budgets: SERVFAIL,
    /// with the per-query budget counted.
    func testCollidingKeysAndBadSignaturesHitTheBudget() {
        var auth = KeyTrapScenarioTests.hierarchy(collisions: 11, badSignatures: 12, withGoodSignature: false)
        let (p, _) = resolve(&auth)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertFalse(p.ede.isEmpty)
        XCTAssertLessThanOrEqual(auth.queries.filter { $0.server == KeyTrapScenarioTests.trapServer }.count, 6)
    }

    /// Many keys behind the limit hide the real one: with more than
    /// `keyTagCollisionsMax` look-alikes listed first, the DNSKEY set's own
    /// signature is never checked with the real key, so the zone is bogus.
    func testTheRealKeyBehindTooManyCollisionsIsNotFound() {
        var auth = KeyTrapScenarioTests.hierarchy(collisions: ValidatorLimits.keyTagCollisionsMax, badSignatures: 0,
                                                  withGoodSignature: true)
        let (p, _) = resolve(&auth)
        XCTAssertEqual(p.rcode, .servFail)
    }
}
