import DNSWire
import XCTest
@testable import Hints

final class InTreeExpiryTests: XCTestCase {
    func seconds(_ text: String) throws -> Int64 { try InTreeExpiry.expirySeconds(timestamp: utf8(text)) }

    func testRFC3339Timestamps() throws {
        XCTAssertEqual(try seconds("2027-03-01T00:00:00Z"), 1_803_859_200)
        XCTAssertEqual(try seconds("2028-02-29t23:59:59z"), 1_835_481_599)
        XCTAssertEqual(try seconds("2026-11-23T12:00:00+02:00"), 1_795_428_000)
        XCTAssertEqual(try seconds("2026-12-31T23:30:00-05:30"), 1_798_779_600)
        XCTAssertEqual(try seconds("1970-01-01 00:00:00.123456789Z"), 0)
        XCTAssertEqual(try seconds("2000-03-01T00:00:00Z"), 951_868_800)
    }

    func testBadTimestamps() {
        for bad in ["2027-02-29T00:00:00Z", "2027-13-01T00:00:00Z", "2027-00-10T00:00:00Z", "2027-03-01T24:00:00Z",
                    "2027-03-01T00:60:00Z", "2027-03-01T00:00:00", "2027-03-01", "2027-03-01T00:00:00+2:00",
                    "2027-03-01T00:00:00.Z", "2027-03-01X00:00:00Z", "2027-03-01T00:00:00Z ", "27-03-01T00:00:00Z",
                    "2027-03-01T00:00:00+24:00", ""] {
            XCTAssertThrowsError(try seconds(bad), bad) { XCTAssertEqual($0 as? InTreeExpiryError, .badTimestamp, bad) }
        }
    }

    func testTXTRData() throws {
        let text = utf8("2027-03-01T00:00:00Z")
        let rdata = [UInt8(text.count)] + text
        XCTAssertEqual(try rdata.withUnsafeBytes { raw in try InTreeExpiry.expirySeconds(txtRData: raw) }, 1_803_859_200)
        let twoStrings = rdata + [1, 0x41]
        XCTAssertThrowsError(try twoStrings.withUnsafeBytes { raw in try InTreeExpiry.expirySeconds(txtRData: raw) }) {
            XCTAssertEqual($0 as? InTreeExpiryError, .badTXT)
        }
        XCTAssertThrowsError(try [UInt8]().withUnsafeBytes { raw in try InTreeExpiry.expirySeconds(txtRData: raw) })
        XCTAssertThrowsError(try [5, 0x41].withUnsafeBytes { raw in try InTreeExpiry.expirySeconds(txtRData: raw) })
    }

    func testStatusAndGracePeriod() {
        let expiry: Int64 = 1_803_859_200
        XCTAssertEqual(InTreeExpiry.status(expirySeconds: expiry, nowSeconds: expiry - 10), .committed(secondsLeft: 10))
        XCTAssertEqual(InTreeExpiry.status(expirySeconds: expiry, nowSeconds: expiry),
                       .expired(secondsUntilDisabled: 30 * 86_400))
        XCTAssertEqual(InTreeExpiry.status(expirySeconds: expiry, nowSeconds: expiry + 30 * 86_400 - 1),
                       .expired(secondsUntilDisabled: 1))
        XCTAssertEqual(InTreeExpiry.status(expirySeconds: expiry, nowSeconds: expiry + 30 * 86_400), .disabled)
    }

    func testOwnerName() throws {
        XCTAssertEqual(try InTreeExpiry.ownerName(for: dn("example.net.")), dn("_in-tree.example.net."))
    }
}
