import XCTest
import Platform
@testable import Server

final class AccessListTests: XCTestCase {
    func testHouseholdDefaultAdmitsPrivateRefusesPublic() {
        let acl = AccessList.household
        for ok in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.20",
                   "100.64.0.1", "169.254.3.3", "::1", "fd00::1", "fe80::1", "::ffff:192.168.1.1"] {
            XCTAssertTrue(acl.allows(Address(numeric: ok)!), ok)
        }
        for bad in ["8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2001:db8::1", "::2", "::ffff:8.8.8.8"] {
            XCTAssertFalse(acl.allows(Address(numeric: bad)!), bad)
        }
    }

    func testCustomPrefixesAndMalformed() {
        var acl = AccessList()
        XCTAssertTrue(acl.add(cidr: "203.0.113.0/24"))
        XCTAssertTrue(acl.add(cidr: "2001:db8:1::/48"))
        XCTAssertTrue(acl.add(cidr: "198.51.100.7"))
        XCTAssertFalse(acl.add(cidr: "203.0.113.0/33"))
        XCTAssertFalse(acl.add(cidr: "nonsense/8"))
        XCTAssertFalse(acl.add(cidr: "10.0.0.0/"))
        XCTAssertTrue(acl.allows(Address(numeric: "203.0.113.200")!))
        XCTAssertFalse(acl.allows(Address(numeric: "203.0.114.1")!))
        XCTAssertTrue(acl.allows(Address(numeric: "2001:db8:1:ffff::9")!))
        XCTAssertFalse(acl.allows(Address(numeric: "2001:db8:2::1")!))
        XCTAssertTrue(acl.allows(Address(numeric: "198.51.100.7")!))
        XCTAssertFalse(acl.allows(Address(numeric: "198.51.100.8")!))
    }
}

