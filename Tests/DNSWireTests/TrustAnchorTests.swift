// The one trust-anchor parser (RFC 4034 §2.2 and §5.3 presentation form)
// and the RDATA rules of an anchor.
import DNSWire
import XCTest

final class TrustAnchorTests: XCTestCase {
    static let rootDS = ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"
    /// The root KSK-2024 (key tag 38696).
    static let ksk2024Key = """
    AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdpWWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwuMoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBevYtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc=
    """

    func parse(_ text: String) throws(TrustAnchorError) -> TrustAnchor { try TrustAnchor(parsing: Array(text.utf8)) }

    func testRootDS() throws {
        let anchor = try parse(Self.rootDS)
        XCTAssertEqual(anchor.owner, .root)
        XCTAssertEqual(anchor.type, .ds)
        XCTAssertEqual(anchor.keyTag, 20326)
        XCTAssertEqual(anchor.algorithm, 8)
        XCTAssertEqual(anchor.rdata, [0x4F, 0x66, 8, 2] + Hex.decode(Array(Self.rootDS.utf8.suffix(64)))!)
        XCTAssertEqual(anchor.text, Self.rootDS)
        XCTAssertEqual(try parse(anchor.text), anchor)
    }

    /// RFC 1035 §5.1: TTL and class in either order, both optional; the
    /// digest may be split (RFC 4034 §5.3), a comment may follow.
    func testTTLClassAndSplitFields() throws {
        let ds = try parse(Self.rootDS)
        for text in [". 172800 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D084 58E880409BBC683457104237C7F8EC8D",
                     ". IN 1d DS 20326 8 2 e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d",
                     ". ds 20326 8 2 ( E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D ) ; KSK-2017"] {
            XCTAssertEqual(try parse(text), ds, text)
        }
    }

    func testDNSKEYKeyTagAndOwnerCase() throws {
        let anchor = try parse("Example.NET. 172800 IN DNSKEY 257 3 8 \(Self.ksk2024Key) ; KSK-2024")
        XCTAssertEqual(anchor.type, .dnskey)
        XCTAssertEqual(anchor.keyTag, 38696)
        XCTAssertEqual(anchor.algorithm, 8)
        XCTAssertEqual(anchor.owner.text, "example.net.", "owners are lowercased")
        XCTAssertEqual(anchor.text, "example.net. IN DNSKEY 257 3 8 " + Self.ksk2024Key)
    }

    func testErrorsNameTheField() {
        let key = Self.ksk2024Key
        let bad: [(String, TrustAnchorError, String)] = [
            (".", .notARecord(Array(".".utf8)), "'.' is not a DS or DNSKEY record (OWNER IN DS KEYTAG ALG DIGESTTYPE DIGEST)"),
            (". IN", .missingType, "record type missing (DS or DNSKEY)"),
            (". IN A 192.0.2.1", .notDSOrDNSKEY(Array("A".utf8)), "record type 'A' is not DS or DNSKEY"),
            (". CH DS 1 8 2 00", .notClassIN(Array("CH".utf8)), "class 'CH' is not IN"),
            (". 1x DS 1 8 2 00", .badTTL(Array("1x".utf8)), "'1x' is not a TTL (seconds, or like 1h30m)"),
            ("..bad IN DS 1 8 2 00", .owner(Array("..bad".utf8), .badName), "owner: '..bad' has an empty label"),
            ("a@b IN DS 1 8 2 00", .owner(Array("a@b".utf8), .badCharacter(0x40)), "owner: 'a@b' is not a domain name (character @)"),
            (". IN DS 20326 8", .missingFields(.ds, 2), "DS needs KEYTAG ALGORITHM DIGESTTYPE DIGEST (2 fields given)"),
            (". IN DS 70000 8 2 E06D", .badNumber(.keyTag, Array("70000".utf8)), "key tag '70000' is not a number from 0 to 65535"),
            (". IN DS 1 x 2 E06D", .badNumber(.algorithm, Array("x".utf8)), "algorithm 'x' is not a number from 0 to 255"),
            (". IN DS 1 8 2 XYZ1", .badDigest, "digest is not hexadecimal (an even number of digits 0-9, A-F)"),
            (". IN DS 1 8 3 E06D", .rdata(.unsupportedDigestType(3)), "digest type 3 is not supported (1 SHA-1, 2 SHA-256, 4 SHA-384)"),
            (". IN DS 1 8 2 E06D", .rdata(.badDigestLength(digestType: 2, byteCount: 2)), "digest is 2 bytes; digest type 2 needs 32"),
            (". IN DNSKEY 257 3", .missingFields(.dnskey, 2), "DNSKEY needs FLAGS PROTOCOL ALGORITHM KEY (2 fields given)"),
            (". IN DNSKEY 257 2 8 \(key)", .rdata(.badProtocol(2)), "DNSKEY protocol must be 3, not 2"),
            (". IN DNSKEY 1 3 8 \(key)", .rdata(.notZoneKey(flags: 1)), "DNSKEY flags 1 lack the Zone Key bit (256)"),
            (". IN DNSKEY 257 3 8 AwE!", .badKey, "DNSKEY public key is not base64"),
            (". IN DNSKEY 257 3 8 \(String(repeating: "AAAA", count: 341))", .rdata(.badLength(1027)),
             "RDATA is 1027 bytes; a trust anchor has 5 to 1024"),
            (". IN DS 1 8 2 \"E06D", .syntax(.badCharacterString), "not a DS or DNSKEY record: bad character string"),
        ]
        for (text, error, message) in bad {
            XCTAssertThrowsError(try parse(text), text) {
                XCTAssertEqual($0 as? TrustAnchorError, error, text)
                XCTAssertEqual(($0 as? TrustAnchorError)?.text, message, text)
            }
        }
    }

    /// The same rules for wire RDATA (hint tables in flash).
    func testRDataProblems() {
        func problem(_ type: RRType, _ rdata: [UInt8]) -> TrustAnchorProblem? {
            rdata.withUnsafeBytes { TrustAnchor.rdataProblem(type: type, rdata: $0) }
        }
        XCTAssertNil(problem(.ds, [0, 1, 8, 1] + [UInt8](repeating: 0, count: 20)))
        XCTAssertEqual(problem(.a, [192, 0, 2, 1]), .notDSOrDNSKEY)
        XCTAssertEqual(problem(.ds, [0, 1, 8, 2]), .badLength(4))
        XCTAssertEqual(problem(.ds, [0, 1, 8, 4] + [UInt8](repeating: 0, count: 32)), .badDigestLength(digestType: 4, byteCount: 32))
        XCTAssertNil(problem(.dnskey, [1, 1, 3, 8, 1]))
        XCTAssertEqual(problem(.dnskey, [0, 0, 3, 8, 1]), .notZoneKey(flags: 0))
        XCTAssertEqual(problem(.dnskey, [1, 1, 2, 8, 1]), .badProtocol(2))
    }
}
