import XCTest
@testable import Validator

final class SerialTimeTests: XCTestCase {
    func testOrdinaryWindow() {
        XCTAssertEqual(ValidityWindow.check(inception: 100, expiration: 200, nowSeconds: 150), .valid(secondsLeft: 50))
        XCTAssertEqual(ValidityWindow.check(inception: 100, expiration: 200, nowSeconds: 100), .valid(secondsLeft: 100))
        XCTAssertEqual(ValidityWindow.check(inception: 100, expiration: 200, nowSeconds: 200), .valid(secondsLeft: 0))
        XCTAssertEqual(ValidityWindow.check(inception: 100, expiration: 200, nowSeconds: 99), .notYetValid)
        XCTAssertEqual(ValidityWindow.check(inception: 100, expiration: 200, nowSeconds: 201), .expired)
        XCTAssertEqual(ValidityWindow.check(inception: 200, expiration: 100, nowSeconds: 150), .expiredBeforeValid)
    }

    func testAcross2038() {
        // 2038-01-19 03:14:07 is 0x7FFFFFFF: signed 32-bit time overflows there, serials do not.
        let inception: UInt32 = 0x7FFF_FF00
        let expiration: UInt32 = 0x8000_0100
        XCTAssertEqual(ValidityWindow.check(inception: inception, expiration: expiration, nowSeconds: 0x8000_0000),
                       .valid(secondsLeft: 0x100))
        XCTAssertEqual(ValidityWindow.check(inception: inception, expiration: expiration, nowSeconds: 0x8000_0200), .expired)
        XCTAssertEqual(ValidityWindow.check(inception: inception, expiration: expiration, nowSeconds: 0x7FFF_FE00), .notYetValid)
    }

    func testAcross2106Wrap() {
        // 2106-02-07 06:28:16 is 2^32: the 32-bit field wraps to 0 (RFC 4034 §3.1.5).
        let inception: UInt32 = 0xFFFF_FF00
        let expiration: UInt32 = 0x0000_0100
        XCTAssertEqual(ValidityWindow.check(inception: inception, expiration: expiration, nowSeconds: 0x1_0000_0010),
                       .valid(secondsLeft: 0xF0))
        XCTAssertEqual(ValidityWindow.check(inception: inception, expiration: expiration, nowSeconds: 0xFFFF_FFF0),
                       .valid(secondsLeft: 0x110))
        XCTAssertEqual(ValidityWindow.check(inception: inception, expiration: expiration, nowSeconds: 0x1_0000_0200), .expired)
        XCTAssertEqual(ValidityWindow.check(inception: inception, expiration: expiration, nowSeconds: 0xFFFF_FE00), .notYetValid)
    }

    func testSerialOrderIsHalfTheCircle() {
        XCTAssertTrue(ValidityWindow.serialLessOrEqual(0, 0x7FFF_FFFF))
        XCTAssertFalse(ValidityWindow.serialLessOrEqual(0, 0x8000_0000))
        XCTAssertTrue(ValidityWindow.serialLessOrEqual(0xFFFF_FFFF, 0))
    }
}
