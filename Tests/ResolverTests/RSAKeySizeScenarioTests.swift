import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Zones signed with 512-bit RSA keys validate (issue 12 item 4): RFC 5702
/// §2.1 allows RSA keys of 512 to 4096 bits "as in RFC 3110", Unbound and
/// BIND verify them, and test beds sign with them. A key the zone really
/// uses must never turn its data bogus.
///
/// The zones were signed by ldns (independent of Sprig):
///   ldns-keygen -a RSASHA256 -b 512 [-k] example.   (and -a RSASHA1)
///   ldns-signzone -i 20250101000000 -e 20350101000000 zone Kksk Kzsk
/// `example.` signed with 512-bit RSA keys, one zone per algorithm.
enum SmallRSAZone {
    struct Signed {
        let ds: String
        let zsk: String
        let ksk: String
        let dnskeyRRSIG: String
        let www: String
        let wwwRRSIG: String
        let ns1: String
        let ns1RRSIG: String
    }

    static let rsaSHA256 = Signed(
        ds: "example. 3600 IN DS 50941 8 2 6d259f1917c18e95a682db00748e73f71e11d8fd1cb9d6f4808b3b236ae6d9c6",
        zsk: "example. 3600 IN DNSKEY 256 3 8 AwEAAbODlCkN3tTBdOsZgwQjBAakYcaXTH3ouCWcozgHN4ddcclT2xQZXU9fXNFexjrINLlAt3XZ6t0RHC4xYcEDU6s=",
        ksk: "example. 3600 IN DNSKEY 257 3 8 AwEAAdCftB0yW2FpB1FYbVgR5TqCKdheodFFPmN8En7h+GO4j5eFDjT82mD1nktkzSl0eilc7w9fHYH7VdtmkFZjWiM=",
        dnskeyRRSIG: "example. 3600 IN RRSIG DNSKEY 8 1 3600 20350101000000 20250101000000 50941 example. DAcDPD7REZsYHpxF4hRzpTz0bHSnUNDHuOYV7ZR+F3IQevZQC730l+9tApAMTxiT2UGXACIrpe6VQl3/xn8yBA==",
        www: "www.example. 3600 IN A 192.0.2.1",
        wwwRRSIG: "www.example. 3600 IN RRSIG A 8 2 3600 20350101000000 20250101000000 16305 example. hmj8PRIlAyN929dpwn7wx5LMHhbz8MO1a/HESFnT4B7RaXN73ABzwMzJyYvaYJxs2whrio7itVYDvuBFljKBcQ==",
        ns1: "ns1.example. 3600 IN A 127.9.0.2",
        ns1RRSIG: "ns1.example. 3600 IN RRSIG A 8 2 3600 20350101000000 20250101000000 16305 example. HnnBmgQIKWzHD2C+SCwvi1N4L+6X3EKfiE5dxDQ2R2jWFZNGSecxfebT63k/95lgLyDlTuRyUsJ5/LoVMWyiRw==")

    static let rsaSHA1 = Signed(
        ds: "example. 3600 IN DS 20236 5 1 b529a3e49f2b476c1707060389926a197faaa3c3",
        zsk: "example. 3600 IN DNSKEY 256 3 5 AwEAAdOQnI6+JMDtCfuZtQsVVGtKE2QMFUxyXdkiv1NeQgh4SstMAbmGfVdsoYSiHeEiVujjM0/qSuHYBjfojFGN8OE=",
        ksk: "example. 3600 IN DNSKEY 257 3 5 AwEAAbezryEE7cnhVOBsyMtvJ3A0Xe6cWIawHEyAy7qKmR7WEJIONwRMjZb2dyASNItU++IjHNNVE8WauweDnxQzs1M=",
        dnskeyRRSIG: "example. 3600 IN RRSIG DNSKEY 5 1 3600 20350101000000 20250101000000 20236 example. a50Ey+riysfBYnqCZnZ2Ohni+5Og+klgQOBZkeeosAFwpU+hhI27XnyvvTDkZEYpPIuyPllkqAlSJFOkEzRIWA==",
        www: "www.example. 3600 IN A 192.0.2.1",
        wwwRRSIG: "www.example. 3600 IN RRSIG A 5 2 3600 20350101000000 20250101000000 18196 example. v4h8kytps/F23EK+8scD18ZTBZU6OZzuiLbYksIBwH05lGaiZQxkglqFYVlJDbASNjEu6vXQ2i4I9taIXfIzfw==",
        ns1: "ns1.example. 3600 IN A 127.9.0.2",
        ns1RRSIG: "ns1.example. 3600 IN RRSIG A 5 2 3600 20350101000000 20250101000000 18196 example. ZE+OMAuLb/3pEsjsGom2JFFQeO8gA/2PwPLNIez76dLvetVZV05TMoQoa5lenR/1pAlPoY5Umg03WosnIdTxrQ==")

    static let both = [("RSASHA256", rsaSHA256), ("RSASHA1", rsaSHA1)]
}

final class RSAKeySizeScenarioTests: XCTestCase {
    /// The root (unsigned, not anchored) delegating to `example.`, signed
    /// with 512-bit keys; a DS trust anchor for `example.`.
    func hierarchy(_ zone: SmallRSAZone.Signed) -> FakeAuthorities {
        var auth = FakeAuthorities()
        auth.zones.append(FakeZone(apex: ".", servers: [ValidationTests.root],
                                   records: [Wire.a("ns1.example", [127, 9, 0, 2])],
                                   delegations: ["example.": ["ns1.example."]]))
        let lines = [zone.zsk, zone.ksk, zone.dnskeyRRSIG, zone.www, zone.wwwRRSIG, zone.ns1, zone.ns1RRSIG]
        auth.zones.append(FakeZone(apex: "example.", servers: [ValidationTests.example],
                                   records: lines.map(ValidationTests.rr)))
        return auth
    }

    func testZonesSignedWith512BitRSAKeysAreSecure() {
        for (label, zone) in SmallRSAZone.both {
            var s = EngineSettings()
            s.recursive = true
            s.useIPv6 = false
            var h = Harness(settings: s, rootServers: [ValidationTests.root])
            let ds = ValidationTests.rr(zone.ds)
            XCTAssertTrue(h.core.addTrustAnchor(owner: Wire.name("example."), type: .ds, rdatas: [ds.rdata]))
            h.core.setWallClock(realtimeSeconds: ValidationTests.now2026, nowMs: h.nowMs)
            var auth = hierarchy(zone)
            _ = h.ask(1, Wire.query("www.example", .a, id: 5, dnssecOK: true))
            h.pump(&auth)
            let p = Wire.parse(h.net.answers.last?.bytes ?? [])
            XCTAssertEqual(p.rcode, .noError, "\(label): a 512-bit key is the zone's real key, never bogus")
            XCTAssertEqual(p.answers.filter { $0.type == .a }.map { $0.rdata }, [[192, 0, 2, 1]], label)
            XCTAssertTrue(p.ad, "\(label): DS anchor → 512-bit KSK → 512-bit ZSK → A, all verified")
            XCTAssertEqual(h.core.stats.bogusResponses, 0, label)
        }
    }
}
