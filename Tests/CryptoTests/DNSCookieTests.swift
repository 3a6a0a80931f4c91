import XCTest
@testable import Crypto

/// RFC 9018 Appendix A: every vector, computed (A.1–A.4) and verified in
/// the direction a server runs (the query's cookie against the secret).
final class DNSCookieTests: XCTestCase {
    private func secret(_ hex: String) -> CookieSecret {
        Fixture.hex(hex).withUnsafeBytes { CookieSecret($0)! }
    }

    private func u64(_ hex: String) -> UInt64 { UInt64(hex, radix: 16)! }

    private func address(_ text: String) -> [UInt8] {
        if !text.contains(":") { return text.split(separator: ".").map { UInt8($0)! } }
        // Full form only (the vectors use it): 8 groups.
        return text.split(separator: ":").flatMap { g -> [UInt8] in
            let v = UInt16(g, radix: 16)!
            return [UInt8(v >> 8), UInt8(v & 0xFF)]
        }
    }

    private func make(_ secretHex: String, client: String, ip: String, at: UInt32) -> String {
        let cookie = address(ip).withUnsafeBytes {
            ServerCookie.make(clientCookie: u64(client), clientAddress: $0, timestamp: at, secret: secret(secretHex))
        }
        var out = [UInt8](repeating: 0, count: 16)
        out.withUnsafeMutableBytes { cookie.write(into: $0) }
        return Fixture.hexString(out)
    }

    func testAppendixA1LearningANewServerCookie() {
        XCTAssertEqual(make("e5e973e5a6b2a43f48e7dc849e37bfcf", client: "2464c4abcf10c957",
                            ip: "198.51.100.100", at: 1_559_731_985), "010000005cf79f111f8130c3eee29480")
    }

    func testAppendixA2TheSameClientRenewing() {
        XCTAssertEqual(make("e5e973e5a6b2a43f48e7dc849e37bfcf", client: "2464c4abcf10c957",
                            ip: "198.51.100.100", at: 1_559_734_385), "010000005cf7a871d4a564a1442aca77")
    }

    func testAppendixA3AnotherClient() {
        XCTAssertEqual(make("e5e973e5a6b2a43f48e7dc849e37bfcf", client: "fc93fc62807ddb86",
                            ip: "203.0.113.203", at: 1_559_734_700), "010000005cf7a9acf73a7810aca2381e")
    }

    func testAppendixA4IPv6AfterTheSecretRolledOver() {
        XCTAssertEqual(make("445536bcd2513298075a5d379663c962", client: "22681ab97d52c298",
                            ip: "2001:db8:220:1:59de:d0f4:8769:82b8", at: 1_559_741_961),
                       "010000005cf7c609a6bb79d16625507a")
    }

    /// A.3's query carries reserved bytes the client set (01abcdef…): they
    /// are hashed as received, and the cookie verifies.
    func testVerificationHashesTheFieldsAsReceived() throws {
        let raw = Fixture.hex("01abcdef5cf78f71a314227b6679ebf5")
        let cookie = try XCTUnwrap(raw.withUnsafeBytes { ServerCookie($0) })
        XCTAssertEqual(cookie.reserved, 0xABCDEF)
        let ip = address("203.0.113.203")
        XCTAssertTrue(ip.withUnsafeBytes {
            cookie.isMade(by: secret("e5e973e5a6b2a43f48e7dc849e37bfcf"), clientCookie: u64("fc93fc62807ddb86"), clientAddress: $0)
        })
        // The same cookie from another address, or for another client cookie, is not ours.
        XCTAssertFalse(address("203.0.113.204").withUnsafeBytes {
            cookie.isMade(by: secret("e5e973e5a6b2a43f48e7dc849e37bfcf"), clientCookie: u64("fc93fc62807ddb86"), clientAddress: $0)
        })
        XCTAssertFalse(ip.withUnsafeBytes {
            cookie.isMade(by: secret("e5e973e5a6b2a43f48e7dc849e37bfcf"), clientCookie: u64("fc93fc62807ddb87"), clientAddress: $0)
        })
    }

    /// A.4: the query's cookie was made with the old secret; it verifies
    /// with that one (kept during a rollover) and not with the new one.
    func testAppendixA4OldSecretVerifiesNewDoesNot() throws {
        let raw = Fixture.hex("010000005cf7c57926556bd0934c72f8")
        let cookie = try XCTUnwrap(raw.withUnsafeBytes { ServerCookie($0) })
        let ip = address("2001:db8:220:1:59de:d0f4:8769:82b8")
        let client = u64("22681ab97d52c298")
        XCTAssertTrue(ip.withUnsafeBytes { cookie.isMade(by: secret("dd3bdf9344b678b185a6f5cb60fca715"), clientCookie: client, clientAddress: $0) })
        XCTAssertFalse(ip.withUnsafeBytes { cookie.isMade(by: secret("445536bcd2513298075a5d379663c962"), clientCookie: client, clientAddress: $0) })
    }

    /// Only 16-byte version-1 cookies are this construction's.
    func testServerCookieLayoutRules() {
        XCTAssertNil(Fixture.hex("020000005cf79f111f8130c3eee29480").withUnsafeBytes { ServerCookie($0) })
        XCTAssertNil(Fixture.hex("010000005cf79f111f8130c3eee294").withUnsafeBytes { ServerCookie($0) })
        XCTAssertNil(Fixture.hex("010000005cf79f111f8130c3eee2948000").withUnsafeBytes { ServerCookie($0) })
        XCTAssertNotNil(Fixture.hex("010000005cf79f111f8130c3eee29480").withUnsafeBytes { ServerCookie($0) })
    }

    /// RFC 9018 §4.3: an hour back, five minutes ahead; across the wrap of
    /// the 32-bit timestamp an hour is still an hour.
    func testTimeWindow() {
        let now: UInt32 = 1_559_731_985
        func fresh(_ ts: UInt32, _ at: UInt32 = now) -> Bool {
            ServerCookie(version: 1, reserved: 0, timestamp: ts, hash: 0).isFresh(now: at)
        }
        XCTAssertTrue(fresh(now))
        XCTAssertTrue(fresh(now - 3_600))
        XCTAssertFalse(fresh(now - 3_601))
        XCTAssertTrue(fresh(now + 300))
        XCTAssertFalse(fresh(now + 301))
        XCTAssertTrue(fresh(4_294_964_696, 1_000))   // 3,600 s across the wrap
        XCTAssertFalse(fresh(4_294_964_695, 1_000))
    }

    /// The client cookie depends on the server address and the secret
    /// only (RFC 7873 §4.1), and is stable for both.
    func testClientCookiePerServer() {
        let s = secret("000102030405060708090a0b0c0d0e0f")
        let none = [UInt8]()
        func cookie(_ server: [UInt8], _ key: CookieSecret) -> UInt64 {
            none.withUnsafeBytes { c in server.withUnsafeBytes { ClientCookie.make(clientAddress: c, serverAddress: $0, secret: key) } }
        }
        let a = cookie([127, 53, 0, 9], s)
        XCTAssertEqual(a, cookie([127, 53, 0, 9], s))
        XCTAssertNotEqual(a, cookie([127, 53, 0, 10], s))
        XCTAssertNotEqual(a, cookie([127, 53, 0, 9], secret("100102030405060708090a0b0c0d0e0f")))
    }

    /// SipHash-2-4 reference vector (Aumasson & Bernstein, appendix A):
    /// key 00..0f, message 00..0e gives the 64-bit value a129ca6149be45e5,
    /// i.e. the bytes e5 45 be 49 61 ca 29 a1 in order (little-endian).
    func testSipHashReferenceVector() {
        let message = (0..<15).map { UInt8($0) }
        let h = message.withUnsafeBytes { SipHash24.hash($0, key: secret("000102030405060708090a0b0c0d0e0f")) }
        XCTAssertEqual(h, 0xe545_be49_61ca_29a1)
    }

    func testRandomSecretsDiffer() {
        XCTAssertNotEqual(CookieSecret.random(), CookieSecret.random())
    }
}
