import XCTest
@testable import Config
import DNSWire

/// Options of local data (issue 17): `local_domain`.
final class LocalDataOptionTests: XCTestCase {
    func testLocalDomain() {
        XCTAssertNil(loadOK(main("option user nobody")).localDomain, "no local domain by default")
        XCTAssertEqual(loadOK(main("option local_domain 'lan'")).localDomain, try! Name(parsing: "lan."))
        XCTAssertEqual(loadOK(main("option local_domain 'Home.Arpa.'")).localDomain, try! Name(parsing: "home.arpa."))
        XCTAssertNil(loadOK(main("option local_domain ''")).localDomain)
        XCTAssertHas(loadErrors(main("option local_domain '.'")), "t.conf:2: option 'local_domain': the root cannot be the local domain")
        XCTAssertHas(loadErrors(main("option local_domain 'a..b'")), "t.conf:2: option 'local_domain':")
        XCTAssertHas(loadErrors(main("list local_domain 'lan'")), "takes one value")
    }
}
