import XCTest
import Config
import DNSWire
import Platform
@testable import Server

/// The client ACL, built the way sprigd builds it: from the parsed prefixes
/// of the config (its default is Config's `IPPrefix.householdDefaults`).
final class AccessListTests: XCTestCase {
    func acl(_ prefixes: [IPPrefix]) -> AccessList {
        var list = AccessList()
        for p in prefixes {
            XCTAssertTrue(list.add(address: Address(bytes: p.address.bytes, port: 0)!, length: p.length), p.text)
        }
        return list
    }

    func prefix(_ address: String, _ length: Int) -> IPPrefix { IPPrefix(address: IPAddress(address)!, length: length)! }

    func testHouseholdDefaultAdmitsPrivateRefusesPublic() {
        let list = acl(SprigConfig().allow)
        XCTAssertEqual(list.count, 9)
        for ok in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.20",
                   "100.64.0.1", "169.254.3.3", "::1", "fd00::1", "fe80::1", "::ffff:192.168.1.1"] {
            XCTAssertTrue(list.allows(Address(numeric: ok)!), ok)
        }
        for bad in ["8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2001:db8::1", "::2", "::ffff:8.8.8.8"] {
            XCTAssertFalse(list.allows(Address(numeric: bad)!), bad)
        }
    }

    func testCustomPrefixesAndBadLengths() {
        let list = acl([prefix("203.0.113.0", 24), prefix("2001:db8:1::", 48), prefix("198.51.100.7", 32)])
        XCTAssertTrue(list.allows(Address(numeric: "203.0.113.200")!))
        XCTAssertFalse(list.allows(Address(numeric: "203.0.114.1")!))
        XCTAssertTrue(list.allows(Address(numeric: "2001:db8:1:ffff::9")!))
        XCTAssertFalse(list.allows(Address(numeric: "2001:db8:2::1")!))
        XCTAssertTrue(list.allows(Address(numeric: "198.51.100.7")!))
        XCTAssertFalse(list.allows(Address(numeric: "198.51.100.8")!))
        var other = AccessList()
        XCTAssertFalse(other.add(address: Address(numeric: "203.0.113.0")!, length: 33))
        XCTAssertFalse(other.add(address: Address(numeric: "::")!, length: 129))
    }
}
