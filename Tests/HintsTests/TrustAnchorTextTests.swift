import DNSWire
import XCTest
@testable import Hints

final class TrustAnchorTextTests: XCTestCase {
    let ksk2024Key = """
    AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdpWWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwuMoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBevYtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc=
    """

    // One record per line is DNSWire's parser (DNSWireTests/TrustAnchorTests);
    // here: files, their line numbers and owners.

    func testRootKeyFileHasTheRootKSKs() throws {
        let anchors = try TrustAnchorText.parseFile(try Repo.bytes("Config/root.key"), owner: .root)
        XCTAssertEqual(anchors.map { $0.keyTag }.sorted(), [20326, 38696])
        XCTAssertEqual(try TrustAnchorText.parseFile(utf8(". 172800 IN DNSKEY 257 3 8 \(ksk2024Key) ; KSK-2024"))
            .map { $0.keyTag }, [38696])
    }

    func testFileWithCommentsAndParentheses() throws {
        let text = """
        ; autotrust trust anchor file
        ;;id: . 1
        example.net. 3600 IN DS 12345 13 2 (
            0123456789ABCDEF0123456789ABCDEF
            0123456789ABCDEF0123456789ABCDEF )
        Example.NET. IN DNSKEY 256 3 13 ( mdsswUyr3DPW132mOi8V9xESWE8jTo0d
            xCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== ) ; zsk
        """
        let anchors = try TrustAnchorText.parseFile(utf8(text), owner: dn("example.net."))
        XCTAssertEqual(anchors.count, 2)
        XCTAssertEqual(anchors[1].owner, dn("example.net."))
        XCTAssertEqual(anchors[0].rdata.count, 4 + 32)
        XCTAssertEqual(anchors[1].rdata.count, 4 + 64)
    }

    func testBadLinesGiveLineNumbers() {
        let good = ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
        assertTextError(2, .anchor(.rdata(.badDigestLength(digestType: 2, byteCount: 2)))) {
            try TrustAnchorText.parseFile(utf8(good + ". DS 1 8 2 ABCD\n"))
        }
        assertTextError(2, .anchor(.rdata(.unsupportedDigestType(3)))) {
            try TrustAnchorText.parseFile(utf8(good + ". DS 1 8 3 ABCD\n"))
        }
        assertTextError(3, .anchor(.rdata(.badProtocol(2)))) {
            try TrustAnchorText.parseFile(utf8(good + "\n. DNSKEY 257 2 8 \(ksk2024Key)\n"))
        }
        assertTextError(2, .anchor(.rdata(.notZoneKey(flags: 1)))) {
            try TrustAnchorText.parseFile(utf8(good + ". DNSKEY 1 3 8 AwEAAQ==\n"))
        }
        assertTextError(2, .anchor(.notDSOrDNSKEY(utf8("A")))) { try TrustAnchorText.parseFile(utf8(good + ". A 192.0.2.1\n")) }
        assertTextError(2, .anchor(.badDigest)) { try TrustAnchorText.parseFile(utf8(good + ". DS 1 8 2 XYZ\n")) }
        assertTextError(2, .anchor(.notDSOrDNSKEY(utf8("DX")))) { try TrustAnchorText.parseFile(utf8(good + ". IN DX 1 8 2 AB\n")) }
        assertTextError(2, .anchorOwnerNotDomain(dn("net."))) {
            try TrustAnchorText.parseFile(utf8(good + "net. DS 1 8 1 0123456789ABCDEF0123456789ABCDEF01234567\n"), owner: .root)
        }
        assertTextError(0, .noAnchors) { try TrustAnchorText.parseFile(utf8("; empty\n")) }
        assertTextError(2, .unbalancedParentheses) { try TrustAnchorText.parseFile(utf8(good + ". DS 1 8 2 ( AB\n")) }
    }

    func testMessagesAreReadable() {
        let error = HintTextError(line: 7, .anchor(.rdata(.badDigestLength(digestType: 2, byteCount: 2))))
        XCTAssertEqual(error.message, "line 7: trust anchor: digest is 2 bytes; digest type 2 needs 32")
    }
}
