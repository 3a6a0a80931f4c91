import XCTest
import Cache
import DNSWire
@testable import Resolver

/// RFC 5011 driven by the engine: a trust point's KSK rolls over while the
/// configured anchor only knows the old key. Virtual time, signed zones.
final class AnchorRolloverTests: XCTestCase {
    static let root = FakeAuthorities.address(1)
    static let server = FakeAuthorities.address(2)
    static let oldKey = TestSigner(zone: "example.", seedByte: 1)
    static let newKey = TestSigner(zone: "example.", seedByte: 9)
    static let start: Int64 = 1_767_225_600   // 2026-01-01
    static let day: Int64 = 86_400

    /// `example.` publishing `published` keys, its DNSKEY set signed by `signer`.
    static func hierarchy(published: [TestSigner], signer: TestSigner) -> FakeAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [root], records: [Wire.a("ns1.example", [127, 9, 0, 2])],
                                   delegations: ["example.": ["ns1.example."]]))
        let records = signer.signAll(published.map { $0.dnskey } + [
            Wire.a("ns1.example", [127, 9, 0, 2]), Wire.a("www.example", [192, 0, 2, 1])])
        auth.zones.append(FakeZone(apex: "example.", servers: [server], records: records))
        return auth
    }

    func engine() -> Harness {
        var s = EngineSettings()
        s.recursive = true
        s.useIPv6 = false
        var h = Harness(settings: s, rootServers: [AnchorRolloverTests.root])
        XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("example."), type: .dnskey,
                                                 rdatas: [AnchorRolloverTests.oldKey.dnskeyRData]))
        h.core.setWallClock(realtimeSeconds: AnchorRolloverTests.start, nowMs: h.nowMs)
        return h
    }

    func ask(_ h: inout Harness, _ auth: inout FakeAuthorities) -> Wire.Parsed {
        let before = h.net.answers.count
        _ = h.ask(before + 1, Wire.query("www.example", .a, dnssecOK: true))
        h.pump(&auth)
        XCTAssertEqual(h.net.answers.count, before + 1)
        return Wire.parse(h.net.answers.last?.bytes ?? [])
    }

    /// Moves virtual time by `days`, one refresh a day (the RFC 5011 timer
    /// is hourly at these TTLs; daily is enough to pass the hold-down).
    func live(_ h: inout Harness, _ auth: inout FakeAuthorities, days: Int) {
        for _ in 0..<days {
            h.nowMs += AnchorRolloverTests.day * 1000
            let wall = AnchorRolloverTests.start + (h.nowMs - 1_000_000) / 1000
            h.core.setWallClock(realtimeSeconds: wall, nowMs: h.nowMs)
            h.core.refreshTrustAnchorsIfDue(nowMs: h.nowMs); h.drain()
            h.pump(&auth)
        }
    }

    func testNewKSKIsTrustedAfterHoldDownAndSurvivesTheOldKeysRemoval() {
        var h = engine()
        var auth = AnchorRolloverTests.hierarchy(published: [AnchorRolloverTests.oldKey], signer: AnchorRolloverTests.oldKey)
        XCTAssertTrue(ask(&h, &auth).ad)
        // The zone pre-publishes the new key; the old one still signs.
        auth = AnchorRolloverTests.hierarchy(published: [AnchorRolloverTests.oldKey, AnchorRolloverTests.newKey],
                                             signer: AnchorRolloverTests.oldKey)
        live(&h, &auth, days: 35)                 // past the 30-day add hold-down
        XCTAssertGreaterThan(h.core.stats.anchorObservations, 30)
        XCTAssertEqual(h.core.anchorTrustedKeyCount, 2, "old and new key trusted")
        // The old key is withdrawn; only the new key signs.
        auth = AnchorRolloverTests.hierarchy(published: [AnchorRolloverTests.newKey], signer: AnchorRolloverTests.newKey)
        live(&h, &auth, days: 2)
        let p = ask(&h, &auth)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertTrue(p.ad, "the rolled-over key validates although the configured anchor only knows the old one")
    }

    func testWithoutTheHoldDownTheNewKeyIsNotTrusted() {
        var h = engine()
        var auth = AnchorRolloverTests.hierarchy(published: [AnchorRolloverTests.oldKey, AnchorRolloverTests.newKey],
                                                 signer: AnchorRolloverTests.oldKey)
        XCTAssertTrue(ask(&h, &auth).ad)
        live(&h, &auth, days: 10)                 // inside the hold-down
        auth = AnchorRolloverTests.hierarchy(published: [AnchorRolloverTests.newKey], signer: AnchorRolloverTests.newKey)
        live(&h, &auth, days: 1)
        let p = ask(&h, &auth)
        XCTAssertEqual(p.rcode, .servFail, "a key seen for 10 days is not yet a trust anchor")
    }

    func testStateIsWrittenRarelyAndReloads() {
        var h = engine()
        var auth = AnchorRolloverTests.hierarchy(published: [AnchorRolloverTests.oldKey], signer: AnchorRolloverTests.oldKey)
        _ = ask(&h, &auth)
        var writes = 0
        var saved: [UInt8] = []
        for hour in 0..<(24 * 5) {
            h.nowMs += 3_600_000
            if let bytes = h.core.anchorStateToPersist(nowMs: h.nowMs, isShutdown: false) {
                writes += 1
                saved = bytes
                h.core.didPersistAnchorState()
            }
            if hour % 24 == 0 {
                h.core.setWallClock(realtimeSeconds: AnchorRolloverTests.start + Int64(hour) * 3_600, nowMs: h.nowMs)
                h.core.refreshTrustAnchorsIfDue(nowMs: h.nowMs); h.drain()
                h.pump(&auth)
            }
        }
        XCTAssertLessThanOrEqual(writes, 5, "at most once a day")
        XCTAssertGreaterThan(writes, 0)
        var fresh = engine()
        XCTAssertTrue(fresh.core.loadAnchorState(saved))
        XCTAssertEqual(fresh.core.anchorTrustedKeyCount, 1)
        XCTAssertFalse(fresh.core.loadAnchorState([1, 2, 3]), "a corrupt file is refused")
    }
}
