import XCTest
@testable import DNSWire

/// The parent's transport signal behind a private-use key (DelegInfo
/// .transportSignalKey, RFC 9460 §14.3.2): an alpn-id list (§7.1.1 wire
/// form) in key 65280; "dot" says DNS over TLS.
final class DelegInfoSignalTests: XCTestCase {
    func rdata(_ params: [(UInt16, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (key, value) in params {
            out += [UInt8(key >> 8), UInt8(key & 0xFF), UInt8(value.count >> 8), UInt8(value.count & 0xFF)] + value
        }
        return out
    }

    func testDotInTheListSignals() {
        let dot: [UInt8] = [3] + Array("dot".utf8)
        let h2: [UInt8] = [2] + Array("h2".utf8)
        let cases: [([(UInt16, [UInt8])], Bool)] = [
            ([(1, [192, 0, 2, 1]), (65280, dot)], true),
            ([(1, [192, 0, 2, 1]), (65280, h2 + dot)], true),
            ([(1, [192, 0, 2, 1]), (65280, h2)], false),
            ([(1, [192, 0, 2, 1]), (65281, dot)], false),           // another private-use key
            ([(1, [192, 0, 2, 1])], false),
            ([(1, [192, 0, 2, 1]), (65280, Array("opaque".utf8))], false),   // not an alpn-id list
            ([(65280, [3, 0x64, 0x6F])], false),                     // id runs past the value
            ([(65280, [0] + dot)], false),                           // a zero-length id ends the list
        ]
        for (params, want) in cases {
            let bytes = rdata(params)
            XCTAssertEqual(bytes.withUnsafeBytes { DelegInfo.signalsDoT($0) }, want, "\(params)")
        }
    }

    /// The signal alone makes no record usable or unusable (§5.1.2 step 1).
    func testSignalDoesNotChangeTheVerdict() {
        let name = try! Name(parsing: "child.example.")
        let withSignal = rdata([(1, [192, 0, 2, 1]), (65280, [3] + Array("dot".utf8))])
        XCTAssertEqual(withSignal.withUnsafeBytes { DelegInfo.use(of: $0, delegatedName: name) }, .addresses)
        let onlySignal = rdata([(65280, [3] + Array("dot".utf8))])
        XCTAssertEqual(onlySignal.withUnsafeBytes { DelegInfo.use(of: $0, delegatedName: name) }, .nothing)
    }
}
