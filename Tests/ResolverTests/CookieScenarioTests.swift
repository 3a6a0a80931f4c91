import XCTest
import Crypto
import DNSWire
@testable import Resolver

/// DNS cookies in the core (RFC 7873 §5.1–5.3), in virtual time: client
/// cookies per server, server cookies learned and sent back, spoofed and
/// malformed cookies dropped and counted, BADCOOKIE retried over UDP once
/// then TCP; and the cookie the server makes for a client echoed in its
/// answers, FORMERR for a malformed one (§5.2.2).
final class CookieScenarioTests: XCTestCase {
    static let secret = CookieSecret(bytes: InlineArray<16, UInt8>(repeating: 0x5A))

    func harness(cookies: Bool = true) -> Harness {
        var settings = EngineSettings()
        settings.cookies = cookies
        var h = Harness(settings: settings)
        h.core.setCookieClientSecret(CookieScenarioTests.secret)
        return h
    }

    static func cookie(in bytes: [UInt8]) -> CookieInMessage {
        bytes.withUnsafeBytes { Cookie.first(in: $0) }
    }

    static func expectedClientCookie(_ server: ServerAddress) -> UInt64 {
        let address = (0..<(server.isIPv6 ? 16 : 4)).map { server.byte($0) }
        return address.withUnsafeBytes {
            ClientCookie.make(clientAddress: UnsafeRawBufferPointer(start: nil, count: 0), serverAddress: $0, secret: secret)
        }
    }

    /// A response to `query` with `records`, an OPT carrying `option` (raw
    /// COOKIE value bytes) when given, and `rcode` (extended ones in OPT).
    static func response(to query: [UInt8], records: [Wire.RR] = [], option: [UInt8]?, rcode: RCode = .noError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = query.withUnsafeBytes { q -> Int in
            var reader = try! MessageReader(q)
            let question = try! reader.nextQuestion()!
            return buffer.withUnsafeMutableBytes { raw -> Int in
                var h = Header(id: reader.header.id)
                h.qr = true
                h.rd = true
                h.ra = true
                var b = try! MessageBuilder(buffer: raw, header: h)
                try! b.addQuestion(question.name, type: question.type, rrClass: .in)
                for r in records {
                    try! b.addRecord(.answer, owner: Wire.name(r.owner), type: r.type, rrClass: .in, ttlSeconds: r.ttl, rdata: r.rdata)
                }
                try! b.addOPT(udpPayloadSize: 1232)
                if let option { option.withUnsafeBytes { try! b.addOption(.cookie, value: $0) } }
                b.setRCode(rcode)
                return b.byteCount
            }
        }
        return Array(buffer[0..<n])
    }

    static func bytes(_ client: UInt64, _ server: [UInt8] = []) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: client >> UInt64(56 - 8 * $0)) } + server
    }

    static let serverCookie1 = [UInt8](repeating: 0x11, count: 16)
    static let serverCookie2 = [UInt8](repeating: 0x22, count: 16)

    /// RFC 7873 §5.1: the first query carries our client cookie alone; the
    /// server's cookie is kept and sent back with the next query; another
    /// server address gets another client cookie.
    func testClientCookiePerServerAndServerCookieLearned() throws {
        var h = harness()
        _ = h.ask(1, Wire.query("a.example.test", .a))
        let s = h.net.sent[0]
        let ours = CookieScenarioTests.expectedClientCookie(s.server)
        guard case .present(let sent) = CookieScenarioTests.cookie(in: s.bytes) else { return XCTFail("no cookie sent") }
        XCTAssertEqual(sent.client, ours)
        XCTAssertEqual(sent.serverByteCount, 0)
        h.reply(s.outgoing, CookieScenarioTests.response(to: s.bytes, records: [Wire.a("a.example.test", [192, 0, 2, 1])],
                                                         option: CookieScenarioTests.bytes(ours, CookieScenarioTests.serverCookie1)))
        XCTAssertEqual(h.net.answers.count, 1)
        XCTAssertEqual(h.core.stats.upstreamCookiesLearned, 1)

        _ = h.ask(2, Wire.query("b.example.test", .a))
        let t = h.net.sent[1]
        XCTAssertEqual(t.server, s.server, "the faster upstream again")
        XCTAssertEqual(CookieScenarioTests.cookie(in: t.bytes),
                       .present(try cookieValue(CookieScenarioTests.bytes(ours, CookieScenarioTests.serverCookie1))))
        XCTAssertEqual(h.core.stats.upstreamCookiesSent, 2)

        XCTAssertNotEqual(CookieScenarioTests.expectedClientCookie(Harness.upstreamA),
                          CookieScenarioTests.expectedClientCookie(Harness.upstreamB))
    }

    /// RFC 7873 §5.3: a response whose COOKIE option does not carry our
    /// client cookie is not an answer to our query (an off-path spoofer
    /// does not know it): dropped, counted, the real one taken. A malformed
    /// option likewise. A response with no option at all is taken.
    func testSpoofedAndMalformedCookiesAreDropped() {
        var h = harness()
        _ = h.ask(1, Wire.query("spoof.example.test", .a))
        let s = h.net.sent[0]
        let ours = CookieScenarioTests.expectedClientCookie(s.server)
        h.reply(s.outgoing, CookieScenarioTests.response(to: s.bytes, records: [Wire.a("spoof.example.test", [6, 6, 6, 6])],
                                                         option: CookieScenarioTests.bytes(ours ^ 1, CookieScenarioTests.serverCookie1)))
        h.reply(s.outgoing, CookieScenarioTests.response(to: s.bytes, records: [Wire.a("spoof.example.test", [6, 6, 6, 6])],
                                                         option: CookieScenarioTests.bytes(ours, [1, 2, 3])))   // 11 bytes
        XCTAssertTrue(h.net.answers.isEmpty)
        XCTAssertEqual(h.core.stats.upstreamCookieMismatch, 1)
        XCTAssertEqual(h.core.stats.upstreamCookieMalformed, 1)
        XCTAssertEqual(h.core.stats.upstreamCookiesLearned, 0, "nothing learned from a spoofed response")
        h.reply(s.outgoing, CookieScenarioTests.response(to: s.bytes, records: [Wire.a("spoof.example.test", [192, 0, 2, 9])],
                                                         option: nil))
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.first?.rdata, [192, 0, 2, 9])
    }

    /// RFC 7873 §5.3: BADCOOKIE with our client cookie: the new server
    /// cookie is kept, the question asked again over UDP with it; a second
    /// BADCOOKIE sends it over TCP.
    func testBadCookieRetriesOnceThenTCP() throws {
        var h = harness()
        _ = h.ask(1, Wire.query("strict.example.test", .a))
        let s = h.net.sent[0]
        let ours = CookieScenarioTests.expectedClientCookie(s.server)
        h.reply(s.outgoing, CookieScenarioTests.response(to: s.bytes, option: CookieScenarioTests.bytes(ours, CookieScenarioTests.serverCookie1),
                                                         rcode: .badCookie))
        XCTAssertEqual(h.net.sent.count, 2)
        let t = h.net.sent[1]
        XCTAssertFalse(t.overTCP)
        XCTAssertEqual(t.server, s.server)
        XCTAssertEqual(CookieScenarioTests.cookie(in: t.bytes),
                       .present(try cookieValue(CookieScenarioTests.bytes(ours, CookieScenarioTests.serverCookie1))))
        h.reply(t.outgoing, CookieScenarioTests.response(to: t.bytes, option: CookieScenarioTests.bytes(ours, CookieScenarioTests.serverCookie2),
                                                         rcode: .badCookie))
        XCTAssertEqual(h.net.sent.count, 3)
        let u = h.net.sent[2]
        XCTAssertTrue(u.overTCP)
        XCTAssertEqual(u.server, s.server)
        h.reply(u.outgoing, CookieScenarioTests.response(to: u.bytes, records: [Wire.a("strict.example.test", [192, 0, 2, 7])],
                                                         option: CookieScenarioTests.bytes(ours, CookieScenarioTests.serverCookie2)))
        XCTAssertEqual(Wire.parse(h.net.answers[0].bytes).answers.first?.rdata, [192, 0, 2, 7])
        XCTAssertEqual(h.core.stats.upstreamBadCookies, 2)
    }

    /// `option cookies '0'`: no COOKIE option goes out.
    func testNoCookiesWhenOff() {
        var h = harness(cookies: false)
        _ = h.ask(1, Wire.query("off.example.test", .a))
        XCTAssertEqual(CookieScenarioTests.cookie(in: h.net.sent[0].bytes), CookieInMessage.none)
    }

    // MARK: to clients

    static func clientQuery(option: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 512)
        let n = out.withUnsafeMutableBytes { b -> Int in
            var builder = try! MessageBuilder(buffer: b, header: Header(id: 9))
            try! builder.addQuestion(Wire.name("c.example.test"), type: .a, rrClass: .in)
            try! builder.addOPT(udpPayloadSize: 1232)
            option.withUnsafeBytes { try! builder.addOption(.cookie, value: $0) }
            return builder.byteCount
        }
        return Array(out[0..<n])
    }

    /// The cookie the server made is in the answer, from the network and
    /// from the cache, and in a SERVFAIL.
    func testClientGetsTheServerMadeCookieInEveryAnswer() throws {
        var h = harness()
        let made = ResponseCookie(client: 0x0102_0304_0506_0708,
                                  server: ServerCookie(version: 1, reserved: 0, timestamp: 1_559_731_985, hash: 0xAABB))
        let expected = try cookieValue(CookieScenarioTests.bytes(0x0102_0304_0506_0708,
                                                                 [1, 0, 0, 0, 0x5c, 0xf7, 0x9f, 0x11, 0, 0, 0, 0, 0, 0, 0xAA, 0xBB]))
        let query = CookieScenarioTests.clientQuery(option: CookieScenarioTests.bytes(0x0102_0304_0506_0708))
        _ = query.withUnsafeBytes { h.feed(.query(client: 1, transport: .udp, message: $0, cookie: made)) }
        h.drain()
        let s = h.net.sent[0]
        h.reply(s.outgoing, Wire.response(to: s.bytes, records: [Wire.a("c.example.test", [192, 0, 2, 3])]))
        XCTAssertEqual(CookieScenarioTests.cookie(in: h.net.answers[0].bytes), .present(expected))
        _ = query.withUnsafeBytes { h.feed(.query(client: 2, transport: .udp, message: $0, cookie: made)) }
        h.drain()
        XCTAssertEqual(h.net.answers.count, 2, "from the cache")
        XCTAssertEqual(CookieScenarioTests.cookie(in: h.net.answers[1].bytes), .present(expected))
        // Without a cookie from the server: none in the answer.
        _ = h.ask(3, query)
        XCTAssertEqual(CookieScenarioTests.cookie(in: h.net.answers[2].bytes), CookieInMessage.none)
    }

    /// RFC 7873 §5.2.2: a COOKIE option of a length no cookie has: FORMERR,
    /// counted; 8 and 16–40 bytes are fine.
    func testMalformedClientCookieGetsFormerr() {
        var h = harness()
        for (length, malformed) in [(0, true), (7, true), (9, true), (15, true), (41, true), (8, false), (16, false), (40, false)] {
            let before = h.net.answers.count
            let outcome = h.ask(10 + length, CookieScenarioTests.clientQuery(option: [UInt8](repeating: 0xAB, count: length)))
            if malformed {
                XCTAssertEqual(outcome, .answered, "length \(length)")
                XCTAssertEqual(Wire.parse(h.net.answers[before].bytes).rcode, .formErr, "length \(length)")
            } else {
                XCTAssertEqual(outcome, .pending, "length \(length): asked upstream")
                XCTAssertEqual(h.net.answers.count, before)
            }
        }
        XCTAssertEqual(h.core.stats.cookieMalformed, 5)
    }

    func cookieValue(_ bytes: [UInt8]) throws -> Cookie {
        try bytes.withUnsafeBytes { raw in
            try Cookie(EDNSOption(code: .cookie, valueOffset: 0, valueLength: raw.count), in: raw)
        }
    }
}
