import XCTest
@testable import Crypto

/// DS digest = digest(owner name | DNSKEY RDATA) (RFC 4034 §5.1.4).
final class DSDigestTests: XCTestCase {
    private func dsDigest(type: UInt8, owner: String, flags: Int, algorithm: UInt8, key: String) -> String? {
        guard let digestAlgorithm = DSDigest.algorithm(forDigestType: type) else { return nil }
        let input = Fixture.name(owner) + Fixture.dnskeyRDATA(flags: flags, algorithm: algorithm, key: Fixture.base64(key))
        var out = [UInt8](repeating: 0, count: Digest.length(digestAlgorithm))
        input.withUnsafeBytes { i in out.withUnsafeMutableBytes { Digest.compute(digestAlgorithm, i, into: $0) } }
        return Fixture.hexString(out)
    }

    func testDigestTypes() {
        XCTAssertEqual(DSDigest.algorithm(forDigestType: 1), .sha1)
        XCTAssertEqual(DSDigest.algorithm(forDigestType: 2), .sha256)
        XCTAssertEqual(DSDigest.algorithm(forDigestType: 4), .sha384)
        for type: UInt8 in [0, 3, 5, 6, 255] { XCTAssertNil(DSDigest.algorithm(forDigestType: type), "type \(type)") }
    }

    // The root zone KSK-2017 (key tag 20326) and its published DS (IANA root-anchors.xml).
    func testRootKSK2017() {
        let key = """
            AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN
            7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8
            efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLY
            A4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=
            """
        XCTAssertEqual(dsDigest(type: 2, owner: ".", flags: 257, algorithm: 8, key: key),
                       "e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d")
    }

    // RFC 4034 §5.4: dskey.example.com. DS 60485 5 1.
    func testRFC4034SHA1() {
        let key = """
            AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMm
            mAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==
            """
        XCTAssertEqual(dsDigest(type: 1, owner: "dskey.example.com.", flags: 256, algorithm: 5, key: key),
                       "2bb183af5f22588179a53b0a98631fad1a292118")
    }

    // RFC 6605 §6.1 and §6.2 DS records (SHA-256 and SHA-384).
    func testRFC6605() {
        XCTAssertEqual(dsDigest(type: 2, owner: "example.net.", flags: 257, algorithm: 13,
                                key: "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA=="),
                       "b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17")
        XCTAssertEqual(dsDigest(type: 4, owner: "example.net.", flags: 257, algorithm: 14, key: """
            xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8
            /uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40
            """),
            "72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0563a9b5f4d288405c3008a946df983d6")
    }

    // RFC 8080 §6.1 DS for key 3613 (SHA-256).
    func testRFC8080() {
        XCTAssertEqual(dsDigest(type: 2, owner: "example.com.", flags: 257, algorithm: 15,
                                key: "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4="),
                       "3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b")
    }
}
