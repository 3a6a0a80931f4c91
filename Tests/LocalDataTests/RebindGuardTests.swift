import XCTest
import DNSWire
import Fixed
@testable import LocalData

/// DNS rebinding protection: private, loopback, link-local, shared and
/// unspecified addresses leave answers from the internet; other records,
/// the OPT RR and names under rebind_allow stay.
final class RebindGuardTests: XCTestCase {
    static func response(_ qname: String, _ records: [(RRType, [UInt8])]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 2048)
        let n = out.withUnsafeMutableBytes { raw -> Int in
            var h = Header(id: 7)
            h.qr = true
            var b = try! MessageBuilder(buffer: raw, header: h)
            let name = try! Name(parsing: qname)
            try! b.addQuestion(name, type: .a, rrClass: .in)
            for (type, rdata) in records { try! b.addRecord(.answer, owner: name, type: type, rrClass: .in, ttlSeconds: 60, rdata: rdata) }
            try! b.addOPT(udpPayloadSize: 1232)
            return b.byteCount
        }
        return Array(out[0..<n])
    }

    static func guardWith(_ allowed: [String] = []) -> RebindGuard {
        RebindGuard(enabled: true, allowed: allowed.map { try! Name(parsing: $0) },
                    arena: Arena(rows: RebindGuard.footprint(enabled: true)))
    }

    func run(_ g: RebindGuard, _ message: [UInt8]) -> (kept: [[UInt8]], removed: Int, unchanged: Bool, rcode: RCode?) {
        var scratch = [UInt8](repeating: 0, count: 65_535)
        return message.withUnsafeBytes { m in
            scratch.withUnsafeMutableBytes { s in
                switch g.check(m, scratch: s) {
                case .unchanged: return ([], 0, true, nil)
                case .refused(let bytes):
                    return ([], 0, false, try! MessageReader(bytes).header.rcode)
                case .filtered(let bytes, let removed):
                    var r = try! MessageReader(bytes)
                    _ = try! r.nextQuestion()
                    var kept: [[UInt8]] = []
                    var hasOPT = false
                    while let rec = try! r.nextRecord() {
                        if rec.type == .opt { hasOPT = true } else { kept.append(Array(rec.rdata(in: bytes))) }
                    }
                    XCTAssertTrue(hasOPT, "the OPT RR stays")
                    return (kept, removed, false, r.header.rcode)
                }
            }
        }
    }

    func testPrivateAddressesAreRemoved() {
        let v6 = { (p: [UInt8]) in p + [UInt8](repeating: 0, count: 16 - p.count - 1) + [1] }
        let msg = RebindGuardTests.response("evil.example.", [
            (.a, [192, 168, 1, 1]), (.a, [93, 184, 216, 34]), (.a, [127, 0, 0, 1]), (.a, [10, 1, 2, 3]),
            (.a, [172, 20, 0, 1]), (.a, [169, 254, 1, 1]), (.a, [100, 64, 0, 1]), (.a, [0, 0, 0, 0]),
            (.a, [172, 32, 0, 1]), (.aaaa, v6([0xFD, 0])), (.aaaa, v6([0xFE, 0x80])), (.aaaa, v6([])),
            (.aaaa, [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 192, 168, 0, 1]), (.aaaa, v6([0x20, 0x01, 0x0d, 0xb8])),
        ])
        let r = run(RebindGuardTests.guardWith(), msg)
        XCTAssertFalse(r.unchanged)
        XCTAssertEqual(r.removed, 11)
        XCTAssertEqual(r.kept.count, 3)
        XCTAssertTrue(r.kept.contains([93, 184, 216, 34]) && r.kept.contains([172, 32, 0, 1]))
    }

    func testPublicAnswersAndAllowedDomainsAreUntouched() {
        XCTAssertTrue(run(RebindGuardTests.guardWith(), RebindGuardTests.response("www.example.", [(.a, [93, 184, 216, 34])])).unchanged)
        let intranet = RebindGuardTests.response("nas.corp.example.", [(.a, [10, 0, 0, 5])])
        XCTAssertTrue(run(RebindGuardTests.guardWith(["corp.example."]), intranet).unchanged)
        XCTAssertFalse(run(RebindGuardTests.guardWith(["other.example."]), intranet).unchanged)
        let off = RebindGuard(enabled: false, allowed: [], arena: Arena(rows: RebindGuard.footprint(enabled: false)))
        XCTAssertTrue(run(off, intranet).unchanged)
    }

    /// More than the buffer holds: SERVFAIL, never the unfiltered answer.
    func testTooLargeIsRefused() {
        var records: [(RRType, [UInt8])] = [(.a, [192, 168, 0, 1])]
        for i in 0..<300 { records.append((.a, [8, 8, UInt8(i / 256), UInt8(i % 256)])) }
        var big = [UInt8](repeating: 0, count: 16_384)
        let n = big.withUnsafeMutableBytes { raw -> Int in
            var h = Header(id: 7)
            h.qr = true
            var b = try! MessageBuilder(buffer: raw, header: h)
            let name = try! Name(parsing: "big.example.")
            try! b.addQuestion(name, type: .a, rrClass: .in)
            for (type, rdata) in records { try! b.addRecord(.answer, owner: name, type: type, rrClass: .in, ttlSeconds: 60, rdata: rdata) }
            return b.byteCount
        }
        let r = run(RebindGuardTests.guardWith(), Array(big[0..<n]))
        XCTAssertEqual(r.rcode, .servFail)
    }
}
