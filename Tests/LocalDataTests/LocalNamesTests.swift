import XCTest
import DNSWire
import Fixed
@testable import LocalData

/// The household's names: hosts and lease files parsed line by line
/// (LocalNameText), the bounded table (LocalNames), and the answers.
final class LocalNamesTests: XCTestCase {
    static let lan = try! Name(parsing: "lan.")

    static func load(_ text: String, _ format: LocalNameText.Format, capacity: Int = 64, now: Int64 = 1_000_000,
                     problems: inout [(Int, String)]) -> LocalData {
        var local = LocalData(localDomain: lan, nameCapacity: capacity,
                              arena: Arena(rows: LocalData.footprint(nameCapacity: capacity)))
        var found: [(Int, String)] = []
        local.reloadNames { names in
            Array(text.utf8).withUnsafeBytes { raw in
                LocalNameText.parse(raw, format: format, localDomain: lan, nowSeconds: now,
                                    add: { _ = names.add($0, $1) }, problem: { found.append(($0, $1)) })
            }
        }
        problems = found
        return local
    }

    func testHostsFormat() {
        var problems: [(Int, String)] = []
        let local = LocalNamesTests.load("""
            # comment
            127.0.0.1 localhost
            192.168.1.1   router.lan router   # the router
            192.168.1.20\tnas
            fd00::20 nas
            not-an-address foo
            192.168.1.30
            192.168.1.31 bad\\name
            """, .hosts, problems: &problems)
        XCTAssertEqual(problems.map { $0.0 }, [6, 7, 8], "\(problems)")
        XCTAssertTrue(problems[0].1.contains("not an IP address"))
        let nas = SpecialUseNameTests.ask(local, "nas.lan.", .a)!
        XCTAssertEqual(nas.answers.map { $0.rdata }, [[192, 168, 1, 20]])
        XCTAssertEqual(nas.answers.first?.ttl, LocalTTL.localDomainSeconds)
        XCTAssertEqual(SpecialUseNameTests.ask(local, "NAS.lan.", .aaaa)!.answers.count, 1)
        let mx = SpecialUseNameTests.ask(local, "nas.lan.", .mx)!
        XCTAssertEqual(mx.rcode, .noError, "the name exists: NODATA")
        XCTAssertEqual(mx.authority.map { $0.owner }, ["lan."])
        XCTAssertEqual(SpecialUseNameTests.ask(local, "router.lan.", .a)!.answers.map { $0.rdata }, [[192, 168, 1, 1]])
        // PTR: the first name of the line (the canonical name), RFC 1035 §3.5.
        let ptr = SpecialUseNameTests.ask(local, "1.1.168.192.in-addr.arpa.", .ptr)!
        XCTAssertEqual(ptr.answers.first?.rdata, try! Name(parsing: "router.lan.").wireBytes)
        let v6 = SpecialUseNameTests.ask(local, "0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", .ptr)!
        XCTAssertEqual(v6.answers.first?.rdata, try! Name(parsing: "nas.lan.").wireBytes)
        XCTAssertEqual(SpecialUseNameTests.ask(local, "9.1.168.192.in-addr.arpa.", .ptr)!.rcode, .nxDomain)
        XCTAssertEqual(SpecialUseNameTests.ask(local, "tv.lan.", .a)!.rcode, .nxDomain)
        // A bare name is answered from its name in the local domain (as dnsmasq does).
        let bare = SpecialUseNameTests.ask(local, "nas.", .a)!
        XCTAssertEqual(bare.answers.map { $0.rdata }, [[192, 168, 1, 20]])
        XCTAssertEqual(bare.answers.first?.owner, "nas.")
        XCTAssertNil(SpecialUseNameTests.ask(local, "tv.", .a), "an unknown bare name is not local")
    }

    /// dnsmasq's lease_update_file: `EXPIRY MAC IP NAME CLIENTID`, `duid`,
    /// then `EXPIRY IAID IPv6 NAME DUID`; `*` is no name; expired leases
    /// are never served.
    func testDnsmasqLeases() {
        var problems: [(Int, String)] = []
        let local = LocalNamesTests.load("""
            1000500 aa:bb:cc:dd:ee:01 192.168.1.50 laptop 01:aa:bb:cc:dd:ee:01
            1000500 aa:bb:cc:dd:ee:02 192.168.1.51 * *
            999999 aa:bb:cc:dd:ee:03 192.168.1.52 oldphone *
            0 aa:bb:cc:dd:ee:04 192.168.1.53 printer *
            duid 00:01:00:01:2a:2b:2c:2d:aa:bb:cc:dd:ee:ff
            1000500 12345 fd00::50 laptop 00:01:00:01
            1000500 aa:bb 300.1.1.1 x *
            1000500 aa:bb
            """, .leases, problems: &problems)
        XCTAssertEqual(problems.map { $0.0 }, [7, 8], "\(problems)")
        XCTAssertEqual(SpecialUseNameTests.ask(local, "laptop.lan.", .a)!.answers.map { $0.rdata }, [[192, 168, 1, 50]])
        XCTAssertEqual(SpecialUseNameTests.ask(local, "laptop.lan.", .aaaa)!.answers.count, 1)
        XCTAssertEqual(SpecialUseNameTests.ask(local, "printer.lan.", .a)!.answers.count, 1, "expiry 0: infinite")
        XCTAssertEqual(SpecialUseNameTests.ask(local, "oldphone.lan.", .a)!.rcode, .nxDomain, "expired")
        XCTAssertEqual(local.names.count, 3)
    }

    /// odhcpd writes its leases as a hosts file; a lease file may hold either.
    func testOdhcpdHostsFormatAsLeaseFile() {
        var problems: [(Int, String)] = []
        let local = LocalNamesTests.load("# br-lan 000100 1 phone\nfd00::1:2 phone.lan phone\n", .leases, problems: &problems)
        XCTAssertTrue(problems.isEmpty)
        XCTAssertEqual(SpecialUseNameTests.ask(local, "phone.lan.", .aaaa)!.answers.count, 1)
    }

    /// The table is bounded: beyond its capacity names are refused, never a crash.
    func testTableIsBounded() {
        var text = ""
        for i in 0..<100 { text += "10.0.\(i / 256).\(i % 256) host\(i)\n" }
        var problems: [(Int, String)] = []
        let local = LocalNamesTests.load(text, .hosts, capacity: 16, problems: &problems)
        XCTAssertEqual(local.names.count, 16)
        XCTAssertNotNil(SpecialUseNameTests.ask(local, "host0.lan.", .a))
        XCTAssertEqual(SpecialUseNameTests.ask(local, "host99.lan.", .a)?.rcode, .nxDomain)
    }

    /// Garbage of every kind: problems reported, never a crash.
    func testGarbageNeverCrashes() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var local = LocalData(localDomain: LocalNamesTests.lan, nameCapacity: 16,
                                  arena: Arena(rows: LocalData.footprint(nameCapacity: 16)))
            local.reloadNames { names in
                bytes.withUnsafeBytes { raw in
                    LocalNameText.parse(raw, format: .leases, localDomain: LocalNamesTests.lan, nowSeconds: 0,
                                        add: { _ = names.add($0, $1) }, problem: { _, _ in })
                }
            }
        }
    }

    func testReloadReplacesEverything() {
        var problems: [(Int, String)] = []
        var local = LocalNamesTests.load("192.168.1.5 old\n", .hosts, problems: &problems)
        local.reloadNames { names in _ = names.add(try! Name(parsing: "new.lan."), IPAddress("192.168.1.6")!) }
        XCTAssertEqual(SpecialUseNameTests.ask(local, "old.lan.", .a)?.rcode, .nxDomain)
        XCTAssertEqual(SpecialUseNameTests.ask(local, "new.lan.", .a)?.answers.count, 1)
    }
}
