import XCTest
import DNSWire
@testable import Resolver

/// QTYPEs Sprig answers itself and never sends to a server (issue 19):
/// meta-types and obsolete QTYPEs get FORMERR with EDE 30 (RFC 6895 §3.1,
/// RFC 9824 §3.5; Unbound's worker_handle_request does the same), QTYPE 0
/// and OPT get FORMERR (RFC 6891 §6.1.1), zone transfers NOTIMP, and ANY
/// is resolved as before (RFC 8482 is the servers' side).
final class QueryTypeTests: XCTestCase {
    static let metaTypes = (UInt16(128)...254).filter { $0 != 251 && $0 != 252 }

    static let modes = ["forward", "recursive"]

    func harness(_ mode: String) -> Harness {
        mode == "forward" ? Harness() : Harness(settings: RecursionTests.settings(), rootServers: [RecursionTests.root])
    }

    func testMetaTypesGetFormErrWithEDE30AndNeverLeave() {
        for mode in QueryTypeTests.modes {
            var h = harness(mode)
            for t in QueryTypeTests.metaTypes {
                XCTAssertEqual(h.ask(Int(t), Wire.query("example.net", RRType(t), id: t)), .answered, "\(mode) TYPE\(t)")
                let p = Wire.parse(h.net.answers.last!.bytes)
                XCTAssertEqual(p.id, t)
                XCTAssertEqual(p.rcode, .formErr, "\(mode) TYPE\(t)")
                XCTAssertEqual(p.ede, [EDECode.invalidQueryType.rawValue], "\(mode) TYPE\(t)")
            }
            XCTAssertEqual(QueryTypeTests.metaTypes.count, 125)
            XCTAssertTrue(h.net.sent.isEmpty, "\(mode): a meta-type query left Sprig")
            XCTAssertEqual(h.core.stats.localQueryTypeAnswers, 125)
            XCTAssertEqual(h.core.stats.formerrAnswers, 125)
            XCTAssertEqual(h.core.outgoing.usedCount, 0)
        }
    }

    /// RFC 6891 §6.1.1: OPT lives in the additional section only; QTYPE 0
    /// is reserved. Without EDNS in the query, no OPT (so no EDE) comes back.
    func testTypeZeroAndOPTAreFormErr() {
        for mode in QueryTypeTests.modes {
            var h = harness(mode)
            for t in [UInt16(0), RRType.opt.rawValue] {
                _ = h.ask(1, Wire.query("example.net", RRType(t)))
                var p = Wire.parse(h.net.answers.last!.bytes)
                XCTAssertEqual(p.rcode, .formErr, "\(mode) TYPE\(t)")
                XCTAssertEqual(p.ede, [EDECode.invalidQueryType.rawValue])
                _ = h.ask(2, Wire.query("example.net", RRType(t), edns: false))
                p = Wire.parse(h.net.answers.last!.bytes)
                XCTAssertEqual(p.rcode, .formErr, "\(mode) TYPE\(t) without EDNS")
                XCTAssertFalse(p.hasOPT, "RFC 6891 §7: no OPT to a query without one")
            }
            XCTAssertTrue(h.net.sent.isEmpty, mode)
        }
    }

    func testZoneTransfersAreNotImplemented() {
        for mode in QueryTypeTests.modes {
            var h = harness(mode)
            for t in [RRType.axfr, .ixfr] {
                _ = h.ask(1, Wire.query("example.net", t))
                let p = Wire.parse(h.net.answers.last!.bytes)
                XCTAssertEqual(p.rcode, .notImp, "\(mode) \(t.rawValue)")
                XCTAssertEqual(p.ede, [])
            }
            XCTAssertTrue(h.net.sent.isEmpty, mode)
        }
    }

    /// ANY and every data type, known or not, below 128 or above 255
    /// (private use included), go to the servers as before.
    func testANYAndDataTypesAreResolved() {
        for mode in QueryTypeTests.modes {
            var h = harness(mode)
            for t in [RRType.any.rawValue, 1, 127, 256, 65_280, 65_535] {
                let before = h.net.sent.count
                XCTAssertEqual(h.ask(Int(t), Wire.query("t\(t).example.net", RRType(t))), .pending, "\(mode) TYPE\(t)")
                XCTAssertEqual(h.net.sent.count, before + 1, "\(mode) TYPE\(t) was not sent")
            }
            XCTAssertEqual(h.core.stats.localQueryTypeAnswers, 0)
        }
    }
}
