import DNSWire
import XCTest

/// Malformed packets, each with the typed error a receiver must report.
/// Header used by most: id 0001, flags 0100 (query, RD).
final class MalformedCorpusTests: XCTestCase {
    static let corpus: [(String, String, WireError)] = [
        ("empty", "", .truncatedHeader),
        ("short header", "0001 0100 0001 0000 0000", .truncatedHeader),
        ("question name runs off the end", "0001 0100 0001 0000 0000 0000 07 6578616d", .truncatedName),
        ("question without type/class", "0001 0100 0001 0000 0000 0000 00 0001", .truncatedQuestion),
        ("missing question", "0001 0100 0001 0000 0000 0000", .truncatedName),
        ("compression loop: self pointer", "0001 0100 0001 0000 0000 0000 c00c 0001 0001", .forwardPointer),
        ("compression loop: two names point at each other",
         "0001 0100 0002 0000 0000 0000 c012 0001 0001 c00c 0001 0001", .forwardPointer),
        ("forward pointer", "0001 0100 0001 0000 0000 0000 c010 0001 0001 00", .forwardPointer),
        ("pointer beyond end", "0001 0100 0001 0000 0000 0000 c0ff 0001 0001", .pointerBeyondEnd),
        ("label > 63 (0x40 type)", "0001 0100 0001 0000 0000 0000 40 61 00 0001 0001", .labelTooLong),
        ("label 0x80 type", "0001 0100 0001 0000 0000 0000 80 61 00 0001 0001", .labelTooLong),
        ("name > 255 bytes", "0001 0100 0001 0000 0000 0000 "
            + String(repeating: "3f" + String(repeating: "61", count: 63), count: 4) + "00 0001 0001", .nameTooLong),
        ("truncated RR fixed part", "0001 8100 0000 0001 0000 0000 00 0001 0001 0000", .truncatedRecord),
        ("RDLENGTH past end", "0001 8100 0000 0001 0000 0000 00 0001 0001 0000003c 0004 c000 02", .rdataPastEnd),
        ("truncated RDATA (count says 2 RRs)", "0001 8100 0000 0002 0000 0000 00 0001 0001 0000003c 0004 c0000201", .truncatedName),
        ("A with 3 bytes", "0001 8100 0000 0001 0000 0000 00 0001 0001 0000003c 0003 c00002", .badRData),
        ("NS RDATA name runs past RDLENGTH", "0001 8100 0000 0001 0000 0000 00 0002 0001 0000003c 0002 03 6e73 00", .badRData),
        ("pointer split across RDLENGTH (found by fuzzing)",
         "0001 8100 0001 0001 0000 0000 00 0001 0001 00 0002 0001 0000003c 0001 c0 0c", .badRData),
        ("MX too short", "0001 8100 0000 0001 0000 0000 00 000f 0001 0000003c 0001 00", .badRData),
        ("SOA missing counters", "0001 8100 0000 0001 0000 0000 00 0006 0001 0000003c 0006 00 00 00000001", .badRData),
        ("TXT string longer than RDATA", "0001 8100 0000 0001 0000 0000 00 0010 0001 0000003c 0003 05 6869", .badRData),
        ("OPT in answer section", "0001 8100 0000 0001 0000 0000 00 0029 04d0 00000000 0000", .optNotInAdditional),
        ("OPT twice", "0001 0100 0000 0000 0000 0002 00 0029 04d0 00000000 0000 00 0029 04d0 00000000 0000", .duplicateOPT),
        ("OPT owner not root", "0001 0100 0000 0000 0000 0001 01 61 00 0029 04d0 00000000 0000", .badOPTOwner),
        ("OPT option past RDATA", "0001 0100 0000 0000 0000 0001 00 0029 04d0 00000000 0006 000a 0008 0102", .badEDNSOption),
        ("NSEC bitmap window out of order", "0001 8100 0000 0001 0000 0000 00 002f 0001 0000003c 0007 00 0101 40 0001 40",
         .badTypeBitmap),
        ("NSEC bitmap length 0", "0001 8100 0000 0001 0000 0000 00 002f 0001 0000003c 0003 00 0000", .badTypeBitmap),
        ("NSEC bitmap length 33", "0001 8100 0000 0001 0000 0000 00 002f 0001 0000003c 0024 00 0021 "
            + String(repeating: "ff", count: 33), .badTypeBitmap),
        ("NSEC bitmap trailing zero octet", "0001 8100 0000 0001 0000 0000 00 002f 0001 0000003c 0005 00 0002 4000", .badTypeBitmap),
        ("NSEC3 empty next hash", "0001 8100 0000 0001 0000 0000 00 0032 0001 0000003c 0006 01 00 0000 00 00", .badRData),
        ("SVCB keys out of order", "0001 8100 0000 0001 0000 0000 00 0040 0001 0000003c 000f 0001 00 0003 0002 0035 0001 0002 0168",
         .badSVCParams),
        ("SVCB port with 1 byte", "0001 8100 0000 0001 0000 0000 00 0040 0001 0000003c 0008 0001 00 0003 0001 35", .badSVCParams),
        ("SVCB compressed target", "0001 8100 0000 0001 0000 0000 00 0040 0001 0000003c 0004 0001 c00c", .compressionNotAllowed),
        ("DELEG server-ipv4 of 5 bytes", "0001 8100 0000 0001 0000 0000 00 f000 0001 0000003c 0009 0001 0005 c000020101",
         .badSVCParams),
        ("DELEG server-name not a name", "0001 8100 0000 0001 0000 0000 00 f000 0001 0000003c 0006 0003 0002 0561", .badSVCParams),
        ("section count over limit", "0001 8100 0000 ffff 0000 0000", .tooManyRecords),
    ]

    func testCorpus() {
        for (label, hex, expected) in Self.corpus {
            let bytes = hexBytes(hex)
            assertWireError(expected, { () throws(WireError) in try fullParse(bytes) }, label)
            // The rebuild path must reject it the same way.
            do {
                _ = try rebuild(bytes)
                XCTFail("rebuild accepted: \(label)")
            } catch {
                if case .wire(let wire) = error { XCTAssertEqual(wire, expected, "rebuild: \(label)") }
                else { XCTFail("rebuild: \(label): \(error)") }
            }
        }
    }

    func testPointerChainLimit() {
        // A name, then 40 questions each a pointer to the previous pointer.
        var bytes = hexBytes("0001 0100 0029 0000 0000 0000 01 61 00 0001 0001")
        var previous = 12
        for _ in 0..<40 {
            let here = bytes.count
            bytes += [0xC0 | UInt8(previous >> 8), UInt8(previous & 0xFF), 0, 1, 0, 1]
            previous = here
        }
        assertWireError(.tooManyPointers) { () throws(WireError) in try fullParse(bytes) }
    }
}
