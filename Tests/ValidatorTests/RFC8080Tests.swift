import Crypto
import DNSWire
import XCTest
@testable import Validator

/// RFC 8080 §6.1 Ed25519 examples, with the signatures as corrected by
/// verified Errata ID 4935 (Labels 2; the printed signatures were wrong).
/// Ed25519 is deterministic, so these are exact known-answer tests.
final class RFC8080Tests: XCTestCase {
    let fixture = Fixture()
    let zone = try! Name(parsing: "example.com.")
    let now: Int64 = 1_439_000_000  // inside 2015-07-29 … 2015-08-19

    let mx = "example.com. 3600 IN MX 10 mail.example.com."
    let key1 = "example.com. 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4="
    let sig1 = "example.com. 3600 IN RRSIG MX 15 2 3600 20150819220000 20150729220000 3613 example.com. oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg=="
    let ds1 = "example.com. 3600 IN DS 3613 15 2 3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b"
    let key2 = "example.com. 3600 IN DNSKEY 257 3 15 zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs="
    let sig2 = "example.com. 3600 IN RRSIG MX 15 2 3600 20150819220000 20150729220000 35217 example.com. zXQ0bkYgQTEFyfLyi9QoiY6D8ZdYo4wyUhVioYZXFdT410QPRITQSqJSnzQoSm5poJ7gD7AQR0O7KuI5k2pcBg=="
    let ds2 = "example.com. 3600 IN DS 35217 15 2 401781b934e392de492ec77ae2e15d70f6575a1c0bc59c5275c04ebe80c6614c"

    func verify(_ rrsig: String, keys: [String], mxLine: String? = nil) -> RRsetVerdict {
        var budget = ValidationBudget()
        return RRSIGCheck.verify(fixture.rrset([mxLine ?? mx]), signatures: fixture.rdatas([rrsig]), zone: zone,
                                 keys: fixture.rdatas(keys), clock: .trusted(nowSeconds: now), budget: &budget,
                                 scratch: fixture.scratch).verdict
    }

    func testKeyTags() {
        XCTAssertEqual(fixture.record(key1).rdata.withUnsafeBytes { KeyTag.compute(rdata: $0) }, 3613)
        XCTAssertEqual(fixture.record(key2).rdata.withUnsafeBytes { KeyTag.compute(rdata: $0) }, 35217)
    }

    func testBothExamplesVerify() {
        XCTAssertEqual(verify(sig1, keys: [key1]), .secure)
        XCTAssertEqual(verify(sig2, keys: [key2]), .secure)
        XCTAssertEqual(verify(sig2, keys: [key1, key2]), .secure)
    }

    func testWrongKeyOrDataFails() {
        XCTAssertEqual(verify(sig1, keys: [key2]), .bogus(.dnskeyMissing))
        XCTAssertEqual(verify(sig1, keys: [key1], mxLine: "example.com. 3600 IN MX 20 mail.example.com."),
                       .bogus(.dnssecBogus))
    }

    func testDSDigests() {
        for (dsLine, keyLine) in [(ds1, key1), (ds2, key2)] {
            let ds = fixture.record(dsLine).rdata
            let key = fixture.record(keyLine).rdata
            ds.withUnsafeBytes { dsRaw in
                key.withUnsafeBytes {
                    XCTAssertEqual(DSMatch.matches(DSView(rdata: dsRaw)!, owner: zone, dnskey: $0, scratch: fixture.scratch),
                                   .match)
                }
            }
        }
    }
}
