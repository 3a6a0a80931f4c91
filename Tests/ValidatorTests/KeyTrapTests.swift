import Crypto
import DNSWire
import XCTest
@testable import Validator

/// KeyTrap (CVE-2023-50387): colliding key tags and piles of bad RRSIGs must
/// hit a named budget, never loop unbounded.
final class KeyTrapTests: XCTestCase {
    let fixture = Fixture()
    let zone = try! Name(parsing: "example.")

    /// ZSK look-alikes with the ZSK's key tag (19547) but other key bytes:
    /// +d on one odd-index byte and −d on another keeps the checksum.
    func collidingKeys(_ count: Int) -> [[UInt8]] {
        let zsk = fixture.record(ExampleZone.zsk).rdata
        var keys: [[UInt8]] = []
        var d: UInt8 = 1
        while keys.count < count && d < 100 {
            var key = zsk
            if key[5] <= 255 - d && key[7] >= d {
                key[5] += d
                key[7] -= d
                keys.append(key)
            } else if key[9] <= 255 - d && key[11] >= d {
                key[9] += d
                key[11] -= d
                keys.append(key)
            }
            d += 1
        }
        for key in keys { XCTAssertEqual(key.withUnsafeBytes { KeyTag.compute(rdata: $0) }, 19547) }
        XCTAssertEqual(keys.count, count)
        return keys
    }

    func testCollidingKeysHitTheCollisionBudget() {
        var budget = ValidationBudget()
        let keys = fixture.list(collidingKeys(12))
        let result = RRSIGCheck.verify(fixture.rrset(ExampleZone.www), signatures: fixture.rdatas([ExampleZone.wwwRRSIG]),
                                       zone: zone, keys: keys, clock: .trusted(nowSeconds: Clock.now2026),
                                       budget: &budget, scratch: fixture.scratch)
        XCTAssertEqual(result.verdict, .budgetExceeded)
        XCTAssertEqual(budget.signatureVerifications, ValidatorLimits.keyTagCollisionsMax)
    }

    func testAFewCollisionsStillFindTheRealKey() {
        var budget = ValidationBudget()
        let zsk = fixture.record(ExampleZone.zsk).rdata
        let keys = fixture.list(collidingKeys(ValidatorLimits.keyTagCollisionsMax - 1) + [zsk])
        let result = RRSIGCheck.verify(fixture.rrset(ExampleZone.www), signatures: fixture.rdatas([ExampleZone.wwwRRSIG]),
                                       zone: zone, keys: keys, clock: .trusted(nowSeconds: Clock.now2026),
                                       budget: &budget, scratch: fixture.scratch)
        XCTAssertEqual(result.verdict, .secure)
        XCTAssertEqual(budget.signatureVerifications, ValidatorLimits.keyTagCollisionsMax)
    }

    func testManyBadRRSIGsHitTheRRSIGBudget() {
        var budget = ValidationBudget()
        var bad = fixture.record(ExampleZone.wwwRRSIG).rdata
        bad[bad.count - 1] ^= 0x01
        let rrsigs = fixture.list(Array(repeating: bad, count: 20))
        let result = RRSIGCheck.verify(fixture.rrset(ExampleZone.www), signatures: rrsigs, zone: zone,
                                       keys: fixture.rdatas([ExampleZone.zsk, ExampleZone.ksk]),
                                       clock: .trusted(nowSeconds: Clock.now2026), budget: &budget,
                                       scratch: fixture.scratch)
        XCTAssertEqual(result.verdict, .budgetExceeded)
        XCTAssertEqual(budget.signatureVerifications, ValidatorLimits.rrsigsPerRRsetMax)
    }

    func testFewBadRRSIGsAreBogusNotBudget() {
        var budget = ValidationBudget()
        var bad = fixture.record(ExampleZone.wwwRRSIG).rdata
        bad[bad.count - 1] ^= 0x01
        let rrsigs = fixture.list([bad, bad])
        let result = RRSIGCheck.verify(fixture.rrset(ExampleZone.www), signatures: rrsigs, zone: zone,
                                       keys: fixture.rdatas([ExampleZone.zsk]),
                                       clock: .trusted(nowSeconds: Clock.now2026), budget: &budget,
                                       scratch: fixture.scratch)
        XCTAssertEqual(result.verdict, .bogus(.dnssecBogus))
        XCTAssertEqual(budget.signatureVerifications, 2)
    }

    func testPerQueryVerificationBudget() {
        // Real verifications each time (no memory of earlier ones).
        let scratch = ValidatorScratch(rememberingSignatures: false)
        var budget = ValidationBudget()
        let rrset = fixture.rrset(ExampleZone.www)
        let rrsigs = fixture.rdatas([ExampleZone.wwwRRSIG])
        let keys = fixture.rdatas([ExampleZone.zsk])
        for _ in 0..<ValidatorLimits.signatureVerificationsPerQueryMax {
            let result = RRSIGCheck.verify(rrset, signatures: rrsigs, zone: zone, keys: keys,
                                           clock: .trusted(nowSeconds: Clock.now2026), budget: &budget,
                                           scratch: scratch)
            XCTAssertEqual(result.verdict, .secure)
        }
        let over = RRSIGCheck.verify(rrset, signatures: rrsigs, zone: zone, keys: keys,
                                     clock: .trusted(nowSeconds: Clock.now2026), budget: &budget,
                                     scratch: scratch)
        XCTAssertEqual(over.verdict, .budgetExceeded)
        // A signature verified before costs a hash, not a verification: the
        // budget bounds CPU, and a remembered one is free.
        var fresh = ValidationBudget()
        _ = RRSIGCheck.verify(rrset, signatures: rrsigs, zone: zone, keys: keys,
                              clock: .trusted(nowSeconds: Clock.now2026), budget: &fresh, scratch: fixture.scratch)
        var spent = budget
        XCTAssertEqual(RRSIGCheck.verify(rrset, signatures: rrsigs, zone: zone, keys: keys,
                                         clock: .trusted(nowSeconds: Clock.now2026), budget: &spent,
                                         scratch: fixture.scratch).verdict, .secure)
    }

    func testTooManyRecordsAreRefusedWhenPacking() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 10_000, alignment: 8)
        defer { buffer.deallocate() }
        var packer = RDataPacker(buffer: buffer)
        let rdata: [UInt8] = [192, 0, 2, 1]
        var lastError: ValidatorError?
        for _ in 0...ValidatorLimits.rrsetRecordCountMax {
            let result = rdata.withUnsafeBytes { raw in Result { () throws(ValidatorError) in try packer.append(rdata: raw) } }
            if case .failure(let error) = result { lastError = error }
        }
        XCTAssertEqual(lastError, .tooManyRecords)
        XCTAssertEqual(packer.count, ValidatorLimits.rrsetRecordCountMax)
    }
}
