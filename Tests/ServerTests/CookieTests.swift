import Crypto
import DNSWire
import Foundation
import Platform
import Cache
import Fixed
import XCTest
@testable import Resolver
@testable import Server

/// Server cookies for clients (RFC 7873 §5.2, RFC 9018 §4.3, §5) and the
/// secrets' file and rotation, on the RFC 9018 Appendix A vectors.
final class CookieTests: XCTestCase {
    static func secret(_ hex: String) -> CookieSecret {
        var bytes = InlineArray<16, UInt8>(repeating: 0)
        let chars = Array(hex)
        for i in 0..<16 { bytes[i] = UInt8(String(chars[(2 * i)..<(2 * i + 2)]), radix: 16)! }
        return CookieSecret(bytes: bytes)
    }

    static func hex(_ text: String) -> [UInt8] {
        let chars = Array(text)
        return stride(from: 0, to: chars.count, by: 2).map { UInt8(String(chars[$0..<($0 + 2)]), radix: 16)! }
    }

    /// A query for example. A from a stub with `cookie` (hex: client, or
    /// client + server) as its COOKIE option.
    static func query(cookie: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 512)
        let bytes = hex(cookie)
        let n = out.withUnsafeMutableBytes { b -> Int in
            var builder = try! MessageBuilder(buffer: b, header: Header(id: 7))
            try! builder.addQuestion(try! Name(parsing: "example."), type: .a, rrClass: .in)
            try! builder.addOPT(udpPayloadSize: 1232)
            var c = Cookie(client: bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) })
            c.serverByteCount = bytes.count - 8
            for i in 0..<c.serverByteCount { c.server[i] = bytes[8 + i] }
            try! builder.addCookie(c)
            return builder.byteCount
        }
        return Array(out[0..<n])
    }

    static func serverHex(_ c: ResponseCookie) -> String {
        var out = [UInt8](repeating: 0, count: 16)
        out.withUnsafeMutableBytes { c.server.write(into: $0) }
        return out.map { String(format: "%02x", $0) }.joined()
    }

    let vectorSecret = CookieTests.secret("e5e973e5a6b2a43f48e7dc849e37bfcf")
    let client1 = Address(numeric: "198.51.100.100")!

    func cookies(current: CookieSecret, previous: CookieSecret? = nil) -> ClientCookies {
        ClientCookies(secrets: CookieSecrets(current: current, previous: previous, client: current, createdSeconds: 0),
                      enabled: true)
    }

    func answer(_ c: inout ClientCookies, _ cookie: String, from: Address, at: Int64) -> ResponseCookie? {
        CookieTests.query(cookie: cookie).withUnsafeBytes { c.cookie(for: $0, from: from, nowSeconds: at) }
    }

    /// A.1: a client cookie alone gets the vector's server cookie.
    func testA1ClientOnlyGetsAFreshCookie() throws {
        var c = cookies(current: vectorSecret)
        let r = try XCTUnwrap(answer(&c, "2464c4abcf10c957", from: client1, at: 1_559_731_985))
        XCTAssertEqual(r.client, 0x2464_c4ab_cf10_c957)
        XCTAssertEqual(CookieTests.serverHex(r), "010000005cf79f111f8130c3eee29480")
        XCTAssertEqual(c.stats.clientOnly, 1)
    }

    /// Under half an hour old: the same cookie back, valid.
    func testAValidYoungCookieIsReturnedAsItIs() throws {
        var c = cookies(current: vectorSecret)
        let r = try XCTUnwrap(answer(&c, "2464c4abcf10c957010000005cf79f111f8130c3eee29480", from: client1,
                                     at: 1_559_731_985 + 600))
        XCTAssertEqual(CookieTests.serverHex(r), "010000005cf79f111f8130c3eee29480")
        XCTAssertEqual(c.stats, ClientCookieStats(valid: 1))
    }

    /// A.2: 40 minutes later the cookie is valid but renewed.
    func testA2AnOlderValidCookieIsRenewed() throws {
        var c = cookies(current: vectorSecret)
        let r = try XCTUnwrap(answer(&c, "2464c4abcf10c957010000005cf79f111f8130c3eee29480", from: client1,
                                     at: 1_559_734_385))
        XCTAssertEqual(CookieTests.serverHex(r), "010000005cf7a871d4a564a1442aca77")
        XCTAssertEqual(c.stats, ClientCookieStats(valid: 1, renewed: 1))
    }

    /// A.3: the query's cookie (reserved bytes set by the client, hashed as
    /// received) was stamped 1 h 52 min before: outside RFC 9018 §4.3's
    /// hour, so a fresh one, the vector's.
    func testA3ReservedBytesAndAnotherClient() throws {
        var c = cookies(current: vectorSecret)
        let r = try XCTUnwrap(answer(&c, "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5",
                                     from: Address(numeric: "203.0.113.203")!, at: 1_559_734_700))
        XCTAssertEqual(CookieTests.serverHex(r), "010000005cf7a9acf73a7810aca2381e")
        XCTAssertEqual(c.stats, ClientCookieStats(expired: 1))
    }

    /// A.4: made with the previous secret (kept during a rollover): valid,
    /// and renewed with the current one.
    func testA4PreviousSecretVerifiesAfterRollover() throws {
        var c = cookies(current: CookieTests.secret("445536bcd2513298075a5d379663c962"),
                        previous: CookieTests.secret("dd3bdf9344b678b185a6f5cb60fca715"))
        let r = try XCTUnwrap(answer(&c, "22681ab97d52c298010000005cf7c57926556bd0934c72f8",
                                     from: Address(numeric: "2001:db8:220:1:59de:d0f4:8769:82b8")!, at: 1_559_741_961))
        XCTAssertEqual(CookieTests.serverHex(r), "010000005cf7c609a6bb79d16625507a")
        XCTAssertEqual(c.stats, ClientCookieStats(valid: 1, renewed: 1))
    }

    /// Not ours (another address), too old, or from the future: a fresh
    /// cookie, the query still answered (no BADCOOKIE), counted.
    func testInvalidAndExpiredCookiesGetFreshOnes() throws {
        var c = cookies(current: vectorSecret)
        let cookie = "2464c4abcf10c957010000005cf79f111f8130c3eee29480"
        let moved = try XCTUnwrap(answer(&c, cookie, from: Address(numeric: "198.51.100.101")!, at: 1_559_731_990))
        XCTAssertNotEqual(CookieTests.serverHex(moved), "010000005cf79f111f8130c3eee29480")
        _ = try XCTUnwrap(answer(&c, cookie, from: client1, at: 1_559_731_985 + 3_601))
        _ = try XCTUnwrap(answer(&c, cookie, from: client1, at: 1_559_731_985 - 301))
        _ = try XCTUnwrap(answer(&c, "2464c4abcf10c9570200000000000000", from: client1, at: 1_559_731_985))
        XCTAssertEqual(c.stats, ClientCookieStats(expired: 2, invalid: 2))
    }

    /// No option, a malformed one, or cookies off: no cookie to give.
    func testNothingToGive() {
        var c = cookies(current: vectorSecret)
        XCTAssertNil(answer(&c, "2464c4abcf10c95701", from: client1, at: 1))   // 9 bytes: the core's FORMERR
        c.enabled = false
        XCTAssertNil(answer(&c, "2464c4abcf10c957", from: client1, at: 1))
        XCTAssertEqual(c.stats, ClientCookieStats())
    }

    // MARK: secrets

    func testSecretFileRoundTripsAndRejectsEveryCorruption() {
        let s = CookieSecrets(current: vectorSecret, previous: CookieTests.secret("dd3bdf9344b678b185a6f5cb60fca715"),
                              client: CookieTests.secret("00112233445566778899aabbccddeeff"), createdSeconds: 1_772_323_200)
        var bytes = [UInt8](repeating: 0, count: CookieSecrets.encodedByteCount)
        XCTAssertEqual(bytes.withUnsafeMutableBytes { s.encode(into: $0) }, CookieSecrets.encodedByteCount)
        XCTAssertEqual(bytes.withUnsafeBytes { CookieSecrets.decode($0) }, s)
        for i in 0..<bytes.count {
            var broken = bytes
            broken[i] ^= 0x01
            XCTAssertNil(broken.withUnsafeBytes { CookieSecrets.decode($0) }, "byte \(i) flipped")
        }
        XCTAssertNil(Array(bytes.dropLast()).withUnsafeBytes { CookieSecrets.decode($0) })
        XCTAssertNil((bytes + [0]).withUnsafeBytes { CookieSecrets.decode($0) })
        var none = s
        none.previous = nil
        XCTAssertEqual(bytes.withUnsafeMutableBytes { none.encode(into: $0) }, CookieSecrets.encodedByteCount)
        XCTAssertEqual(bytes.withUnsafeBytes { CookieSecrets.decode($0) }, none)
    }

    /// Every 30 days, on a trusted clock only; the current secret becomes
    /// the previous one.
    func testRotation() {
        let start: Int64 = 1_772_323_200
        let s = CookieSecrets.fresh(nowSeconds: start)
        let period = CookieSecrets.rotationPeriodSeconds
        XCTAssertEqual(period, 2_592_000)
        XCTAssertFalse(s.isRotationDue(nowSeconds: start + period - 1, clockTrusted: true))
        XCTAssertTrue(s.isRotationDue(nowSeconds: start + period, clockTrusted: true))
        XCTAssertFalse(s.isRotationDue(nowSeconds: start + period, clockTrusted: false))
        XCTAssertFalse(s.isRotationDue(nowSeconds: start - period, clockTrusted: true))
        XCTAssertTrue(s.isRotationDue(nowSeconds: start - period - 1, clockTrusted: true))   // a file from the future
        let next = s.rotated(nowSeconds: start + period)
        XCTAssertEqual(next.previous, s.current)
        XCTAssertNotEqual(next.current, s.current)
        XCTAssertNotEqual(next.client, s.client)
        XCTAssertEqual(next.createdSeconds, start + period)
    }

    /// Start-up: a missing file gives fresh secrets, written at once (as a
    /// secret); a corrupt one is said in the log and replaced.
    func testLoadMissingAndCorrupt() throws {
        let dir = NSTemporaryDirectory() + "sprig-cookie-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cookie.secret"
        var io = SecretIO()
        let first = CookieKeeper.load(path: path, nowSeconds: 100, effects: &io)
        XCTAssertEqual(first.createdSeconds, 100)
        XCTAssertEqual(io.secretWrites.count, 1)
        XCTAssertTrue(io.lines.isEmpty)
        // What was written reads back as the same secrets.
        try Data(io.secretWrites[0]).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(CookieKeeper.load(path: path, nowSeconds: 200, effects: &io), first)
        XCTAssertEqual(io.secretWrites.count, 1)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        let replaced = CookieKeeper.load(path: path, nowSeconds: 300, effects: &io)
        XCTAssertNotEqual(replaced.current, first.current)
        XCTAssertEqual(io.secretWrites.count, 2)
        XCTAssertTrue(io.lines.contains { $0.contains("corrupt") })
    }

    func engine(clockTrusted: Bool) -> ResolverCore {
        var s = EngineSettings()
        s.clockTrusted = clockTrusted
        let plan = MemoryPlan(limits: ServerLimits(), settings: s, cache: CacheConfiguration(arenaByteCount: 1 << 20))
        let arena = Arena(rows: plan.rows)
        let cache = try! AnswerCache(configuration: plan.cache, hashSeed: 7, arena: arena)
        return ResolverCore(settings: s, upstreams: [], cache: cache, arena: arena)
    }

    /// The keeper looks once a minute; at 30 days (trusted clock) it
    /// rotates, writes the new secrets as a secret file, hands the new
    /// client secret to the core and says so once.
    func testKeeperRotatesMonthlyOnATrustedClock() throws {
        let start: Int64 = 1_772_323_200
        let day: Int64 = 86_400
        var e = engine(clockTrusted: true)
        let original = CookieSecrets.fresh(nowSeconds: start)
        var cookies = ClientCookies(secrets: original, enabled: true)
        var keeper = CookieKeeper(path: "/state/cookie.secret")
        var io = SecretIO()
        XCTAssertTrue(keeper.tick(nowMs: 0, wallSeconds: start + 29 * day, cookies: &cookies, engine: &e, effects: &io))
        XCTAssertEqual(cookies.secrets, original)
        XCTAssertFalse(keeper.tick(nowMs: 59_999, wallSeconds: start + 30 * day, cookies: &cookies, engine: &e, effects: &io),
                       "not due before a minute")
        XCTAssertTrue(keeper.tick(nowMs: 60_000, wallSeconds: start + 30 * day, cookies: &cookies, engine: &e, effects: &io))
        XCTAssertEqual(cookies.secrets.previous, original.current)
        XCTAssertNotEqual(cookies.secrets.current, original.current)
        XCTAssertEqual(keeper.rotations, 1)
        XCTAssertEqual(e.cookieClientSecret, cookies.secrets.client)
        XCTAssertEqual(io.secretWrites.count, 1)
        XCTAssertEqual(io.secretWrites[0].withUnsafeBytes { CookieSecrets.decode($0) }, cookies.secrets)
        XCTAssertEqual(io.lines.filter { $0.contains("rotated") }.count, 1)
        // The next rotation is 30 days after this one.
        keeper.tick(nowMs: 120_000, wallSeconds: start + 59 * day, cookies: &cookies, engine: &e, effects: &io)
        XCTAssertEqual(keeper.rotations, 1)

        var untrusted = engine(clockTrusted: false)
        var other = ClientCookies(secrets: original, enabled: true)
        var k2 = CookieKeeper(path: "/state/cookie.secret")
        k2.tick(nowMs: 0, wallSeconds: start + 90 * day, cookies: &other, engine: &untrusted, effects: &io)
        XCTAssertEqual(other.secrets, original, "no rotation on an untrusted clock")
    }

    struct SecretIO: HousekeepingIO {
        var secretWrites: [[UInt8]] = []
        var lines: [String] = []
        func fileExists(_ path: String) -> Bool { false }
        mutating func replaceFile(_ path: String, with bytes: UnsafeRawBufferPointer) -> Bool {
            XCTFail("a secret written as a plain file")
            return false
        }
        mutating func replaceSecretFile(_ path: String, with bytes: UnsafeRawBufferPointer) -> Bool {
            secretWrites.append(Array(bytes))
            return true
        }
        mutating func log(_ level: LogLevel, _ text: String) { lines.append(text) }
    }
}
