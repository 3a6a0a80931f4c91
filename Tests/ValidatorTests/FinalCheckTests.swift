// The verdict on a final response (RFC 4035 §5), on the engine alone: the
// ldns-signed `example.` zone (TestSupport), anchored by its DS, a cache of
// verdicts standing in for the resolver's. What to fetch first, what a
// zone's own key set and an answer come to, and what is never secure. The
// resolver's side — fetching, caching, answering — is in ResolverTests.
import Cache
import DNSWire
import XCTest
@testable import Validator

final class FinalCheckTests: XCTestCase {
    let example = testName("example.")
    let www = testName("www.example.")
    let trusted = ValidationClock.trusted(nowSeconds: Clock.now2026)

    func check(_ engine: inout ValidationEngine, _ message: [UInt8], _ shape: ResponseShape, _ question: FinalQuestion,
               _ cache: inout TestVerdicts, clock: ValidationClock? = nil,
               events: inout TrustPointEvents) -> FinalCheck {
        var budget = ValidationBudget()
        return message.withUnsafeBytes { m in
            engine.checkFinal(m, shape, question, cache: &cache, clock: clock ?? trusted, budget: &budget,
                              events: &events, nowMs: 0)
        }
    }

    var wwwAnswer: [UInt8] { TestMessage.response("www.example.", .a, answer: ExampleZone.www + [ExampleZone.wwwRRSIG]) }
    var wwwQuestion: FinalQuestion { FinalQuestion(name: www, type: .a, zone: example, isForwarded: false) }

    /// The signer's keys first; its own DNSKEY set against the anchor (fed to
    /// RFC 5011); then the answer is secure, its TTL within the RRSIG validity.
    func testAnAnswerWaitsForItsKeysThenIsSecure() {
        var engine = ValidationEngine.forTests(anchorDS: [ExampleZone.ds])
        var cache = TestVerdicts()
        var events = TrustPointEvents()
        XCTAssertEqual(check(&engine, wwwAnswer, .answer, wwwQuestion, &cache, events: &events),
                       .needKeys(example, .dnskey), "the anchor vouches: only the DNSKEY set is missing")
        let keys = TestMessage.response("example.", .dnskey,
                                        answer: [ExampleZone.zsk, ExampleZone.ksk, ExampleZone.dnskeyRRSIG])
        let keysQuestion = FinalQuestion(name: example, type: .dnskey, zone: example, isForwarded: false)
        guard case .done(.secure, let keysCap) = check(&engine, keys, .answer, keysQuestion, &cache, events: &events)
        else { return XCTFail("the key set validates against the anchor") }
        XCTAssertEqual(keysCap, 3_600, "the RRSIG's original TTL bounds it")
        XCTAssertTrue(events.observed, "a trust point's key set feeds RFC 5011")
        XCTAssertFalse(events.keysUnusable)
        XCTAssertEqual(engine.anchorTrustedKeyCount, 1, "the KSK the anchor's DS designates")
        cache.secure([ExampleZone.zsk, ExampleZone.ksk])
        guard case .done(.secure, let cap) = check(&engine, wwwAnswer, .answer, wwwQuestion, &cache, events: &events)
        else { return XCTFail("secure") }
        XCTAssertLessThanOrEqual(cap, 3_600)
    }

    /// A changed record breaks the signature: bogus. Dates are not checked
    /// on an untrusted clock, and the verdict is then cached briefly.
    func testForgeriesAreBogusAndUntrustedClocksCapTheTTL() {
        var engine = ValidationEngine.forTests(anchorDS: [ExampleZone.ds])
        var cache = TestVerdicts()
        cache.secure([ExampleZone.zsk, ExampleZone.ksk])
        var events = TrustPointEvents()
        let forged = TestMessage.response("www.example.", .a, answer: [
            "www.example. 3600 IN A 192.0.2.1", "www.example. 3600 IN A 192.0.2.2",
            "www.example. 3600 IN A 198.51.100.10", ExampleZone.wwwRRSIG])
        guard case .done(.bogus, _) = check(&engine, forged, .answer, wwwQuestion, &cache, events: &events) else {
            return XCTFail("bogus")
        }
        let late = ValidationClock.trusted(nowSeconds: Clock.after2036)
        guard case .done(.bogus(.signatureExpired), _) = check(&engine, wwwAnswer, .answer, wwwQuestion, &cache,
                                                                clock: late, events: &events)
        else { return XCTFail("expired") }
        guard case .done(.secure, let cap) = check(&engine, wwwAnswer, .answer, wwwQuestion, &cache,
                                                   clock: .untrusted, events: &events)
        else { return XCTFail("signatures checked, dates not") }
        XCTAssertEqual(cap, ValidationEngine.untrustedClockTTLMaxSeconds)
    }

    /// Never secure: names no anchor covers, RRSIG and ANY collections
    /// (insecure); a referral as a final answer, a denial without NSECs
    /// (bogus, RFC 4035 §5.4). An unsigned response from below a signed
    /// zone first makes the engine look for an unsigned cut above the name
    /// (its DS set), as Unbound does.
    func testWhatIsNeverSecure() {
        var engine = ValidationEngine.forTests(anchorDS: [ExampleZone.ds])
        var cache = TestVerdicts()
        cache.secure([ExampleZone.zsk, ExampleZone.ksk])
        var events = TrustPointEvents()
        let elsewhere = FinalQuestion(name: testName("www.test."), type: .a, zone: testName("test."), isForwarded: false)
        XCTAssertEqual(check(&engine, wwwAnswer, .answer, elsewhere, &cache, events: &events),
                       .done(.insecure, ttlCapSeconds: .max))
        let any = FinalQuestion(name: www, type: RRType(255), zone: example, isForwarded: false)
        XCTAssertEqual(check(&engine, wwwAnswer, .answer, any, &cache, events: &events),
                       .done(.insecure, ttlCapSeconds: .max))
        let referral = TestMessage.response("www.example.", .a, authority: ["www.example. 300 IN NS ns.test."])
        XCTAssertEqual(check(&engine, referral, .other, wwwQuestion, &cache, events: &events),
                       .needKeys(www, .ds), "an unsigned cut at www.example.?")
        cache.set("www.example.", .ds, CachedVerdict(kind: .noData, rank: .secure))
        XCTAssertEqual(check(&engine, referral, .other, wwwQuestion, &cache, events: &events),
                       .done(.bogus(.dnssecBogus), ttlCapSeconds: .max), "no cut: a referral is no final answer")
        let bare = TestMessage.response("nope.example.", .a, rcode: .nxDomain)
        let nope = FinalQuestion(name: testName("nope.example."), type: .a, zone: example, isForwarded: false)
        XCTAssertEqual(check(&engine, bare, .nxDomain, nope, &cache, events: &events),
                       .needKeys(testName("nope.example."), .ds))
        cache.set("nope.example.", .ds, CachedVerdict(kind: .nxDomain, rank: .secure))
        XCTAssertEqual(check(&engine, bare, .nxDomain, nope, &cache, events: &events),
                       .done(.bogus(.nsecMissing), ttlCapSeconds: .max), "no such name, so no cut: NSECs missing")
    }

    /// A bogus DS verdict stands for the zone's keys: their answers are
    /// bogus with its EDE, and nothing is fetched.
    func testACachedVerdictAboveDecides() {
        var engine = ValidationEngine.forTests(anchorDS: [ChainStatusTests.rootDS])
        var cache = TestVerdicts()
        cache.set("example.", .ds, CachedVerdict(kind: .rrset, rank: .bogus, bogusCode: .dnskeyMissing))
        var events = TrustPointEvents()
        XCTAssertEqual(check(&engine, wwwAnswer, .answer, wwwQuestion, &cache, events: &events),
                       .done(.bogus(.dnskeyMissing), ttlCapSeconds: .max))
        cache.set("example.", .ds, CachedVerdict(kind: .noData, rank: .secure, provesUnsignedDelegation: true))
        XCTAssertEqual(check(&engine, wwwAnswer, .answer, wwwQuestion, &cache, events: &events),
                       .done(.insecure, ttlCapSeconds: .max), "an unsigned delegation above")
    }
}
