import XCTest
import Cache
import DNSWire
@testable import Resolver

/// Forwarding over DoT (RFC 7858, RFC 8310 §5): a TLS failure on one
/// upstream moves to the next, never to plain DNS; when none answers, the
/// SERVFAIL's EDE 23 (RFC 8914 §4.24) says which upstream and which check
/// failed first.
final class UpstreamDoTFailureTests: XCTestCase {
    /// Two attempts: one per upstream, then the answer (no retry rounds).
    func harness() -> Harness {
        var settings = EngineSettings()
        settings.attemptsMax = 2
        return Harness(settings: settings, upstreams: [Upstream(address: Harness.upstreamA, tlsProfile: 0),
                                                       Upstream(address: Harness.upstreamB, tlsProfile: 1)])
    }

    func testEveryUpstreamFailingTLSSaysWhichAndWhy() {
        var h = harness()
        XCTAssertEqual(h.ask(1, Wire.query("www.example.test", .a, id: 9)), .pending)
        let first = h.net.sent[0]
        _ = h.feed(.failed(first.ref, cause: .tlsCertificate))
        h.drain()
        XCTAssertEqual(h.net.sent.count, 2, "the next upstream is asked")
        XCTAssertNotEqual(h.net.sent[1].server, first.server)
        _ = h.feed(.failed(h.net.sent[1].ref, cause: .tlsPin))
        h.drain()
        let a = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(a.rcode, .servFail)
        XCTAssertEqual(a.ede, [23])
        var address = [UInt8](repeating: 0, count: 64)
        let n = address.withUnsafeMutableBytes { first.server.writeText(into: $0) }
        let upstream = first.server == Harness.upstreamA ? 0 : 1
        XCTAssertEqual(a.edeTexts, ["upstream \(upstream) \(String(decoding: address[0..<n], as: UTF8.self)) DoT: "
                                    + "certificate does not verify for tls_name; not asked in plain"])
        XCTAssertEqual(h.core.stats.upstreamDoTFailures, 2)
    }

    func testATLSFailureThenAnAnswerGivesNoError() {
        var h = harness()
        _ = h.ask(1, Wire.query("ok.example.test", .a, id: 3))
        _ = h.feed(.failed(h.net.sent[0].ref, cause: .tlsHandshake))
        h.drain()
        let second = h.net.sent[1]
        h.reply(second.outgoing, Wire.response(to: second.bytes, records: [Wire.a("ok.example.test", [192, 0, 2, 5])]))
        let a = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(a.rcode, .noError)
        XCTAssertEqual(a.ede, [])
    }

    /// Plain upstreams are not DoT: their failures add no DoT text.
    func testPlainUpstreamFailureHasNoDoTText() {
        var settings = EngineSettings()
        settings.attemptsMax = 1
        var h = Harness(settings: settings, upstreams: [Upstream(address: Harness.upstreamA)])
        _ = h.ask(1, Wire.query("plain.example.test", .a, id: 4))
        _ = h.feed(.failed(h.net.sent[0].ref, cause: .connection))
        h.drain()
        XCTAssertEqual(h.core.stats.upstreamDoTFailures, 0)
        let a = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(a.rcode, .servFail)
        XCTAssertFalse(a.edeTexts.contains { $0.contains("DoT") })
    }
}
