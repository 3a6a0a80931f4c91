import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Issue 12 item 9: `option clock_trusted '1'` — the operator vouches for
/// the wall clock (a router with an RTC, a test bed under faketime). RFC
/// 4035 §5.3.1: a signature is valid only between its inception and
/// expiration, judged against the validator's own notion of the current
/// time. A clock before the build date is otherwise never believed
/// (DESIGN.md §2.8: dates unchecked); vouched for, it is the current time as
/// it reads: a test bed replaying 2010 signatures sees expired ones expired.
final class ClockTrustedTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let server = FakeAuthorities.address(2)
    /// 2010-06-01T00:00:00Z: before this build's floor (2026-01-01).
    static let june2010: Int64 = 1_275_350_400
    static let year2009: (UInt32, UInt32) = (1_230_768_000, 1_262_217_600)   // 2009-01-01 … 2009-12-31
    static let year2010: (UInt32, UInt32) = (1_262_304_000, 1_293_753_600)   // 2010-01-01 … 2010-12-31

    static func signer(_ window: (UInt32, UInt32)) -> TestSigner {
        var key = TestSigner(zone: "example.", seedByte: 31)
        key.inception = window.0
        key.expiration = window.1
        return key
    }

    /// `example.` (anchored by its DNSKEY) signed for `window`.
    static func hierarchy(_ window: (UInt32, UInt32)) -> FakeAuthorities {
        let key = signer(window)
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root], records: [Wire.a("ns1.example", [127, 9, 0, 2])],
                                   delegations: ["example.": ["ns1.example."]]))
        auth.zones.append(FakeZone(apex: "example.", servers: [server], records: key.signAll([
            key.dnskey, Wire.a("ns1.example", [127, 9, 0, 2]), Wire.a("www.example", [192, 0, 2, 1])])))
        return auth
    }

    func engine(clockTrusted: Bool, wallSeconds: Int64 = ClockTrustedTests.june2010) -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        s.clockTrusted = clockTrusted
        var h = Harness(settings: s, rootServers: [ClockTrustedTests.root])
        XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("example."), type: .dnskey,
                                                 rdatas: [ClockTrustedTests.signer(ClockTrustedTests.year2010).dnskeyRData]))
        h.core.setClockFloor(nil)   // sprigd's start-up order: floor, then wall clock
        h.core.setWallClock(realtimeSeconds: wallSeconds, nowMs: h.nowMs)
        return h
    }

    func ask(_ h: inout Harness, _ auth: inout FakeAuthorities) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query("www.example", .a, dnssecOK: true))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, before + 1)
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    /// Failing before (no such option): the 2010 clock was never trusted,
    /// so signatures that expired in 2009 validated.
    func testVouchedForClockSeesOldSignaturesExpired() {
        var h = engine(clockTrusted: true)
        XCTAssertTrue(h.core.isClockTrusted, "trusted from the start although it reads 2010")
        var expired = ClockTrustedTests.hierarchy(ClockTrustedTests.year2009)
        let p = ask(&h, &expired)
        XCTAssertEqual(p.rcode, .servFail)
        XCTAssertEqual(p.ede, [EDECode.signatureExpired.rawValue])
        // Signatures valid in 2010 are secure, with the whole TTL (not the
        // 60 s cap of answers validated while the clock was untrusted).
        var h2 = engine(clockTrusted: true)
        var current = ClockTrustedTests.hierarchy(ClockTrustedTests.year2010)
        let good = ask(&h2, &current)
        XCTAssertEqual(good.rcode, .noError)
        XCTAssertTrue(good.ad)
        XCTAssertEqual(good.answers.first { $0.type == .a }?.ttl, 300)
    }

    /// Without the option the same 2010 clock is not believed: dates are not
    /// checked, the answer is held at most 60 s (DESIGN.md §2.8).
    func testUnvouchedClockBeforeTheBuildDateChecksNoDates() {
        var h = engine(clockTrusted: false)
        XCTAssertFalse(h.core.isClockTrusted)
        var expired = ClockTrustedTests.hierarchy(ClockTrustedTests.year2009)
        let p = ask(&h, &expired)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertLessThanOrEqual(p.answers.first { $0.type == .a }?.ttl ?? .max, ResolverCore.untrustedClockTTLMaxSeconds)
        // A sync signal does not make a 2010 reading believable either.
        h.core.noteClockSynced(realtimeSeconds: ClockTrustedTests.june2010)
        XCTAssertFalse(h.core.isClockTrusted)
    }

    /// A vouched-for clock stays trusted through a saved floor ahead of it
    /// and readings before the build date; RFC 5011 may advance on it.
    func testVouchedForClockIgnoresFloorAndReadings() {
        var h = engine(clockTrusted: true)
        h.core.setClockFloor(ClockTrustedTests.june2010 + 400 * 86_400)
        h.core.setWallClock(realtimeSeconds: 0, nowMs: h.nowMs)
        XCTAssertTrue(h.core.isClockTrusted)
        XCTAssertTrue(h.core.isClockVouchedFor)
        XCTAssertTrue(h.core.validation.clock.mayAdvanceRFC5011Timers)
        XCTAssertNil(h.core.clockFloorToPersist(realtimeSeconds: 0, isShutdown: true),
                     "a floor before the build date is never written")
    }
}
