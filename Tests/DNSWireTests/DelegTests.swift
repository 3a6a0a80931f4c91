import DNSWire
import XCTest

/// DELEG and DELEGPARAM RDATA (draft-ietf-deleg-12): the Appendix B test
/// vectors both ways, the Appendix A.7 failure cases, and the per-record
/// verdicts of §5.1.2 steps 1–4.
final class DelegTests: XCTestCase {
    /// Appendix B: presentation forms and their wire bytes.
    static let vectors: [(String, String)] = [
        // Figure 1 (both spellings).
        ("mandatory=server-ipv4 server-ipv4=192.0.2.1,192.0.2.2", "0000 0002 0001 0001 0008 c0000201 c0000202"),
        ("key0=\\000\\001 key1=\\192\\000\\002\\001\\192\\000\\002\\002", "0000 0002 0001 0001 0008 c0000201 c0000202"),
        // Figure 2: a quoted list.
        ("server-ipv6=\"2001:db8::1,2001:db8::53:1\"",
         "0002 0020 20010db8000000000000000000000001 20010db8000000000000000000530001"),
        // Figure 3: case is kept, quoted or not.
        ("server-name=NS2.EXAMPLE.NET.,ns3.example.org.",
         "0003 0022 034e5332074558414d504c45034e455400 036e7333076578616d706c65036f726700"),
        ("server-name=\"NS2.EXAMPLE.NET.,ns3.example.org.\"",
         "0003 0022 034e5332074558414d504c45034e455400 036e7333076578616d706c65036f726700"),
        // Figure 4.
        ("include-delegparam=param.example.net.", "0004 0013 05706172616d076578616d706c65036e657400"),
    ]

    func testAppendixBVectorsParse() throws {
        for (text, hex) in Self.vectors {
            XCTAssertEqual(try RDataText.parse(type: .deleg, text: text), hexBytes(hex), text)
            XCTAssertEqual(try RDataText.parse(type: .delegparam, text: text), hexBytes(hex), "DELEGPARAM " + text)
        }
    }

    func testAppendixBVectorsPrint() throws {
        XCTAssertEqual(try RDataText.format(type: .deleg, rdata: hexBytes(Self.vectors[0].1)),
                       "mandatory=server-ipv4 server-ipv4=192.0.2.1,192.0.2.2")
        XCTAssertEqual(try RDataText.format(type: .deleg, rdata: hexBytes(Self.vectors[2].1)),
                       "server-ipv6=2001:db8::1,2001:db8::53:1")
        XCTAssertEqual(try RDataText.format(type: .deleg, rdata: hexBytes(Self.vectors[3].1)),
                       "server-name=NS2.EXAMPLE.NET.,ns3.example.org.")
        XCTAssertEqual(try RDataText.format(type: .delegparam, rdata: hexBytes(Self.vectors[5].1)),
                       "include-delegparam=param.example.net.")
        // Generic RFC 3597 form, as an unaware server serves it (TYPE61440 \# 18 ...).
        XCTAssertEqual(try RDataText.parse(type: .deleg, text: "\\# 18 0000000200010001 0008c0000201c0000202"),
                       hexBytes(Self.vectors[0].1))
    }

    /// Unknown keys are kept, in order, through text and wire (§3.1, RFC 9460 §2.1).
    func testUnknownKeysKept() throws {
        let text = "server-ipv4=192.0.2.1 key65280=\" !%\" key65281=\"char-string with whitespace\""
        let wire = try RDataText.parse(type: .deleg, text: text)
        XCTAssertEqual(try RDataText.format(type: .deleg, rdata: wire), text)
        XCTAssertEqual(Self.use(wire, "example."), .addresses)
    }

    func testTypeCodes() {
        XCTAssertEqual(RRType.deleg.rawValue, 61440)       // deleg-12 §8.1
        XCTAssertEqual(RRType.delegparam.rawValue, 65433)  // temporary value, outside 61440-61951
        XCTAssertFalse((61440...61951).contains(Int(RRType.delegparam.rawValue)))
        XCTAssertEqual(RRType(mnemonic: "DELEGPARAM"), .delegparam)
    }

    /// Appendix A.7 and the records of §5.1.2 that must not be used.
    func testRecordVerdicts() throws {
        let cases: [(String, String, DelegRecordUse)] = [
            ("test.", "server-ipv6=3fff::33", .addresses),
            ("example.", "server-ipv4=192.0.2.1 server-ipv6=2001:db8::1", .addresses),
            ("example.", "server-name=ns2.example.net.,ns3.example.org.", .serverNames),
            ("test.", "include-delegparam=Acfg.example.org.,cname.example.org.", .includes),
            ("example.", "mandatory=server-ipv4 server-ipv4=192.0.2.1,192.0.2.2", .addresses),
            // Syntactically valid, no §3.4 key: adds nothing.
            ("00.invalid.", "\\# 0", .nothing),
            ("01.invalid.", "key65280=\\032\\037\\041\\045", .nothing),
            ("02.invalid.", "key65281=\"char-string with whitespace\"", .nothing),
            // Disallowed combinations.
            ("k1.invalid.", "server-name=ns1.test. include-delegparam=i2.test.", .unusable(.mixedServerKeys)),
            ("k2.invalid.", "server-ipv4=192.0.2.1 server-name=ns1.test.", .unusable(.mixedServerKeys)),
            ("k3.invalid.", "server-ipv6=3fff::2 include-delegparam=i2.test.", .unusable(.mixedServerKeys)),
            // A mandatory key this build does not know, or that is absent.
            ("m1.invalid.", "mandatory=key65534", .unusable(.mandatoryKeyMissing)),
            ("m3.invalid.", "mandatory=server-ipv6 server-ipv4=192.0.2.1", .unusable(.mandatoryKeyMissing)),
            ("m4.invalid.", "mandatory=key65280 server-ipv4=192.0.2.1 key65280=x", .unusable(.mandatoryKeyMissing)),
            // Self-references (names at or under the delegated name).
            ("1p.invalid.", "include-delegparam=1p.invalid.,sub.params.1p.invalid.", .unusable(.nameInsideDelegation)),
            ("2n.invalid.", "server-name=ns1.2n.invalid.,ns2.sub.2n.invalid.", .unusable(.nameInsideDelegation)),
            ("2n.invalid.", "server-name=ns.example.,ns1.2N.INVALID.", .unusable(.nameInsideDelegation)),
        ]
        for (owner, text, expected) in cases {
            let wire = try RDataText.parse(type: .deleg, text: text)
            XCTAssertEqual(Self.use(wire, owner), expected, "\(owner) DELEG \(text)")
        }
    }

    /// Records not allowed in zone files but that may come on the wire
    /// (A.7: "mandatory" without value, the "invalid" key): rejected as
    /// text; on the wire no crash and no use.
    func testWireOnlyFailures() throws {
        XCTAssertThrowsError(try RDataText.parse(type: .deleg, text: "mandatory"))
        XCTAssertThrowsError(try RDataText.parse(type: .deleg, text: "invalid"))
        XCTAssertThrowsError(try RDataText.parse(type: .deleg, text: "server-ipv4=192.0.2.1 server-ipv4=192.0.2.2"))
        XCTAssertThrowsError(try RDataText.parse(type: .deleg, text: "server-ipv4=2001:db8::1"))
        XCTAssertThrowsError(try RDataText.parse(type: .deleg, text: "server-ipv6=192.0.2.1"))
        XCTAssertEqual(Self.use(hexBytes("0000 0000"), "x."), .unusable(.malformed))          // empty mandatory
        XCTAssertEqual(Self.use(hexBytes("0000 0002 0000 0001 0004 c0000201"), "x."),
                       .unusable(.mandatoryKeyMissing))                                        // mandatory lists itself
        XCTAssertEqual(Self.use(hexBytes("0001 0004 c0000201 0001 0004 c0000202"), "x."), .unusable(.malformed))
        XCTAssertEqual(Self.use(hexBytes("0001 0008 c0000201"), "x."), .unusable(.malformed))  // length past end
        XCTAssertEqual(Self.use(hexBytes("0001 00"), "x."), .unusable(.malformed))
        XCTAssertEqual(Self.use(hexBytes("0003 0002 0561"), "x."), .unusable(.malformed))     // not a name
        XCTAssertEqual(Self.use(hexBytes("0003 0000"), "x."), .unusable(.malformed))          // empty server-name
    }

    func testAddressesAndNamesWalk() throws {
        let wire = try RDataText.parse(type: .deleg, text: "server-ipv4=192.0.2.1 server-ipv6=2001:db8::1,3fff::2")
        var seen: [[UInt8]] = []
        wire.withUnsafeBytes { raw in DelegInfo.forEachAddress(in: raw) { seen.append(Array($0)) } }
        XCTAssertEqual(seen, [hexBytes("c0000201"), hexBytes("20010db8000000000000000000000001"),
                              hexBytes("3fff0000000000000000000000000002")])
        let names = try RDataText.parse(type: .deleg, text: "server-name=ns2.example.net.,ns3.example.org.")
        var found: [Name] = []
        names.withUnsafeBytes { raw in DelegInfo.forEachName(in: raw, key: 3) { found.append($0) } }
        XCTAssertEqual(found, [dn("ns2.example.net."), dn("ns3.example.org.")])
    }

    /// Random bytes never crash the verdict or the walks.
    func testArbitraryBytesAreSafe() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let count = Int(state >> 58)
            var bytes: [UInt8] = []
            for i in 0..<count { bytes.append(UInt8(truncatingIfNeeded: (state >> UInt64(i % 56)) ^ UInt64(i))) }
            bytes.withUnsafeBytes { raw in
                _ = DelegInfo.use(of: raw, delegatedName: dn("example."))
                DelegInfo.forEachAddress(in: raw) { _ in }
                DelegInfo.forEachName(in: raw, key: 3) { _ in }
            }
        }
    }

    static func use(_ wire: [UInt8], _ owner: String) -> DelegRecordUse {
        wire.withUnsafeBytes { DelegInfo.use(of: $0, delegatedName: dn(owner)) }
    }
}
