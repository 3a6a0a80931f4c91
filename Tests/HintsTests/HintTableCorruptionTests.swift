import DNSWire
import Foundation
import XCTest
@testable import Hints

final class HintTableCorruptionTests: XCTestCase {
    let table = RootTables.bytes

    func testEveryTruncationIsRejected() {
        for length in 0..<table.count {
            XCTAssertThrowsError(try HintTable(validating: Array(table[0..<length])), "length \(length)")
        }
    }

    func testTruncationWithPatchedHeaderIsRejectedStructurally() {
        // Byte count and CRC made consistent: the structure walk must notice.
        for length in HintTableFormat.headerByteCount..<table.count {
            var cut = Array(table[0..<length])
            HintTableBuilder.setU32(UInt32(length), at: HintTableFormat.byteCountOffset, &cut)
            let patched = withFixedChecksum(cut)
            XCTAssertThrowsError(try HintTable(validating: patched), "length \(length)")
        }
    }

    func testEverySingleByteFlipIsCaught() {
        for index in 0..<table.count {
            var flipped = table
            flipped[index] ^= 0x5A
            XCTAssertThrowsError(try HintTable(validating: flipped), "byte \(index)")
        }
    }

    func testRandomCorruptionNeverCrashes() {
        // HINTS_SEED=<n> reproduces a run; the seed is printed first so a crash shows it too.
        let seed = ProcessInfo.processInfo.environment["HINTS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        print("HintTableCorruptionTests.testRandomCorruptionNeverCrashes seed \(seed)")
        var random = SeededRandom(state: seed)
        var accepted = 0
        for round in 0..<3_000 {
            var bytes = table
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] = UInt8.random(in: 0...255, using: &random)
            }
            if round % 3 == 0 { bytes.removeLast(Int.random(in: 0..<40, using: &random)) }
            if round % 2 == 0 {
                HintTableBuilder.setU32(UInt32(bytes.count), at: HintTableFormat.byteCountOffset, &bytes)
                bytes = withFixedChecksum(bytes)
            }
            if let parsed = try? HintTable(validating: bytes) {
                accepted += 1
                XCTAssertGreaterThan(walkAll(parsed), 0, "seed \(seed) round \(round)")
            }
        }
        // Some structure-preserving mutations (address bytes) must still validate.
        XCTAssertGreaterThan(accepted, 0, "seed \(seed)")
    }

    func testSpecificErrors() throws {
        XCTAssertThrowsError(try HintTable(validating: [])) { XCTAssertEqual($0 as? HintTableError, .truncatedHeader) }
        var bad = table
        bad[0] = 0x58
        XCTAssertThrowsError(try HintTable(validating: bad)) { XCTAssertEqual($0 as? HintTableError, .badMagic) }
        bad = table
        bad[4] = 2
        XCTAssertThrowsError(try HintTable(validating: bad)) { XCTAssertEqual($0 as? HintTableError, .unsupportedVersion(2)) }
        bad = table
        bad[5] = 1
        XCTAssertThrowsError(try HintTable(validating: bad)) { XCTAssertEqual($0 as? HintTableError, .badFlags(1)) }
        XCTAssertThrowsError(try HintTable(validating: table + [0])) {
            XCTAssertEqual($0 as? HintTableError, .byteCountMismatch(header: table.count, actual: table.count + 1))
        }
        bad = table
        bad[table.count - 1] ^= 1
        XCTAssertThrowsError(try HintTable(validating: bad)) {
            guard case .checksumMismatch = $0 as? HintTableError else { return XCTFail("\($0)") }
        }
        bad = table
        bad[7] = 0   // domain count 0
        XCTAssertThrowsError(try HintTable(validating: withFixedChecksum(bad))) {
            XCTAssertEqual($0 as? HintTableError, .badDomainCount(0))
        }
    }

    func testStructuralErrors() throws {
        let ns = HintServerSource(name: dn("ns1.example.net."), addresses: [address("192.0.2.1")])
        let one = try HintTableBuilder.bytes([HintDomainSource(domain: dn("example.net."), servers: [ns])])
        // Layout: header 16, "example.net." 13, counts at 29/30, server name at 31.
        var bad = one
        bad[29] = 0
        XCTAssertThrowsError(try HintTable(validating: withFixedChecksum(bad))) {
            XCTAssertEqual($0 as? HintTableError, .badServerCount(offset: 29, 0))
        }
        bad = one
        bad[17] = 0x45  // "E": tables hold lowercase names
        XCTAssertThrowsError(try HintTable(validating: withFixedChecksum(bad))) {
            XCTAssertEqual($0 as? HintTableError, .nameNotLowercase(offset: 16))
        }
        bad = one
        bad[16] = 0xC0  // a compression pointer
        XCTAssertThrowsError(try HintTable(validating: withFixedChecksum(bad))) {
            XCTAssertEqual($0 as? HintTableError, .badName(offset: 16, .compressionNotAllowed))
        }
        bad = one
        bad[48] = 5  // IPv4 count after "ns1.example.net." (31 + 17)
        XCTAssertThrowsError(try HintTable(validating: withFixedChecksum(bad))) {
            XCTAssertEqual($0 as? HintTableError, .tooManyAddresses(offset: 48, 5))
        }
        bad = one + [0]
        HintTableBuilder.setU32(UInt32(bad.count), at: HintTableFormat.byteCountOffset, &bad)
        XCTAssertThrowsError(try HintTable(validating: withFixedChecksum(bad))) {
            XCTAssertEqual($0 as? HintTableError, .trailingBytes(offset: one.count))
        }
        // Two copies of the same domain.
        var twice = one + one[16...]
        twice[7] = 2
        HintTableBuilder.setU32(UInt32(twice.count), at: HintTableFormat.byteCountOffset, &twice)
        XCTAssertThrowsError(try HintTable(validating: withFixedChecksum(twice))) {
            XCTAssertEqual($0 as? HintTableError, .duplicateDomain(offset: one.count))
        }
    }

    func testAnchorErrors() throws {
        let root = try XCTUnwrap(try RootHints.compiled().domain(named: .root))
        let anchorOffset = root.firstAnchorOffset
        var bad = table
        bad[anchorOffset + 1] = 50  // NSEC3, not DS
        XCTAssertThrowsError(try HintTable(validating: withFixedChecksum(bad))) {
            XCTAssertEqual($0 as? HintTableError, .badAnchorType(offset: anchorOffset, 50))
        }
        bad = table
        bad[anchorOffset + 4 + 3] = 1  // digest type SHA-1 with a 32-byte digest
        XCTAssertThrowsError(try HintTable(validating: withFixedChecksum(bad))) {
            XCTAssertEqual($0 as? HintTableError, .badAnchorRData(offset: anchorOffset))
        }
    }
}
