import DNSWire
import XCTest

/// Presentation ↔ wire round trips for every supported type, with known
/// wire encodings where an RFC gives one.
final class RDataTextTests: XCTestCase {
    /// (type, presentation as we print it). Each must parse, print back
    /// identically, and survive wire → message → canonical copy → text.
    static let canonicalCases: [(RRType, String)] = [
        (.a, "192.0.2.1"),
        (.aaaa, "2001:db8::53"),
        (.aaaa, "::ffff:192.0.2.1".isEmpty ? "" : "::ffff:c000:201"),
        (.ns, "a.root-servers.net."),
        (.cname, "web.example.com."),
        (.dname, "example.net."),
        (.soa, "a.root-servers.net. nstld.verisign-grs.com. 2024111800 1800 900 604800 86400"),
        (.ptr, "dns.google."),
        (.mx, "10 mail.example.com."),
        (.txt, "\"v=spf1 -all\" \"second \\\"quoted\\\" \\\\ \\010 string\""),
        (.srv, "0 5 5060 sipserver.example.com."),
        (.ds, "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"),
        (.cds, "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"),
        (.dnskey, "257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU="),
        (.cdnskey, "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="),
        (.rrsig, "A 8 2 300 20241201000000 20241101000000 20326 example.com. c2lnbmF0dXJlIGJ5dGVzIGhlcmU="),
        (.nsec, "host.example.com. A MX RRSIG NSEC TYPE1234"),
        (.nsec3, "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG"),
        (.nsec3, "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR"),
        (.nsec3param, "1 0 0 -"),
        (.nsec3param, "1 0 10 AABBCCDD"),
        (.tlsa, "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6"),
        (.svcb, "1 . alpn=\"h2,h3\" port=8443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1"),
        (.https, "1 . alpn=\"h3\" no-default-alpn ech=AEn+DQBFKwAgACABWIHUGj4u+PIggYXcR5JF0gYk3dCRioBW8uJq9H4mKAAIAAEAAQABAANAEnB1YmxpYy50bHMtZWNoLmRldgAA"),
        (.https, "0 svc.example.net."),
        (.svcb, "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1 key65000=\"opaque\""),
        (.deleg, "server-ipv4=192.0.2.53 server-name=ns1.example.org.,ns2.example.org."),
        (.deleg, "mandatory=server-ipv6 server-ipv6=2001:db8::53 include-delegparam=config.example.org."),
        (.delegparam, "server-ipv4=192.0.2.1,198.51.100.1 server-ipv6=2001:db8::1"),
        (RRType(65534), "\\# 3 010203"),
        (RRType(65534), "\\# 0"),
    ]

    func testEveryTypeRoundTripsThroughTextAndWire() throws {
        for (type, text) in Self.canonicalCases {
            let wire = try RDataText.parse(type: type, text: text)
            XCTAssertEqual(try RDataText.format(type: type, rdata: wire), text, "\(type.mnemonic)")
            // Through a message (with compression) and back out.
            let message = try buildMessage { b in
                try b.addQuestion(dn("example.com."), type: type, rrClass: .in)
                try b.addRecord(.answer, owner: dn("example.com."), type: type, rrClass: .in, ttlSeconds: 60, rdata: wire)
            }
            try message.withUnsafeBytes { raw in
                var reader = try MessageReader(raw)
                let record = try XCTUnwrap(try reader.nextRecord())
                var out = [UInt8](repeating: 0, count: 2048)
                let count = try out.withUnsafeMutableBytes { try RData.copyCanonical(record, from: raw, into: $0, lowercaseNames: false) }
                XCTAssertEqual(Array(out[0..<count]), wire, "\(type.mnemonic) via message")
            }
            // And the generic RFC 3597 form of the same bytes parses to the same wire.
            let generic = wire.withUnsafeBytes { RDataText.unknownForm($0) }
            XCTAssertEqual(try RDataText.parse(type: type, text: generic), wire, "\(type.mnemonic) \\# form")
        }
    }

    func testKnownEncodings() throws {
        XCTAssertEqual(try RDataText.parse(type: .a, text: "192.0.2.1"), [192, 0, 2, 1])
        XCTAssertEqual(try RDataText.parse(type: .aaaa, text: "2001:db8::1"), hexBytes("20010db8000000000000000000000001"))
        // Root KSK-2017 DS (IANA root-anchors.xml).
        XCTAssertEqual(try RDataText.parse(type: .ds, text: "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"),
                       hexBytes("4f66 08 02 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"))
        // RFC 9460 Appendix D test vectors.
        XCTAssertEqual(try RDataText.parse(type: .https, text: "0 foo.example.com."),
                       hexBytes("0000 03666f6f 076578616d706c65 03636f6d 00"))
        XCTAssertEqual(try RDataText.parse(type: .svcb, text: "1 . port=53"), hexBytes("0001 00 0003 0002 0035"))
        XCTAssertEqual(try RDataText.parse(type: .svcb, text: "1 foo.example.com. key667=hello"),
                       hexBytes("0001 03666f6f076578616d706c6503636f6d00 029b 0005 68656c6c6f"))
        XCTAssertEqual(try RDataText.parse(type: .svcb, text: "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1"),
                       hexBytes("0001 03666f6f076578616d706c6503636f6d00 0006 0020 20010db8000000000000000000000001 20010db8000000000000000000530001"))
        XCTAssertEqual(try RDataText.parse(type: .svcb, text: "16 foo.example.org. (alpn=h2,h3-19 mandatory=ipv4hint,alpn\n ipv4hint=192.0.2.1)"),
                       hexBytes("""
                       0010 03666f6f076578616d706c65036f726700
                       0000 0004 0001 0004
                       0001 0009 026832 0568332d3139
                       0004 0004 c0000201
                       """))
        // RFC 9460 D.2: a comma inside an alpn value.
        XCTAssertEqual(try RDataText.parse(type: .svcb, text: "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\""),
                       hexBytes("0010 03666f6f076578616d706c65036f726700 0001 000c 08 665c6f6f2c626172 026832"))
        // RFC 5155 Appendix A: NSEC3PARAM "1 0 12 aabbccdd".
        XCTAssertEqual(try RDataText.parse(type: .nsec3param, text: "1 0 12 aabbccdd"), hexBytes("01 00 000c 04 aabbccdd"))
        // NSEC bitmap for "A MX RRSIG NSEC TYPE1234" (RFC 4034 §4.3 style).
        XCTAssertEqual(try RDataText.parse(type: .nsec, text: ". A MX RRSIG NSEC TYPE1234"),
                       hexBytes("00 0006 40010000 0003 04 1b 0000000000000000000000000000000000000000000000000000 20"))
        // RRSIG times are UTC YYYYMMDDHHmmSS.
        let rrsig = try RDataText.parse(type: .rrsig, text: "A 8 2 300 20240201000000 19700101000001 1 . AA==")
        XCTAssertEqual(Array(rrsig[8..<16]), hexBytes("65badf00 00000001"))
    }

    func testTextRecordLines() throws {
        let record = try TextRecord(parsing: "www  1h  IN  AAAA  2001:DB8:0:0::1 ; comment", origin: dn("example.com."))
        XCTAssertEqual(record.owner, dn("www.example.com."))
        XCTAssertEqual(record.ttlSeconds, 3600)
        XCTAssertEqual(record.type, .aaaa)
        XCTAssertEqual(record.text, "www.example.com. 3600 IN AAAA 2001:db8::1")
        let unknown = try TextRecord(parsing: "x.example. CLASS32 TYPE731 \\# 6 abcd ef012345")
        XCTAssertEqual(unknown.rrClass.rawValue, 32)
        XCTAssertEqual(unknown.type.rawValue, 731)
        XCTAssertEqual(unknown.text, "x.example. 3600 CLASS32 TYPE731 \\# 6 ABCDEF012345")
        let multiLine = try TextRecord(parsing: "example.com. 86400 IN SOA ns. host. (\n 1 ; serial\n 2 3 4 5 )")
        XCTAssertEqual(try RDataText.format(type: .soa, rdata: multiLine.rdata), "ns. host. 1 2 3 4 5")
        XCTAssertEqual(RRType(mnemonic: "nsec3param"), .nsec3param)
        XCTAssertEqual(RRType(mnemonic: "TYPE61440"), .deleg)
        XCTAssertEqual(RRType.delegparam.mnemonic, "DELEGPARAM")
        XCTAssertEqual(RRType(4321).mnemonic, "TYPE4321")
        XCTAssertEqual(RRClass(mnemonic: "CLASS255"), .any)
    }

    func testRejectedPresentation() {
        let bad: [(RRType, String, PresentationError)] = [
            (.a, "192.0.2", .badAddress),
            (.a, "192.0.2.256", .badAddress),
            (.aaaa, "2001:db8:::1", .badAddress),
            (.mx, "10", .missingField),
            (.mx, "10 mx. extra", .extraField),
            (.mx, "70000 mx.", .badNumber),
            (.ds, "1 8 2 XYZ", .badHex),
            (.dnskey, "257 3 8 !!!!", .badBase64),
            (.nsec, "next. A BOGUS", .badTypeBitmap),
            (.svcb, "1 . port=99999", .badSVCParam),
            (.svcb, "1 . port=1 port=2", .badSVCParam),
            (.svcb, "1 . no-default-alpn=x", .badSVCParam),
            (.svcb, "1 . frob=1", .badSVCParam),
            (.txt, "\"unterminated", .badCharacterString),
            (RRType(65534), "\\# 4 0102", .badUnknownRData),
            (RRType(65534), "plain text", .badUnknownRData),
            (.rrsig, "A 8 2 300 20241301000000 20241101000000 1 . AA==", .badTime),
        ]
        for (type, text, expected) in bad {
            XCTAssertThrowsError(try RDataText.parse(type: type, text: text), "\(type.mnemonic) \(text)") {
                XCTAssertEqual($0 as? PresentationError, expected, "\(type.mnemonic) \(text)")
            }
        }
        // \# for a known type must still satisfy its schema.
        XCTAssertThrowsError(try RDataText.parse(type: .a, text: "\\# 3 010203"))
    }

    func testBase32HexAndNSEC3Hash() throws {
        // RFC 5155 Appendix A: H(example) = 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.
        let wire = try RDataText.parse(type: .nsec3, text: "1 1 12 aabbccdd 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NS SOA MX RRSIG DNSKEY NSEC3PARAM")
        XCTAssertEqual(wire[9], 20, "20-byte SHA-1 hash")
        XCTAssertEqual(try RDataText.format(type: .nsec3, rdata: wire),
                       "1 1 12 AABBCCDD 0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM NS SOA MX RRSIG DNSKEY NSEC3PARAM")
    }
}
