import DNSWire
import XCTest
@testable import Hints

final class InTreeHintsTests: XCTestCase {
    let ds = TrustAnchor(owner: dn("example.net."), type: .ds,
                               rdata: [0x30, 0x39, 13, 2] + [UInt8](repeating: 0xAB, count: 32))

    func hint(_ domain: String, _ servers: [(String, [String])], anchors: [TrustAnchor] = []) -> HintDomainSource {
        HintDomainSource(domain: dn(domain),
                         servers: servers.map { HintServerSource(name: dn($0.0), addresses: $0.1.map(address)) },
                         anchors: anchors)
    }

    func testValidHintBuildsATable() throws {
        let example = hint("example.net.", [("ns1.example.net.", ["192.0.2.1", "2001:db8::1"]), ("ns.other.org.", [])],
                           anchors: [ds])
        let corp = hint("corp.example.", [("ns.corp.example.", ["10.0.0.53"])])
        let table = try XCTUnwrap(try InTreeHints.table([example, corp]))
        XCTAssertEqual(table.domainCount, 2)
        let domain = try XCTUnwrap(table.closestEnclosingDomain(of: dn("www.dept.Example.NET.")))
        XCTAssertEqual(domain.name, dn("example.net."))
        XCTAssertEqual(domain.serverCount, 2)
        XCTAssertEqual(domain.server(1).addressCount, 0)
        XCTAssertEqual(domain.anchor(0).keyTag, 12345)
        XCTAssertEqual(domain.anchor(0).rdata, ds.rdata)
        XCTAssertNil(table.closestEnclosingDomain(of: dn("example.com.")))
        XCTAssertNil(try InTreeHints.table([]))
    }

    func testClosestEnclosingPrefersTheDeepestHint() throws {
        let outer = hint("example.", [("ns.example.", ["192.0.2.1"])])
        let inner = hint("a.example.", [("ns.a.example.", ["192.0.2.2"])])
        let table = try XCTUnwrap(try InTreeHints.table([inner, outer]))
        XCTAssertEqual(table.closestEnclosingDomain(of: dn("x.a.example."))?.name, dn("a.example."))
        XCTAssertEqual(table.closestEnclosingDomain(of: dn("b.example."))?.name, dn("example."))
    }

    func testHintWithoutInDomainNameserverIsRejected() {
        let outside = hint("example.net.", [("ns1.example.org.", ["192.0.2.1"])])
        XCTAssertThrowsError(try InTreeHints.validate(outside)) {
            XCTAssertEqual($0 as? InTreeHintError, InTreeHintError(domain: dn("example.net."), .noInDomainNameserver))
        }
        let noAddress = hint("example.net.", [("ns1.example.net.", []), ("ns.example.org.", ["192.0.2.1"])])
        XCTAssertThrowsError(try InTreeHints.validate(noAddress)) {
            XCTAssertEqual($0 as? InTreeHintError,
                           InTreeHintError(domain: dn("example.net."), .inDomainServerWithoutAddress(dn("ns1.example.net."))))
        }
        XCTAssertThrowsError(try InTreeHints.validate(hint(".", [("a.root-servers.net.", ["198.41.0.4"])]))) {
            XCTAssertEqual(($0 as? InTreeHintError)?.problem, .rootDomain)
        }
    }

    func testBuildLimitsAndAnchorOwner() {
        let wrongOwner = TrustAnchor(owner: dn("example.org."), type: .ds, rdata: ds.rdata)
        let bad = hint("example.net.", [("ns1.example.net.", ["192.0.2.1"])], anchors: [wrongOwner])
        XCTAssertThrowsError(try InTreeHints.validate(bad)) {
            XCTAssertEqual(($0 as? InTreeHintError)?.problem,
                           .build(.anchorOwnerMismatch(domain: dn("example.net."), owner: dn("example.org."))))
        }
        let one = hint("example.net.", [("ns1.example.net.", ["192.0.2.1"])])
        XCTAssertThrowsError(try InTreeHints.table([one, one])) {
            XCTAssertEqual(($0 as? InTreeHintError)?.problem, .build(.duplicateDomain(dn("example.net."))))
        }
        let five = hint("example.net.", [("ns1.example.net.", ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"])])
        XCTAssertThrowsError(try InTreeHints.validate(five)) {
            XCTAssertEqual(($0 as? InTreeHintError)?.problem, .build(.tooManyAddresses(server: dn("ns1.example.net."), 5)))
        }
        let many = (0...HintLimits.domainCountMax).map { hint("d\($0).example.", [("ns.d\($0).example.", ["192.0.2.1"])]) }
        XCTAssertThrowsError(try InTreeHints.table(many))
    }
}
