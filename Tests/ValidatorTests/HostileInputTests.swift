import DNSWire
import XCTest
@testable import Validator

/// Bad input is normal input: random RDATA through every parser and proof
/// must give a defined result, never a crash or a hang. Seeded; the seed is
/// printed on failure.
final class HostileInputTests: XCTestCase {
    let fixture = Fixture()
    let zone = try! Name(parsing: "example.")

    func randomBytes(_ generator: inout SeededGenerator, maxCount: Int) -> [UInt8] {
        let count = Int(generator.next() % UInt64(maxCount + 1))
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    func testRandomRRSIGsAndKeys() {
        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        var generator = SeededGenerator(seed: seed)
        let rrset = fixture.rrset(ExampleZone.www)
        for round in 0..<300 {
            var rrsig = fixture.record(ExampleZone.wwwRRSIG).rdata
            // Keep the header most of the time so deeper code runs; garble the rest.
            let garbage = randomBytes(&generator, maxCount: 120)
            if round % 3 == 0 { rrsig = garbage } else { rrsig = Array(rrsig.prefix(18 + round % 10)) + garbage }
            let keys = fixture.list([randomBytes(&generator, maxCount: 80), fixture.record(ExampleZone.zsk).rdata])
            var budget = ValidationBudget()
            let result = RRSIGCheck.verify(rrset, signatures: fixture.list([rrsig]), zone: zone, keys: keys,
                                           clock: .trusted(nowSeconds: Clock.now2026), budget: &budget,
                                           scratch: fixture.scratch)
            XCTAssertFalse(result.verdict.isValid, "seed \(seed) round \(round)")
        }
    }

    func testRandomDenialRecords() {
        let seed = UInt64(Date().timeIntervalSince1970 * 1000) &+ 1
        var generator = SeededGenerator(seed: seed)
        let owners = ["example.", "www.example.", "dd2if2e68kdccf63182ee63stusdmjic.example.", "*.example."].map(fixture.name)
        for round in 0..<300 {
            var records: [DenialRecord] = []
            for i in 0..<Int(generator.next() % 5) {
                var rdata = randomBytes(&generator, maxCount: 60)
                if round % 2 == 0 && rdata.count > 5 { rdata[0] = 1; rdata[2] = 0; rdata[3] = UInt8(rdata[3] % 4) }
                records.append(DenialRecord(owner: owners[(round + i) % owners.count], rdata: fixture.bytes(rdata)))
            }
            var budget = ValidationBudget()
            records.withUnsafeBufferPointer { buffer in
                let qname = fixture.name("a.b.example.")
                _ = NSECProof.nxDomain(qname: qname, zone: zone, records: buffer)
                _ = NSECProof.noData(qname: qname, qtype: .a, zone: zone, records: buffer)
                _ = NSEC3Proof.nxDomain(qname: qname, zone: zone, records: buffer, budget: &budget, scratch: fixture.scratch)
                _ = NSEC3Proof.noData(qname: qname, qtype: .ds, zone: zone, records: buffer, budget: &budget,
                                      scratch: fixture.scratch)
            }
            XCTAssertLessThanOrEqual(budget.nsec3Hashes, ValidatorLimits.nsec3HashesPerQueryMax, "seed \(seed)")
        }
    }

    func testMalformedListsAreRejected() {
        let truncated: [UInt8] = [0, 5, 1, 2]
        XCTAssertThrowsError(try truncated.withUnsafeBytes { raw in
            try Result { () throws(ValidatorError) in try RDataList(bytes: raw) }.get()
        })
        let good: [UInt8] = [0, 1, 9, 0, 0]
        let list = try? good.withUnsafeBytes { raw in try Result { () throws(ValidatorError) in try RDataList(bytes: raw) }.get() }
        XCTAssertEqual(list?.count, 2)
    }
}
