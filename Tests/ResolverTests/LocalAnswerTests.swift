import XCTest
import DNSWire
@testable import Resolver

/// Local data answered by the core before its cache, in both modes, with
/// no query leaving (issue 17): RFC 6761 §6.3 localhost, §6.4 invalid,
/// RFC 6303 zones and the local domain. AA set, never AD.
final class LocalAnswerTests: XCTestCase {
    func harness(_ mode: String, localDomain: String? = "lan.") -> Harness {
        var settings = mode == "forward" ? EngineSettings() : RecursionTests.settings()
        settings.localDomain = localDomain.map { try! Name(parsing: $0) }
        return mode == "forward" ? Harness(settings: settings)
            : Harness(settings: settings, rootServers: [RecursionTests.root])
    }

    func testLocalNamesNeverLeave() {
        for mode in QueryTypeTests.modes {
            var h = harness(mode)
            let cases: [(String, RRType, RCode, Int)] = [
                ("localhost", .a, .noError, 1), ("www.localhost", .aaaa, .noError, 1),
                ("x.invalid", .a, .nxDomain, 0), ("20.1.168.192.in-addr.arpa", .ptr, .nxDomain, 0),
                ("1.0.0.127.in-addr.arpa", .ptr, .noError, 1), ("printer.lan", .a, .nxDomain, 0),
                ("router.home.arpa", .a, .nxDomain, 0)]
            for (i, (name, type, rcode, count)) in cases.enumerated() {
                XCTAssertEqual(h.ask(i, Wire.query(name, type, id: UInt16(i))), .answered, "\(mode) \(name)")
                let bytes = h.net.answers.last!.bytes
                let p = Wire.parse(bytes)
                XCTAssertEqual(p.id, UInt16(i))
                XCTAssertEqual(p.rcode, rcode, "\(mode) \(name)")
                XCTAssertEqual(p.answers.count, count, "\(mode) \(name)")
                XCTAssertTrue(p.hasOPT, "EDNS echoed")
                XCTAssertFalse(p.ad)
                let header = try! Header(from: bytes.withUnsafeBytes { UnsafeRawBufferPointer($0) })
                XCTAssertTrue(header.aa, "\(mode) \(name): authoritative")
                if rcode == .nxDomain { XCTAssertEqual(p.authority.map { $0.type }, [.soa], "\(mode) \(name)") }
            }
            XCTAssertTrue(h.net.sent.isEmpty, "\(mode): a local name left Sprig")
            XCTAssertEqual(h.core.stats.localAnswers, cases.count)
            XCTAssertEqual(h.core.stats.cacheMisses, 0)
        }
    }

    /// Without a local domain, `lan.` is an ordinary name: it is resolved.
    func testWithoutLocalDomainLanIsResolved() {
        var h = harness("forward", localDomain: nil)
        XCTAssertEqual(h.ask(1, Wire.query("printer.lan", .a)), .pending)
        XCTAssertEqual(h.net.sent.count, 1)
    }
}

/// DNS rebinding protection through the core (issue 17 item 5).
final class RebindProtectionTests: XCTestCase {
    func testPrivateAddressesFromUpstreamAreRemovedAndCounted() {
        var settings = EngineSettings()
        settings.rebindProtection = true
        settings.rebindAllow = [try! Name(parsing: "corp.example.")]
        var h = Harness(settings: settings)
        XCTAssertEqual(h.ask(1, Wire.query("evil.example", .a)), .pending)
        h.reply(h.net.sent.last!.outgoing, Wire.response(to: h.net.sent.last!.bytes,
                records: [Wire.a("evil.example", [192, 168, 1, 1]), Wire.a("evil.example", [93, 184, 216, 34])]))
        var p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.answers.map { $0.rdata }, [[93, 184, 216, 34]])
        XCTAssertEqual(h.core.stats.rebindRemoved, 1)
        XCTAssertEqual(h.core.stats.rebindAnswers, 1)
        // From the cache too.
        XCTAssertEqual(h.ask(2, Wire.query("evil.example", .a)), .answered)
        p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.answers.map { $0.rdata }, [[93, 184, 216, 34]])
        XCTAssertEqual(h.core.stats.rebindRemoved, 2)
        // rebind_allow keeps them; local data is never filtered.
        XCTAssertEqual(h.ask(3, Wire.query("nas.corp.example", .a)), .pending)
        h.reply(h.net.sent.last!.outgoing, Wire.response(to: h.net.sent.last!.bytes, records: [Wire.a("nas.corp.example", [10, 0, 0, 5])]))
        XCTAssertEqual(Wire.parse(h.net.answers.last!.bytes).answers.map { $0.rdata }, [[10, 0, 0, 5]])
        XCTAssertEqual(h.ask(4, Wire.query("localhost", .a)), .answered)
        XCTAssertEqual(Wire.parse(h.net.answers.last!.bytes).answers.map { $0.rdata }, [[127, 0, 0, 1]])
        XCTAssertEqual(h.core.stats.rebindRemoved, 2)
    }
}

/// Block lists through the core: NXDOMAIN or 0.0.0.0/:: with EDE 15
/// (RFC 8914 §4.16), counted, never asked of anyone; local data first.
final class BlockAnswerTests: XCTestCase {
    func harness(null: Bool) -> Harness {
        var settings = EngineSettings()
        settings.blockNameCount = 16
        settings.blockWithNullAddress = null
        settings.localDomain = try! Name(parsing: "lan.")
        var h = Harness(settings: settings)
        h.core.reloadBlockList { $0.insert(try! Name(parsing: "ads.example.")) }
        return h
    }

    func testBlockedNamesGetNXDomainWithEDE15() {
        var h = harness(null: false)
        XCTAssertEqual(h.ask(1, Wire.query("x.ads.example", .a)), .answered)
        let p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.rcode, .nxDomain)
        XCTAssertEqual(p.ede, [EDECode.blocked.rawValue])
        XCTAssertTrue(h.net.sent.isEmpty)
        XCTAssertEqual(h.core.stats.blockedAnswers, 1)
        XCTAssertEqual(h.ask(2, Wire.query("www.example", .a)), .pending, "not listed: resolved")
    }

    func testNullAddresses() {
        var h = harness(null: true)
        _ = h.ask(1, Wire.query("ads.example", .a))
        var p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertEqual(p.answers.map { $0.rdata }, [[0, 0, 0, 0]])
        XCTAssertEqual(p.ede, [EDECode.blocked.rawValue])
        _ = h.ask(2, Wire.query("ads.example", .aaaa))
        p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.answers.map { $0.rdata }, [[UInt8](repeating: 0, count: 16)])
        _ = h.ask(3, Wire.query("ads.example", .mx))
        p = Wire.parse(h.net.answers.last!.bytes)
        XCTAssertEqual(p.rcode, .noError)
        XCTAssertTrue(p.answers.isEmpty)
    }
}
