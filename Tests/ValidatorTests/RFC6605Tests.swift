import Crypto
import DNSWire
import XCTest
@testable import Validator

/// RFC 6605 §6 ECDSA examples (P-256 with SHA-256, P-384 with SHA-384) and
/// the RFC 4034 §5.4 DS example: records as the RFCs print them.
final class RFC6605Tests: XCTestCase {
    let fixture = Fixture()
    let zone = try! Name(parsing: "example.net.")
    let now: Int64 = 1_283_000_000  // inside 2010-08-12 … 2010-09-09

    let a = "www.example.net. 3600 IN A 192.0.2.1"
    let p256Key = "example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA=="
    let p256DS = "example.net. 3600 IN DS 55648 13 2 b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17"
    let p256Sig = "www.example.net. 3600 IN RRSIG A 13 3 3600 20100909100439 20100812100439 55648 example.net. qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw=="
    let p384Key = "example.net. 3600 IN DNSKEY 257 3 14 xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40"
    let p384DS = "example.net. 3600 IN DS 10771 14 4 72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0563a9b5f4d288405c3008a946df983d6"
    let p384Sig = "www.example.net. 3600 IN RRSIG A 14 3 3600 20100909102025 20100812102025 10771 example.net. /L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP95hxQouuroGCeZOvzFaxsT8Glr74hbavRKayJNuydCuzWTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm"

    func verify(_ rrsig: String, key: String, clock: ValidationClock? = nil) -> RRsetVerdict {
        var budget = ValidationBudget()
        return RRSIGCheck.verify(fixture.rrset([a]), signatures: fixture.rdatas([rrsig]), zone: zone,
                                 keys: fixture.rdatas([key]), clock: clock ?? .trusted(nowSeconds: now),
                                 budget: &budget, scratch: fixture.scratch).verdict
    }

    func dsMatches(_ dsLine: String, _ keyLine: String, owner: Name) -> DSMatchResult {
        let ds = fixture.record(dsLine).rdata
        let key = fixture.record(keyLine).rdata
        return ds.withUnsafeBytes { dsRaw in
            key.withUnsafeBytes { DSMatch.matches(DSView(rdata: dsRaw)!, owner: owner, dnskey: $0, scratch: fixture.scratch) }
        }
    }

    func testP256() {
        XCTAssertEqual(fixture.record(p256Key).rdata.withUnsafeBytes { KeyTag.compute(rdata: $0) }, 55648)
        XCTAssertEqual(dsMatches(p256DS, p256Key, owner: zone), .match)
        XCTAssertEqual(verify(p256Sig, key: p256Key), .secure)
        XCTAssertEqual(verify(p256Sig, key: p256Key, clock: .trusted(nowSeconds: 1_300_000_000)), .bogus(.signatureExpired))
    }

    func testP384() {
        XCTAssertEqual(fixture.record(p384Key).rdata.withUnsafeBytes { KeyTag.compute(rdata: $0) }, 10771)
        XCTAssertEqual(dsMatches(p384DS, p384Key, owner: zone), .match)
        XCTAssertEqual(verify(p384Sig, key: p384Key), .secure)
    }

    func testSignatureUnderTheOtherCurveFails() {
        // Same key tag cannot match: the P-256 RRSIG finds no P-384 key.
        XCTAssertEqual(verify(p256Sig, key: p384Key), .bogus(.dnskeyMissing))
    }

    func testRFC4034KeyTagAndSHA1DS() {
        // RFC 4034 §5.4: dskey.example.com. DNSKEY 256 3 5 …, key id 60485, DS 60485 5 1 2BB1…2118.
        let key = "dskey.example.com. 86400 IN DNSKEY 256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw=="
        let ds = "dskey.example.com. 86400 IN DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"
        XCTAssertEqual(fixture.record(key).rdata.withUnsafeBytes { KeyTag.compute(rdata: $0) }, 60485)
        XCTAssertEqual(dsMatches(ds, key, owner: fixture.name("dskey.example.com.")), .match)
    }
}
