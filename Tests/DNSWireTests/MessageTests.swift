import DNSWire
import XCTest

/// A response in the shape dig shows for "www.example.com A" with a CNAME,
/// compression in owners and RDATA, an NS in authority, and OPT (DO, cookie).
let sampleResponse = hexBytes("""
beef 8180 0001 0002 0001 0001                ; id, QR RD RA, counts 1/2/1/1
03777777 076578616d706c65 03636f6d 00 0001 0001 ; www.example.com. A IN
c00c 0005 0001 00000e10 0006 03776562 c010   ; CNAME web.example.com.
c02d 0001 0001 0000012c 0004 5db8d70e        ; web.example.com. A 93.184.215.14
c010 0002 0001 00015180 0014 0161 0c69616e612d73657276657273 036e6574 00 ; NS a.iana-servers.net.
00 0029 04d0 00008000 001c                   ; OPT 1232, DO
000a 0018 0102030405060708 0100000065a1b2c3d4e5f60718293a4b ; COOKIE
""")

final class MessageTests: XCTestCase {
    func testParseResponse() throws {
        try sampleResponse.withUnsafeBytes { message in
            var reader = try MessageReader(message)
            let header = reader.header
            XCTAssertEqual(header.id, 0xBEEF)
            XCTAssertTrue(header.qr)
            XCTAssertTrue(header.rd)
            XCTAssertTrue(header.ra)
            XCTAssertFalse(header.aa)
            XCTAssertFalse(header.tc)
            XCTAssertEqual(header.opcode, .query)
            XCTAssertEqual(header.rcode, .noError)
            XCTAssertEqual(header.answerCount, 2)
            let question = try XCTUnwrap(try reader.nextQuestion())
            XCTAssertEqual(question, Question(name: dn("www.example.com."), type: .a, rrClass: .in))
            XCTAssertNil(try reader.nextQuestion())

            let cname = try XCTUnwrap(try reader.nextRecord())
            XCTAssertEqual(cname.section, .answer)
            XCTAssertEqual(cname.type, .cname)
            XCTAssertEqual(cname.ttlSeconds, 3600)
            XCTAssertEqual(try cname.owner(in: message), dn("www.example.com."))
            XCTAssertEqual(try cname.targetName(in: message), dn("web.example.com."))

            let a = try XCTUnwrap(try reader.nextRecord())
            XCTAssertEqual(try a.owner(in: message), dn("web.example.com."))
            XCTAssertEqual(Array(a.rdata(in: message)), [93, 184, 215, 14])

            let ns = try XCTUnwrap(try reader.nextRecord())
            XCTAssertEqual(ns.section, .authority)
            XCTAssertEqual(try ns.targetName(in: message), dn("a.iana-servers.net."))

            let opt = try XCTUnwrap(try reader.nextRecord())
            XCTAssertEqual(opt.section, .additional)
            XCTAssertNil(try reader.nextRecord())
            XCTAssertEqual(reader.opt, opt)
            XCTAssertEqual(reader.offset, message.count)

            let edns = try EDNS(opt, in: message)
            XCTAssertEqual(edns.udpPayloadSize, 1232)
            XCTAssertTrue(edns.dnssecOK)
            XCTAssertEqual(edns.version, 0)
            XCTAssertEqual(edns.rcode(header: header), .noError)
            var options = edns.options(in: message)
            let cookieOption = try XCTUnwrap(try options.next())
            XCTAssertEqual(cookieOption.code, .cookie)
            let cookie = try Cookie(cookieOption, in: message)
            XCTAssertEqual(cookie.client, 0x0102_0304_0506_0708)
            XCTAssertEqual(cookie.serverByteCount, 16)
            XCTAssertEqual(cookie.server[0], 0x01)
            XCTAssertNil(try options.next())
        }
    }

    func testHeaderBits() {
        var h = Header()
        h.qr = true; h.opcode = .notify; h.aa = true; h.tc = true; h.rd = true
        h.ra = true; h.ad = true; h.cd = true; h.rcode = .refused
        XCTAssertEqual(h.flags, 0b1_0100_1_1_1_1_0_1_1_0101)
        XCTAssertEqual(h.opcode, .notify)
        h.aa = false; h.rcode = .nxDomain
        XCTAssertFalse(h.aa)
        XCTAssertEqual(h.rcode, .nxDomain)
        XCTAssertEqual(h.opcode, .notify)
        XCTAssertEqual(h.extendedRCode(optHighBits: 1), RCode(16 | 3))
    }

    /// The builder reproduces the sample response byte for byte from its
    /// parsed contents (same compression choices as the original server).
    func testBuildSampleResponseExactly() throws {
        let built = try buildMessage(header: Header(id: 0xBEEF, flags: 0x8180)) { b in
            try b.addQuestion(dn("www.example.com."), type: .a, rrClass: .in)
            try b.addRecord(.answer, owner: dn("www.example.com."), type: .cname, rrClass: .in,
                            ttlSeconds: 3600, rdata: dn("web.example.com.").wireBytes)
            try b.addRecord(.answer, owner: dn("web.example.com."), type: .a, rrClass: .in,
                            ttlSeconds: 300, rdata: [93, 184, 215, 14])
            try b.addRecord(.authority, owner: dn("example.com."), type: .ns, rrClass: .in,
                            ttlSeconds: 86400, rdata: dn("a.iana-servers.net.").wireBytes)
            try b.addOPT(udpPayloadSize: 1232, dnssecOK: true)
            var cookie = Cookie(client: 0x0102_0304_0506_0708)
            cookie.serverByteCount = 16
            for (i, byte) in hexBytes("0100000065a1b2c3d4e5f60718293a4b").enumerated() { cookie.server[i] = byte }
            try b.addCookie(cookie)
        }
        XCTAssertEqual(hexString(built), hexString(sampleResponse))
        XCTAssertEqual(try rebuild(sampleResponse), sampleResponse)
    }

    func testCompressionIsCaseSensitiveAndPreservesCase() throws {
        let built = try buildMessage { b in
            try b.addQuestion(dn("WwW.ExAmple.com."), type: .a, rrClass: .in)
            try b.addRecord(.answer, owner: dn("www.example.com."), type: .a, rrClass: .in,
                            ttlSeconds: 1, rdata: [1, 2, 3, 4])
        }
        try built.withUnsafeBytes { message in
            var reader = try MessageReader(message)
            XCTAssertEqual(try reader.nextQuestion()?.name.text, "WwW.ExAmple.com.")
            let record = try XCTUnwrap(try reader.nextRecord())
            XCTAssertEqual(try record.owner(in: message).text, "www.example.com.")
            // "com." is shared exactly: owner = "www" "example" + pointer to com.
            XCTAssertEqual(record.rdataOffset - record.ownerOffset, 3 + 1 + 7 + 1 + 2 + 10)
        }
    }

    func testNoSpaceLeavesConsistentMessage() throws {
        var buffer = [UInt8](repeating: 0, count: 100)
        var lastGood = 0
        var refusals = 0
        try buffer.withUnsafeMutableBytes { raw in
            var b = try MessageBuilder(buffer: raw, header: Header(id: 7, flags: 0x8180))
            try b.addQuestion(dn("big.example."), type: .txt, rrClass: .in)
            for i in 0..<10 {
                do {
                    try b.addRecord(.answer, owner: dn("big.example."), type: .txt, rrClass: .in,
                                    ttlSeconds: 60, rdata: [10] + Array(repeating: UInt8(0x30 + i), count: 10))
                    lastGood = b.byteCount
                } catch BuildError.noSpace {
                    refusals += 1
                    b.setTruncated()
                    XCTAssertEqual(b.byteCount, lastGood, "a refused record leaves no bytes behind")
                }
            }
            XCTAssertEqual(b.header.answerCount, 3)
            lastGood = b.byteCount
        }
        XCTAssertEqual(refusals, 7)
        let message = Array(buffer[0..<lastGood])
        XCTAssertNoThrow(try fullParse(message))
        message.withUnsafeBytes { raw in
            let header = try! Header(from: raw)
            XCTAssertTrue(header.tc)
            XCTAssertEqual(header.answerCount, 3)
        }
    }

    func testSetMaxByteCountLimitsSize() throws {
        var buffer = [UInt8](repeating: 0, count: 4096)
        try buffer.withUnsafeMutableBytes { raw in
            var b = try MessageBuilder(buffer: raw, header: Header())
            b.setMaxByteCount(512)
            try b.addQuestion(dn("x."), type: .a, rrClass: .in)
            var added = 0
            while added < 1000 {
                do {
                    try b.addRecord(.answer, owner: dn("x."), type: .a, rrClass: .in, ttlSeconds: 1, rdata: [1, 2, 3, 4])
                    added += 1
                } catch { break }
            }
            XCTAssertLessThanOrEqual(b.byteCount, 512)
            XCTAssertGreaterThan(b.byteCount, 512 - 16)
            XCTAssertEqual(Int(b.header.answerCount), added)
        }
    }

    func testOrderingErrors() throws {
        var buffer = [UInt8](repeating: 0, count: 512)
        try buffer.withUnsafeMutableBytes { raw in
            var b = try MessageBuilder(buffer: raw, header: Header())
            try b.addRecord(.authority, owner: .root, type: .a, rrClass: .in, ttlSeconds: 0, rdata: [1, 2, 3, 4])
            XCTAssertThrowsError(try b.addRecord(.answer, owner: .root, type: .a, rrClass: .in, ttlSeconds: 0, rdata: [1, 2, 3, 4]))
            XCTAssertThrowsError(try b.addQuestion(.root, type: .a, rrClass: .in))
            XCTAssertThrowsError(try b.addExtendedError(.other))   // no OPT yet
            try b.addOPT(udpPayloadSize: 1232)
            XCTAssertThrowsError(try b.addOPT(udpPayloadSize: 1232)) { XCTAssertEqual($0 as? BuildError, .duplicateOPT) }
            // Bad RDATA for a type the builder parses (NS needs one name).
            XCTAssertThrowsError(try b.addRecord(.additional, owner: .root, type: .ns, rrClass: .in, ttlSeconds: 0, rdata: [1, 2]))
        }
    }

    func testEDNSOptionsBuildAndParse() throws {
        let built = try buildMessage { b in
            try b.addQuestion(dn("example.com."), type: .aaaa, rrClass: .in)
            b.setRCode(.badVers)
            try b.addOPT(udpPayloadSize: 1232, dnssecOK: true)
            try b.addExtendedError(.staleAnswer, text: "served stale")
            try b.addReportChannel(dn("agent.example.net."))
            try b.addOption(EDNSOptionCode(65001), value: UnsafeRawBufferPointer(start: nil, count: 0))
            try b.addPadding(blockByteCount: 468)
        }
        XCTAssertEqual(built.count, 468, "padded to one block")
        try built.withUnsafeBytes { message in
            var reader = try MessageReader(message)
            try reader.skipToEnd()
            let opt = try XCTUnwrap(reader.opt)
            let edns = try EDNS(opt, in: message)
            XCTAssertEqual(edns.rcode(header: reader.header), .badVers)
            XCTAssertEqual(reader.header.rcode, .noError, "low bits of 16 are 0")
            XCTAssertTrue(edns.dnssecOK)
            var options = edns.options(in: message)
            let ede = try ExtendedError(try XCTUnwrap(try options.next()), in: message)
            XCTAssertEqual(ede.code, .staleAnswer)
            XCTAssertEqual(String(decoding: message[ede.textOffset..<(ede.textOffset + ede.textLength)], as: UTF8.self), "served stale")
            let report = try ReportChannel(try XCTUnwrap(try options.next()), in: message)
            XCTAssertEqual(report.agentDomain, dn("agent.example.net."))
            let unknown = try XCTUnwrap(try options.next())
            XCTAssertEqual(unknown.code.rawValue, 65001)
            XCTAssertEqual(unknown.valueLength, 0)
            let padding = try XCTUnwrap(try options.next())
            XCTAssertEqual(padding.code, .padding)
            XCTAssertTrue(message[padding.valueOffset..<(padding.valueOffset + padding.valueLength)].allSatisfy { $0 == 0 })
            XCTAssertNil(try options.next())
        }
    }

    func testCookieLengthRules() throws {
        for (length, ok) in [(8, true), (16, true), (40, true), (12, false), (41, false), (0, false)] {
            let value = [UInt8](repeating: 1, count: length)
            let bytes: [UInt8] = [0, 10, 0, UInt8(length)] + value
            bytes.withUnsafeBytes { raw in
                let option = EDNSOption(code: .cookie, valueOffset: 4, valueLength: length)
                XCTAssertEqual((try? Cookie(option, in: raw)) != nil, ok, "cookie length \(length)")
            }
        }
    }

    func testCanonicalCopy() throws {
        // MX with a compressed, mixed-case exchange; NSEC with mixed case.
        let built = try buildMessage { b in
            try b.addQuestion(dn("Example.COM."), type: .mx, rrClass: .in)
            try b.addRecord(.answer, owner: dn("Example.COM."), type: .mx, rrClass: .in, ttlSeconds: 1,
                            rdata: [0, 10] + dn("Mail.Example.COM.").wireBytes)
            try b.addRecord(.answer, owner: dn("Example.COM."), type: .nsec, rrClass: .in, ttlSeconds: 1,
                            rdata: dn("ZZ.Example.COM.").wireBytes + [0, 1, 0x40])
            try b.addRecord(.answer, owner: dn("Example.COM."), type: RRType(65280), rrClass: .in, ttlSeconds: 1,
                            rdata: [0xC0, 0x0C, 0x41])
        }
        try built.withUnsafeBytes { message in
            var reader = try MessageReader(message)
            var out = [UInt8](repeating: 0, count: 512)
            let mx = try XCTUnwrap(try reader.nextRecord())
            XCTAssertLessThan(mx.rdataLength, 2 + 18, "exchange was compressed")
            try out.withUnsafeMutableBytes { raw in
                let n = try RData.copyCanonical(mx, from: message, into: raw, lowercaseNames: true)
                XCTAssertEqual(Array(raw[0..<n]), [0, 10] + dn("mail.example.com.").wireBytes)
                let kept = try RData.copyCanonical(mx, from: message, into: raw, lowercaseNames: false)
                XCTAssertEqual(try Name(wire: Array(raw[2..<kept])).text, "Mail.Example.COM.")
            }
            XCTAssertEqual(try MXData(mx, in: message).exchange.text, "Mail.Example.COM.")
            let nsec = try XCTUnwrap(try reader.nextRecord())
            try out.withUnsafeMutableBytes { raw in
                let n = try RData.copyCanonical(nsec, from: message, into: raw, lowercaseNames: true)
                XCTAssertEqual(try Name(wire: Array(raw[0..<(n - 3)])).text, "ZZ.Example.COM.", "RFC 6840 §5.1: NSEC keeps case")
            }
            let data = try NSECData(nsec, in: message)
            XCTAssertTrue(data.hasType(.a, in: message))
            XCTAssertFalse(data.hasType(.ns, in: message))
            let unknown = try XCTUnwrap(try reader.nextRecord())
            try out.withUnsafeMutableBytes { raw in
                let n = try RData.copyCanonical(unknown, from: message, into: raw, lowercaseNames: true)
                XCTAssertEqual(Array(raw[0..<n]), [0xC0, 0x0C, 0x41], "RFC 3597: opaque, verbatim")
                // Output too small is an error, not a crash.
                let tiny = UnsafeMutableRawBufferPointer(rebasing: raw[0..<1])
                XCTAssertThrowsError(try RData.copyCanonical(unknown, from: message, into: tiny, lowercaseNames: false))
            }
        }
    }

    func testTypedViews() throws {
        let soa = try TextRecord(parsing: "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300")
        let srv = try TextRecord(parsing: "_sip._udp.example.com. 60 IN SRV 10 20 5060 sip.example.com.")
        let rrsig = try TextRecord(parsing: "example.com. 60 IN RRSIG A 13 2 60 20240201000000 20240101000000 12345 example.com. AAAA")
        let built = try buildMessage { b in
            for r in [soa, srv, rrsig] {
                try b.addRecord(.answer, owner: r.owner, type: r.type, rrClass: r.rrClass, ttlSeconds: r.ttlSeconds, rdata: r.rdata)
            }
        }
        try built.withUnsafeBytes { message in
            var reader = try MessageReader(message)
            let s = try SOAData(try XCTUnwrap(try reader.nextRecord()), in: message)
            XCTAssertEqual(s.primaryServer, dn("ns1.example.com."))
            XCTAssertEqual(s.responsibleMailbox, dn("hostmaster.example.com."))
            XCTAssertEqual(s.serial, 2_024_010_101)
            XCTAssertEqual(s.minimumSeconds, 300)
            let v = try SRVData(try XCTUnwrap(try reader.nextRecord()), in: message)
            XCTAssertEqual([v.priority, v.weight, v.port], [10, 20, 5060])
            XCTAssertEqual(v.target, dn("sip.example.com."))
            let g = try RRSIGData(try XCTUnwrap(try reader.nextRecord()), in: message)
            XCTAssertEqual(g.typeCovered, .a)
            XCTAssertEqual(g.algorithm, 13)
            XCTAssertEqual(g.keyTag, 12345)
            XCTAssertEqual(g.signer, dn("example.com."))
            XCTAssertEqual(g.signatureLength, 3)
            XCTAssertEqual(g.expiration, 1_706_745_600)
        }
    }
}
