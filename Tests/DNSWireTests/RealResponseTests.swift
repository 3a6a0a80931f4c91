import DNSWire
import XCTest

/// A real response: NSD 4.6.1 answering "example.com. MX" (EDNS 1232) for
/// a test zone, captured from 127.0.0.1:
///   example.com. MX 10 mail / MX 20 mail2; NS ns1.example.com., ns2.example.net.;
///   glue A/AAAA for mail, mail2, ns1; OPT.
let nsdMXResponse = hexBytes("""
4a1d 8500 0001 0002 0002 0005
076578616d706c6503636f6d00 000f 0001
c00c 000f 0001 00000e10 0009 000a 046d61696c c00c
c00c 000f 0001 00000e10 000a 0014 056d61696c32 c00c
c00c 0002 0001 00000e10 0006 036e7331 c00c
c00c 0002 0001 00000e10 0011 036e7332 076578616d706c65 036e6574 00
c02b 0001 0001 00000e10 0004 c0000219
c040 0001 0001 00000e10 0004 c000021a
c054 0001 0001 00000e10 0004 c0000235
c02b 001c 0001 00000e10 0010 20010db8000000000000000000000025
00 0029 04d0 00000000 0000
""")

final class RealResponseTests: XCTestCase {
    func testParseNSDResponse() throws {
        try nsdMXResponse.withUnsafeBytes { message in
            var reader = try MessageReader(message)
            XCTAssertTrue(reader.header.aa)
            XCTAssertEqual(reader.header.rcode, .noError)
            XCTAssertEqual(try reader.nextQuestion()?.type, .mx)
            var exchanges: [String] = []
            var servers: [String] = []
            var glue: [String] = []
            while let record = try reader.nextRecord() {
                switch (record.section, record.type) {
                case (.answer, .mx):
                    let mx = try MXData(record, in: message)
                    exchanges.append("\(mx.preference) \(mx.exchange.text)")
                case (.authority, .ns): servers.append(try record.targetName(in: message).text)
                case (.additional, .a), (.additional, .aaaa):
                    var out = [UInt8](repeating: 0, count: 64)
                    let n = try out.withUnsafeMutableBytes { try RData.copyCanonical(record, from: message, into: $0, lowercaseNames: true) }
                    glue.append(try record.owner(in: message).text + " " + RDataText.format(type: record.type, rdata: Array(out[0..<n])))
                case (.additional, .opt):
                    XCTAssertEqual(try EDNS(record, in: message).udpPayloadSize, 1232)
                default: XCTFail("unexpected \(record.type.mnemonic) in \(record.section)")
                }
            }
            XCTAssertEqual(exchanges, ["10 mail.example.com.", "20 mail2.example.com."])
            XCTAssertEqual(servers, ["ns1.example.com.", "ns2.example.net."])
            XCTAssertEqual(glue, ["mail.example.com. 192.0.2.25", "mail2.example.com. 192.0.2.26",
                                  "ns1.example.com. 192.0.2.53", "mail.example.com. 2001:db8::25"])
        }
    }

    /// Our builder makes the same compression choices as NSD here.
    func testRebuildIsByteIdentical() throws {
        XCTAssertEqual(hexString(try rebuild(nsdMXResponse)), hexString(nsdMXResponse))
    }
}
