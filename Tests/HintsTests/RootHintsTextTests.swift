import DNSWire
import XCTest
@testable import Hints

final class RootHintsTextTests: XCTestCase {
    func testConfigRootHintsParses() throws {
        let source = try RootHintsText.parse(Repo.bytes("Config/root.hints"))
        XCTAssertEqual(source.domain, .root)
        XCTAssertEqual(source.servers.count, 13)
        XCTAssertEqual(source.servers.flatMap(\.addresses).filter { $0.family == .ipv4 }.count, 13)
        XCTAssertEqual(source.servers.flatMap(\.addresses).filter { $0.family == .ipv6 }.count, 13)
        XCTAssertEqual(source.servers[12].name, dn("m.root-servers.net."))
        XCTAssertEqual(source.servers[12].addresses, [address("202.12.27.33"), address("2001:dc3::35")])
    }

    func testAnyOrderCommentsTTLAndContinuationLines() throws {
        let text = """
        $TTL 3600000
        ; glue first, then the NS set
        ns2.private.   AAAA 2001:db8::2   ; trailing comment
        ns1.private.   IN A 192.0.2.1
                       IN AAAA 2001:db8::1
        .  3600000 IN NS NS1.PRIVATE.
        .  NS ns2.private.
        .  NS ns1.private.
        """
        let source = try RootHintsText.parse(utf8(text))
        XCTAssertEqual(source.servers.map(\.name), [dn("ns1.private."), dn("ns2.private.")])
        XCTAssertEqual(source.servers[0].addresses, [address("192.0.2.1"), address("2001:db8::1")])
        XCTAssertEqual(source.servers[1].addresses, [address("2001:db8::2")])
        let table = try HintTableBuilder.table([source])
        XCTAssertEqual(table.domain(0).server(0).address(1), address("2001:db8::1"))
    }

    func testErrorsCarryLineNumbers() {
        let ns = ". NS a.example.\na.example. A 192.0.2.1\n"
        assertTextError(3, .addressForUnlistedServer(dn("b.example."))) {
            try RootHintsText.parse(utf8(ns + "b.example. A 192.0.2.2\n"))
        }
        assertTextError(3, .serverWithoutAddress(dn("b.example."))) {
            try RootHintsText.parse(utf8(ns + ". NS b.example.\n"))
        }
        assertTextError(3, .nsOwnerNotDomain(dn("com."))) { try RootHintsText.parse(utf8(ns + "com. NS b.example.\n")) }
        assertTextError(3, .unexpectedType(.mx)) { try RootHintsText.parse(utf8(ns + ". MX 10 a.example.\n")) }
        assertTextError(3, .record(.badAddress)) { try RootHintsText.parse(utf8(ns + "a.example. A 192.0.2.300\n")) }
        assertTextError(3, .notClassIN) { try RootHintsText.parse(utf8(ns + "a.example. CH A 192.0.2.3\n")) }
        assertTextError(1, .unsupportedDirective) { try RootHintsText.parse(utf8("$ORIGIN example.\n" + ns)) }
        assertTextError(3, .unbalancedParentheses) { try RootHintsText.parse(utf8(ns + ". NS ( b.example.\n")) }
        assertTextError(0, .noServers) { try RootHintsText.parse(utf8("; nothing\n\n")) }
    }

    func testLimits() {
        var many = ""
        for i in 0...HintLimits.serversPerDomainMax { many += ". NS ns\(i).example.\nns\(i).example. A 192.0.2.1\n" }
        assertTextError(2 * HintLimits.serversPerDomainMax + 1, .tooManyServers) { try RootHintsText.parse(utf8(many)) }
        var addresses = ". NS a.example.\n"
        for i in 1...(HintLimits.addressesPerServerMax + 1) { addresses += "a.example. A 192.0.2.\(i)\n" }
        assertTextError(HintLimits.addressesPerServerMax + 2, .tooManyAddresses(dn("a.example."))) {
            try RootHintsText.parse(utf8(addresses))
        }
        let long = String(repeating: "\n", count: HintLimits.textLineCountMax + 1)
        assertTextError(0, .tooManyLines) { try RootHintsText.parse(utf8(long)) }
    }

    func testDuplicatesCollapse() throws {
        let text = ". NS a.example.\n. NS A.EXAMPLE.\na.example. A 192.0.2.1\na.example. A 192.0.2.1\n"
        let source = try RootHintsText.parse(utf8(text))
        XCTAssertEqual(source.servers.count, 1)
        XCTAssertEqual(source.servers[0].addresses.count, 1)
    }

    func testPrivateTreeDomain() throws {
        let text = "corp.example. NS ns.corp.example.\nns.corp.example. A 10.0.0.53\n"
        let source = try RootHintsText.parse(utf8(text), domain: dn("corp.example."))
        XCTAssertEqual(source.domain, dn("corp.example."))
        assertTextError(1, .nsOwnerNotDomain(dn("corp.example."))) { try RootHintsText.parse(utf8(text)) }
    }
}
