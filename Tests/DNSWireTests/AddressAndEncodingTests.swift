// IPAddress text (inet_pton's rules in, RFC 5952 out), hex and strict
// base64 (RFC 4648), and the rule that a name's text escapes exactly what
// the writer escapes.
import DNSWire
import Foundation
import XCTest

final class AddressAndEncodingTests: XCTestCase {
    func testIPv6TextIsRFC5952() {
        let cases = [("2001:db8::1", "2001:db8::1"), ("::", "::"), ("::1", "::1"), ("1::", "1::"),
                     ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),      // §4.2.3: the first of equal runs
                     ("::ffff:192.0.2.1", "::ffff:c000:201"),
                     ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"),             // §4.2.2: one zero group stays
                     ("0:0:1:0:0:0:0:0", "0:0:1::"),                     // §4.2.3: the longest run
                     ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1")]  // §4.1: no leading zeros
        for (input, expected) in cases {
            XCTAssertEqual(IPAddress(input)?.text, expected, input)
            XCTAssertEqual(IPAddress(input)?.family, .ipv6, input)
        }
    }

    func testRejectedAddressesAsInetPton() {
        for bad in ["1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1:", "12345::", "::g", "1.2.3.4::", "", ":::",
                    "1:2:3:4:5:6:7::8:9", "1:2:3:4:5:6:7:8::", "fe80::1%eth0", "[::1]"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
        for bad in ["1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1..2.3", "1.2.3.4 ", "::ffff:1.2.3.04", " 1.2.3.4"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
        XCTAssertEqual(IPAddress("0.0.0.0")?.bytes, [0, 0, 0, 0])
        XCTAssertEqual(IPAddress("192.0.2.255")?.text, "192.0.2.255")
        XCTAssertEqual(IPAddress("::ffff:1.2.3.4")?.bytes, [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 1, 2, 3, 4])
    }

    /// Random addresses: written, parsed back; and glibc's inet_pton
    /// agrees on what the text means.
    func testRandomAddressesRoundTripAndMatchInetPton() {
        var random = SeededRandom(seed: testSeed(default: 5952))
        for _ in 0..<2_000 {
            let isV6 = random.next() & 1 == 0
            var bytes = (0..<(isV6 ? 16 : 4)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            // Zero runs exercise "::".
            if isV6 { for i in 0..<16 where random.next() % 3 == 0 { bytes[i] = 0 } }
            guard let address = IPAddress(bytes: bytes) else { return XCTFail("bytes \(bytes)") }
            let text = address.text
            XCTAssertEqual(IPAddress(text)?.bytes, bytes, text)
            var out = [UInt8](repeating: 0, count: 16)
            XCTAssertEqual(inet_pton(isV6 ? AF_INET6 : AF_INET, text, &out), 1, text)
            XCTAssertEqual(Array(out.prefix(bytes.count)), bytes, text)
            if isV6, bytes[..<10].allSatisfy({ $0 == 0 }) == false {
                var buffer = [CChar](repeating: 0, count: 64)
                _ = inet_ntop(AF_INET6, bytes, &buffer, 64)
                XCTAssertEqual(text, String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), "RFC 5952 as glibc writes it")
            }
        }
    }

    func testHexAndBase64() {
        XCTAssertEqual(Hex.encode([0x00, 0xAB, 0x1F]), "00AB1F")
        XCTAssertEqual(Hex.decode(Array("00ab1F".utf8)), [0x00, 0xAB, 0x1F])
        XCTAssertNil(Hex.decode(Array("ABC".utf8)))
        XCTAssertNil(Hex.decode(Array("XY".utf8)))
        XCTAssertEqual(Hex.decode([]), [])
        for (bytes, text) in [([UInt8](), ""), ([0x66], "Zg=="), ([0x66, 0x6F], "Zm8="), ([0x66, 0x6F, 0x6F], "Zm9v")] {
            XCTAssertEqual(Base64.encode(bytes), text)
            XCTAssertEqual(Base64.decode(Array(text.utf8)), bytes, text)
        }
        // RFC 4648 §3.5: unused bits must be zero; '=' only at the end.
        for bad in ["Zh==", "Zm9=", "Zg", "Z===", "Zg==Zg==", "Zm 9", "Zm9v!A=="] {
            XCTAssertNil(Base64.decode(Array(bad.utf8)), bad)
        }
        var random = SeededRandom(seed: testSeed(default: 5952))
        for count in 0..<64 {
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            XCTAssertEqual(Base64.decode(Array(Base64.encode(bytes).utf8)), bytes)
            XCTAssertEqual(Base64.encode(bytes), Data(bytes).base64EncodedString())
        }
    }

    /// A byte the writer escapes must be escaped in the text: the text
    /// `Name.text` gives is the only spelling without optional escapes.
    func testNameTextRefusesUnescapedSpecials() {
        for (text, byte) in [("a@b.", 0x40), ("a$b.", 0x24), ("a;b.", 0x3B), ("a(b.", 0x28), ("a\"b.", 0x22),
                             ("a b.", 0x20), ("a\u{7}b.", 0x07), ("\u{e9}.", 0xC3), ("@", 0x40)] as [(String, UInt8)] {
            XCTAssertThrowsError(try Name(parsing: text), text) {
                XCTAssertEqual($0 as? PresentationError, .badCharacter(byte), text)
            }
        }
        XCTAssertThrowsError(try Name(parsingBytes: [0x61, 0x5C, 0x07])) {   // "\X" with X not printable
            XCTAssertEqual($0 as? PresentationError, .badEscape)
        }
        XCTAssertEqual(try Name(parsing: "a\\@b\\$c\\ d'e+f.").text, "a\\@b\\$c\\032d'e+f.")
        XCTAssertEqual(try Name(parsingBytes: Array("www".utf8)).text, "www.")
        // Every byte of a label survives text → name → text → name.
        for byte in UInt8.min...UInt8.max {
            let name = try! Name(wire: [1, byte, 0])
            XCTAssertEqual(try Name(parsing: name.text).wireBytes, name.wireBytes, name.text)
        }
    }

    func testNameMessages() {
        func message(_ text: String) -> String {
            do { _ = try Name(parsingBytes: Array(text.utf8)); return "" } catch { return error.nameMessage(for: Array(text.utf8)) }
        }
        XCTAssertEqual(message(""), "empty domain name")
        XCTAssertEqual(message("a..b"), "'a..b' has an empty label")
        XCTAssertEqual(message("bad name"), "'bad name' is not a domain name (character  )")
        XCTAssertEqual(message("a\\"), "'a\\x5c' has a bad escape (use \\X or \\DDD)")
        XCTAssertEqual(message(String(repeating: "a", count: 64)), "'\(String(repeating: "a", count: 64))' has a label longer than 63 bytes")
        XCTAssertEqual(message("\u{e9}"), "'\\xc3\\xa9' is not a domain name (character \\xc3)")
    }
}
