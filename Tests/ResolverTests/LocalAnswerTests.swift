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
