import XCTest
import DNSWire
import Fixed
@testable import LocalData

/// What LocalData answers, record by record: RFC 6761 special-use names,
/// RFC 6303 locally served zones, RFC 8375 home.arpa and the local domain.
final class SpecialUseNameTests: XCTestCase {
    struct Answer {
        var rcode: RCode
        var answers: [(owner: String, type: RRType, ttl: UInt32, rdata: [UInt8])] = []
        var authority: [(owner: String, type: RRType, ttl: UInt32, rdata: [UInt8])] = []
    }

    static func data(localDomain: String? = nil) -> LocalData {
        let arena = Arena(rows: LocalData.footprint())
        return LocalData(localDomain: localDomain.map { try! Name(parsing: $0) }, arena: arena)
    }

    static func question(_ name: String, _ type: RRType) -> Question {
        Question(name: try! Name(parsing: name), type: type, rrClass: .in)
    }

    /// nil when the question is not local.
    static func ask(_ local: LocalData, _ name: String, _ type: RRType) -> Answer? {
        let q = question(name, type)
        guard let m = local.match(q) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 1232)
        return buffer.withUnsafeMutableBytes { raw in
            var b = try! MessageBuilder(buffer: raw, header: Header(id: 1))
            try! b.addQuestion(q.name, type: q.type, rrClass: q.rrClass)
            let rcode = try! local.write(m, q, into: &b)
            let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<b.byteCount])
            var reader = try! MessageReader(bytes)
            var out = Answer(rcode: rcode)
            _ = try! reader.nextQuestion()
            var rdata = [UInt8](repeating: 0, count: 600)
            while let r = try! reader.nextRecord() {
                // Names in RDATA come decompressed (RData.copyCanonical).
                let n = rdata.withUnsafeMutableBytes { try! RData.copyCanonical(r, from: bytes, into: $0, lowercaseNames: false) }
                let entry = (try! r.owner(in: bytes).text, r.type, r.ttlSeconds, Array(rdata[0..<n]))
                if r.section == .answer { out.answers.append(entry) } else { out.authority.append(entry) }
            }
            return out
        }
    }

    let local = SpecialUseNameTests.data(localDomain: "lan.")

    /// RFC 6761 §6.3: localhost. and every name below it are the loopback addresses.
    func testLocalhostIsLoopback() {
        for name in ["localhost.", "LocalHost.", "www.localhost.", "a.b.c.localhost."] {
            let a = SpecialUseNameTests.ask(local, name, .a)!
            XCTAssertEqual(a.rcode, .noError, name)
            XCTAssertEqual(a.answers.map { $0.rdata }, [[127, 0, 0, 1]], name)
            XCTAssertEqual(a.answers.first?.owner.lowercased(), name.lowercased())
            let aaaa = SpecialUseNameTests.ask(local, name, .aaaa)!
            XCTAssertEqual(aaaa.answers.map { $0.rdata }, [[UInt8](repeating: 0, count: 15) + [1]], name)
        }
    }

    /// §6.3: "negative responses for all other query types", with the SOA
    /// (RFC 2308 §2.2 NODATA).
    func testLocalhostOtherTypesAreNoData() {
        let mx = SpecialUseNameTests.ask(local, "mail.localhost.", .mx)!
        XCTAssertEqual(mx.rcode, .noError)
        XCTAssertTrue(mx.answers.isEmpty)
        XCTAssertEqual(mx.authority.map { $0.type }, [.soa])
        XCTAssertEqual(mx.authority.first?.owner, "localhost.")
        let soa = SpecialUseNameTests.ask(local, "localhost.", .soa)!
        XCTAssertEqual(soa.answers.map { $0.type }, [.soa])
        let any = SpecialUseNameTests.ask(local, "localhost.", .any)!
        XCTAssertEqual(Set(any.answers.map { $0.type.rawValue }), Set([RRType.a, .aaaa, .soa, .ns].map { $0.rawValue }))
    }

    /// RFC 6761 §6.4: invalid. and below get NXDOMAIN.
    func testInvalidIsNXDomain() {
        for name in ["invalid.", "x.invalid.", "A.B.INVALID."] {
            let a = SpecialUseNameTests.ask(local, name, .a)!
            XCTAssertEqual(a.rcode, .nxDomain, name)
            XCTAssertTrue(a.answers.isEmpty)
            XCTAssertEqual(a.authority.map { $0.owner }, ["invalid."])
        }
    }

    /// RFC 6303 §3: NXDOMAIN below the apex with the zone's SOA (`@ SOA @
    /// nobody.invalid. 1 3600 1200 604800 10800`), SOA and NS at the apex.
    func testPrivateReverseRangesAreServedLocally() {
        let cases = [("20.1.168.192.in-addr.arpa.", "168.192.in-addr.arpa."),
                     ("1.0.0.10.in-addr.arpa.", "10.in-addr.arpa."),
                     ("5.4.20.172.in-addr.arpa.", "20.172.in-addr.arpa."),
                     ("1.0.64.100.in-addr.arpa.", "64.100.in-addr.arpa."),
                     ("9.9.254.169.in-addr.arpa.", "254.169.in-addr.arpa."),
                     ("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", "d.f.ip6.arpa."),
                     ("x.home.arpa.", "home.arpa.")]
        for (name, zone) in cases {
            let a = SpecialUseNameTests.ask(local, name, .ptr)!
            XCTAssertEqual(a.rcode, .nxDomain, name)
            XCTAssertEqual(a.authority.map { $0.owner }, [zone], name)
            XCTAssertEqual(a.authority.first?.ttl, 10_800)
            let rdata = a.authority.first!.rdata
            let soaMinimum = rdata.suffix(4).reduce(0) { $0 << 8 | UInt32($1) }
            XCTAssertEqual(soaMinimum, 10_800, "RFC 6303 §3 MINIMUM")
            XCTAssertEqual(Array(rdata.prefix(try! Name(parsing: zone).byteCount)), try! Name(parsing: zone).wireBytes,
                           "MNAME is the apex")
            let apex = SpecialUseNameTests.ask(local, zone, .ns)!
            XCTAssertEqual(apex.rcode, .noError)
            XCTAssertEqual(apex.answers.map { $0.type }, [.ns])
            XCTAssertEqual(apex.answers.first?.rdata, try! Name(parsing: zone).wireBytes)
            let nodata = SpecialUseNameTests.ask(local, zone, .a)!
            XCTAssertEqual(nodata.rcode, .noError)
            XCTAssertTrue(nodata.answers.isEmpty)
            XCTAssertEqual(nodata.authority.map { $0.type }, [.soa])
        }
    }

    /// The reverse of 127.0.0.1 and ::1 is localhost. (RFC 6761 §6.3).
    func testLoopbackReverseIsLocalhost() {
        let v4 = SpecialUseNameTests.ask(local, "1.0.0.127.in-addr.arpa.", .ptr)!
        XCTAssertEqual(v4.rcode, .noError)
        XCTAssertEqual(v4.answers.first?.rdata, try! Name(parsing: "localhost.").wireBytes)
        let v6 = SpecialUseNameTests.ask(local, SpecialUseZones.nibbles(count: 32, first: "1"), .ptr)!
        XCTAssertEqual(v6.answers.map { $0.type }, [.ptr])
        XCTAssertEqual(SpecialUseNameTests.ask(local, "1.0.0.127.in-addr.arpa.", .a)!.rcode, .noError, "exists: NODATA")
        XCTAssertEqual(SpecialUseNameTests.ask(local, "2.0.0.127.in-addr.arpa.", .ptr)!.rcode, .nxDomain)
    }

    /// The local domain: authoritative, SOA in negative answers, short TTL.
    func testLocalDomainIsAnsweredWithItsSOA() {
        let a = SpecialUseNameTests.ask(local, "printer.lan.", .a)!
        XCTAssertEqual(a.rcode, .nxDomain)
        XCTAssertEqual(a.authority.map { $0.owner }, ["lan."])
        XCTAssertEqual(a.authority.first?.ttl, LocalTTL.localDomainSeconds)
        XCTAssertEqual(SpecialUseNameTests.ask(local, "lan.", .soa)!.answers.map { $0.type }, [.soa])
        XCTAssertNil(SpecialUseNameTests.ask(SpecialUseNameTests.data(), "printer.lan.", .a), "no local domain configured")
    }

    /// Names that are not local, including look-alikes, go to the resolver.
    func testOtherNamesAreNotLocal() {
        for name in [".", "example.com.", "localhost.example.com.", "invalid.example.", "arpa.", "in-addr.arpa.",
                     "8.8.8.8.in-addr.arpa.", "1.0.32.172.in-addr.arpa.", "1.0.128.100.in-addr.arpa.",
                     "1.0.15.172.in-addr.arpa.", "lan.example.", "xlan.", "homearpa."] {
            XCTAssertNil(SpecialUseNameTests.ask(local, name, .a), name)
        }
    }

    /// A local domain inside a locally served zone takes precedence.
    func testLocalDomainHomeArpa() {
        let local = SpecialUseNameTests.data(localDomain: "home.arpa.")
        XCTAssertEqual(local.match(SpecialUseNameTests.question("pc.home.arpa.", .a))?.zone?.kind, .localDomain)
        XCTAssertEqual(SpecialUseNameTests.ask(local, "pc.home.arpa.", .a)?.authority.first?.ttl, LocalTTL.localDomainSeconds)
    }

    func testZoneCount() {
        // 16 + 16 (172.16/12) + 64 (100.64/10) + 2 (::, ::1) RFC 6303/7793/8375
        // zones, localhost., invalid., and the local domain.
        XCTAssertEqual(local.zoneCount, 16 + 16 + 64 + 2 + 2 + 1)
    }
}
