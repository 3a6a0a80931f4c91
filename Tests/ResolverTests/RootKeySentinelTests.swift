import XCTest
import Cache
import DNSWire
@testable import Resolver

/// The root key trust anchor sentinel (RFC 8509, issue 12 item 6) over a
/// signed root (TestSigner) anchored by its DS, delegating to the
/// ChainOfTrustTests `example.` zone with the sentinel names signed in it.
final class RootKeySentinelTests: XCTestCase {
    static let rootKey = TestSigner(zone: ".", seedByte: 9)
    static let otherTag: UInt16 = 12345

    static func label(_ kind: String, _ tag: UInt16) -> String {
        let digits = String(tag)
        return "root-key-sentinel-\(kind)-" + String(repeating: "0", count: 5 - digits.count) + digits
    }

    static func hierarchy() -> FakeAuthorities {
        var auth = ChainOfTrustTests.hierarchy()
        let exampleKey = ChainOfTrustTests.exampleKey
        auth.zones[0].records = rootKey.signAll([rootKey.dnskey, TestSigner(zone: "example.", seedByte: 1).ds()])
            + [Wire.a("ns1.example", [127, 9, 0, 2])]
        var names: [Wire.RR] = []
        for tag in [rootKey.keyTag, otherTag] {
            for kind in ["is-ta", "not-ta"] { names.append(Wire.a(label(kind, tag) + ".example", [192, 0, 2, 99])) }
        }
        names.append(Wire.RR(owner: label("not-ta", rootKey.keyTag) + ".example", type: .txt, ttl: 300,
                             rdata: [2, 0x68, 0x69]))
        names.append(Wire.a("root-key-sentinel-not-ta-123.example", [192, 0, 2, 97]))   // no sentinel: 3 digits
        auth.zones[1].records += exampleKey.signAll(names)
        auth.zones[3].records.append(Wire.a(label("not-ta", rootKey.keyTag) + ".insecure.example", [192, 0, 2, 98]))
        return auth
    }

    func harness(rootAnchor: Bool = true) -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        var h = Harness(settings: s, rootServers: [ChainOfTrustTests.root])
        if rootAnchor {
            XCTAssertTrue(h.core.addTrustAnchor(owner: .root, type: .ds, rdatas: [RootKeySentinelTests.rootKey.ds().rdata]))
            h.core.setWallClock(realtimeSeconds: ChainOfTrustTests.now2026, nowMs: h.nowMs)
        } else {
            h.anchorAtExample()
        }
        return h
    }

    func resolve(_ h: inout Harness, _ auth: inout FakeAuthorities, _ name: String, _ type: RRType = .a,
                 cd: Bool = false) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query(name, type, id: 41, dnssecOK: true, cd: cd))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, before + 1, "one answer per query")
        XCTAssertEqual(h.core.outgoing.usedCount, 0, "every task ended")
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    func testRFC8509SentinelAnswersFollowTheRootTrustAnchors() {
        var h = harness()
        var auth = RootKeySentinelTests.hierarchy()
        let tag = RootKeySentinelTests.rootKey.keyTag, other = RootKeySentinelTests.otherTag
        let label = RootKeySentinelTests.label
        // §3.2: "is-ta" of a trusted root key and "not-ta" of another keep the Secure answer ("Vnew").
        for name in [label("is-ta", tag), label("not-ta", other)] {
            let p = resolve(&h, &auth, name + ".example")
            XCTAssertEqual(p.rcode, .noError, name)
            XCTAssertTrue(p.ad, name)
            XCTAssertEqual(p.answers.filter { $0.type == .a }.map { $0.rdata }, [[192, 0, 2, 99]], name)
        }
        // The other two become SERVFAIL, from the network and from the cache alike.
        for name in [label("not-ta", tag), label("is-ta", other)] {
            for round in 0..<2 {
                XCTAssertEqual(resolve(&h, &auth, name + ".example").rcode, .servFail, "\(name) round \(round)")
            }
        }
        XCTAssertEqual(resolve(&h, &auth, label("NOT-TA", tag).uppercased() + ".example").rcode, .servFail,
                       "labels compare without case")
    }

    /// §3.1: only a Secure answer to an A or AAAA query without CD is changed.
    func testSentinelPreconditions() {
        var h = harness()
        var auth = RootKeySentinelTests.hierarchy()
        let refused = RootKeySentinelTests.label("not-ta", RootKeySentinelTests.rootKey.keyTag)
        let cd = resolve(&h, &auth, refused + ".example", cd: true)
        XCTAssertEqual(cd.rcode, .noError, "CD set")
        let txt = resolve(&h, &auth, refused + ".example", .txt)
        XCTAssertEqual(txt.rcode, .noError, "QTYPE TXT")
        XCTAssertTrue(txt.ad)
        let insecure = resolve(&h, &auth, refused + ".insecure.example")
        XCTAssertEqual(insecure.rcode, .noError, "an insecure answer is never changed")
        XCTAssertFalse(insecure.ad)
        let malformed = resolve(&h, &auth, "root-key-sentinel-not-ta-123.example")
        XCTAssertEqual(malformed.rcode, .noError, "§2: five digits, or no sentinel")
        XCTAssertTrue(malformed.ad)
    }

    /// Without a root trust anchor (an island of trust at `example.`), no
    /// key tag is a root trust anchor: "is-ta" is SERVFAIL, "not-ta" kept.
    func testWithoutARootAnchorNoKeyTagIsATrustAnchor() {
        var h = harness(rootAnchor: false)
        var auth = RootKeySentinelTests.hierarchy()
        let tag = RootKeySentinelTests.rootKey.keyTag
        XCTAssertEqual(resolve(&h, &auth, RootKeySentinelTests.label("is-ta", tag) + ".example").rcode, .servFail)
        XCTAssertEqual(resolve(&h, &auth, RootKeySentinelTests.label("not-ta", tag) + ".example").rcode, .noError)
    }
}
