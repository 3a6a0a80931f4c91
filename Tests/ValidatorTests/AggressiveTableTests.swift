// The aggressive NSEC/NSEC3 table (RFC 8198) on the engine alone: what a
// kept NSEC proves (a decision, not a message), when it stops proving it,
// and the parts an answer shows; the entry layout and the NSEC3 pieces.
// The end-to-end behaviour (answers without queries) is in ResolverTests'
// AggressiveNSECTests and AggressiveNSEC3Tests.
import Cache
import DNSWire
import Fixed
import XCTest
@testable import Validator

final class AggressiveTableTests: XCTestCase {
    static let soa = "example. 300 IN SOA ns1.example. hostmaster.example. 1 7200 3600 1209600 300"
    static let soaRRSIG = "example. 300 IN RRSIG SOA 13 1 300 20350101000000 20250101000000 19547 example. eTiPREAPRD6HUrOSfw7g8+JGnuOSXdwWnfSMt23FYr+jSIXZJSnrYIiLtNKs/z/xncRuSubcLE/BKzjGMJC7tA=="
    /// example. → b.example.: covers a.example. and *.example.; no MX at the apex.
    static let nsec = "example. 300 IN NSEC b.example. NS SOA RRSIG NSEC DNSKEY"
    static let nsecRRSIG = "example. 300 IN RRSIG NSEC 13 1 300 20350101000000 20250101000000 19547 example. Z5YHnC9vJjVcpiD4X36LOlV0b+2loOkT1IHL2ZyjrAGpHbqrBSoXycpDdqevtdB7j8+GiMqSyoSqDyYgRiTqug=="
    static let keptAtMs: Int64 = 1_000
    static let secure = RRsetValidation(verdict: .secure, ttlSecondsCap: 3_600)

    let example = testName("example.")

    /// An engine anchored at example. that kept the NSEC above, verified
    /// (`verdict`) in an NXDOMAIN response at `keptAtMs`.
    func engineKeepingTheNSEC(verdict: RRsetValidation = AggressiveTableTests.secure) -> ValidationEngine {
        var engine = ValidationEngine.forTests(anchorDS: [ExampleZone.ds])
        let message = TestMessage.response("nx.example.", .a, rcode: .nxDomain, authority: [
            AggressiveTableTests.soa, AggressiveTableTests.soaRRSIG, AggressiveTableTests.nsec,
            AggressiveTableTests.nsecRRSIG])
        let rdata = try! TextRecord(parsing: AggressiveTableTests.nsec).rdata
        message.withUnsafeBytes { m in
            rdata.withUnsafeBytes { r in
                engine.rememberNSEC(m, type: .nsec, zone: example, owner: example, rdata: r, ttlSeconds: 300,
                                    result: verdict, nowMs: AggressiveTableTests.keptAtMs)
            }
        }
        return engine
    }

    /// RFC 8198 §5.1/§5.2 with RFC 4035 §5.4's rules: a kept NSEC that
    /// covers the name and the wildcard proves NXDOMAIN; one at the name
    /// without the type proves NODATA; anything else is no proof.
    func testAKeptNSECProvesNXDomainAndNoData() throws {
        var engine = engineKeepingTheNSEC()
        engine.clock.observe(wallSeconds: Clock.now2026)
        let nx = try XCTUnwrap(engine.aggressiveDenial(testName("a.example."), .a, nowMs: 2_000))
        XCTAssertEqual(nx.proof, .nxDomain)
        XCTAssertEqual(nx.type, .nsec)
        XCTAssertEqual(nx.zone, example)
        XCTAssertEqual(nx.recordCount, 1)
        let noData = try XCTUnwrap(engine.aggressiveDenial(example, .mx, nowMs: 2_000))
        XCTAssertEqual(noData.proof, .noData)
        XCTAssertEqual(engine.record(0, of: noData).owner, example)
        XCTAssertNil(engine.aggressiveDenial(example, .ns, nowMs: 2_000), "the bitmap has NS")
        XCTAssertNil(engine.aggressiveDenial(testName("b.example."), .a, nowMs: 2_000), "the next name exists")
        XCTAssertNil(engine.aggressiveDenial(example, RRType(255), nowMs: 2_000), "ANY is in no bitmap: no NODATA")
    }

    /// Nothing is proven where nothing can be secure: under a negative
    /// trust anchor (RFC 7646), outside every anchor, or with the table off.
    func testNoProofWhereNothingIsSecure() {
        var engine = engineKeepingTheNSEC()
        engine.clock.observe(wallSeconds: Clock.now2026)
        XCTAssertNotNil(engine.aggressiveDenial(testName("a.example."), .a, nowMs: 2_000))
        XCTAssertTrue(engine.addNegativeTrustAnchor(example))
        XCTAssertNil(engine.aggressiveDenial(testName("a.example."), .a, nowMs: 2_000))
        let off = ValidationEngine.forTests(anchorDS: [ExampleZone.ds], nsecTableEntryCount: 0)
        XCTAssertNil(off.aggressiveDenial(testName("a.example."), .a, nowMs: 2_000))
    }

    /// RFC 8198 §5.4, RFC 9077 §3: min(NSEC TTL, SOA TTL, SOA MINIMUM);
    /// the answer's TTL is what is left of it.
    func testEntriesExpire() {
        var engine = engineKeepingTheNSEC()
        engine.clock.observe(wallSeconds: Clock.now2026)
        let expiresMs = AggressiveTableTests.keptAtMs + 300_000
        let denial = engine.aggressiveDenial(testName("a.example."), .a, nowMs: 2_000)!
        XCTAssertEqual(engine.remainingSeconds(of: denial, nowMs: 2_000), 299)
        XCTAssertNotNil(engine.aggressiveDenial(testName("a.example."), .a, nowMs: expiresMs - 1))
        XCTAssertNil(engine.aggressiveDenial(testName("a.example."), .a, nowMs: expiresMs))
    }

    /// Kept while the clock was untrusted (dates not checked): at most
    /// `untrustedClockTTLMaxSeconds`, and dropped once the clock is trusted,
    /// so it is validated again with real dates.
    func testUntrustedClockEntriesStopProvingOnceTheClockIsTrusted() {
        var engine = engineKeepingTheNSEC(verdict: RRsetValidation(verdict: .validIgnoringTime, ttlSecondsCap: 3_600))
        XCTAssertFalse(engine.clock.isTrusted)
        let denial = engine.aggressiveDenial(testName("a.example."), .a, nowMs: 2_000)
        XCTAssertNotNil(denial)
        XCTAssertEqual(denial.map { engine.remainingSeconds(of: $0, nowMs: AggressiveTableTests.keptAtMs) },
                       ValidationEngine.untrustedClockTTLMaxSeconds)
        engine.clock.noteSynced(wallSeconds: Clock.now2026)
        XCTAssertTrue(engine.clock.isTrusted)
        XCTAssertNil(engine.aggressiveDenial(testName("a.example."), .a, nowMs: 2_000))
    }

    /// What the Resolver's answer shows comes from the entry: the SOA and
    /// the NSEC as received, each with its RRSIG.
    func testTheAnswersPartsComeFromTheEntry() throws {
        var engine = engineKeepingTheNSEC()
        engine.clock.observe(wallSeconds: Clock.now2026)
        let denial = try XCTUnwrap(engine.aggressiveDenial(testName("a.example."), .a, nowMs: 2_000))
        let soa = engine.soa(of: denial)
        XCTAssertEqual(soa.owner, example)
        XCTAssertEqual(Array(soa.rdata), try TextRecord(parsing: AggressiveTableTests.soa).rdata)
        XCTAssertEqual(soa.signatures.count, 1)
        let record = engine.record(0, of: denial)
        XCTAssertEqual(Array(record.rdata), try TextRecord(parsing: AggressiveTableTests.nsec).rdata)
        XCTAssertEqual(record.signatures.count, 1)
        var signatures = record.signatures.makeIterator()
        XCTAssertEqual(signatures.next().map { Array($0.rdata) },
                       try TextRecord(parsing: AggressiveTableTests.nsecRRSIG).rdata)
    }

    /// Without the zone's SOA there is no negative TTL: nothing is kept.
    func testNothingIsKeptWithoutTheZonesSOA() {
        var engine = ValidationEngine.forTests(anchorDS: [ExampleZone.ds])
        engine.clock.observe(wallSeconds: Clock.now2026)
        let message = TestMessage.response("nx.example.", .a, rcode: .nxDomain,
                                           authority: [AggressiveTableTests.nsec, AggressiveTableTests.nsecRRSIG])
        let rdata = try! TextRecord(parsing: AggressiveTableTests.nsec).rdata
        message.withUnsafeBytes { m in
            rdata.withUnsafeBytes { r in
                engine.rememberNSEC(m, type: .nsec, zone: example, owner: example, rdata: r, ttlSeconds: 300,
                                    result: AggressiveTableTests.secure, nowMs: 0)
            }
        }
        XCTAssertNil(engine.aggressiveDenial(testName("a.example."), .a, nowMs: 1_000))
    }

    // MARK: the pieces

    func testEntryLayoutRoundTrips() {
        let table = NSECTable(entryCount: 2)
        var w = NSECEntryWriter(slot: table.slot(1))
        XCTAssertTrue(w.append(testName("example.")))
        let big = [UInt8](repeating: 1, count: 2_000)
        XCTAssertFalse(big.withUnsafeBytes { w.append($0) }, "an entry never spills into its neighbour")
        XCTAssertEqual(table.capacity, 2)
        XCTAssertEqual(Arena.byteCount(of: NSECTable.footprint(entryCount: 256)),
                       Arena.carvingByteCount(256 * MemoryLayout<NSECTable.Entry>.stride) + 256 * NSECTable.entryByteCount)
        XCTAssertTrue(NSECTable.spans(owner: testName("b.example."), next: testName("d.example."), testName("c.example.")))
        XCTAssertTrue(NSECTable.spans(owner: testName("ns1.example."), next: testName("example."), testName("zz.example.")))
        XCTAssertFalse(NSECTable.spans(owner: testName("b.example."), next: testName("d.example."), testName("e.example.")))
    }

    func testDigestsAndFields() throws {
        // The parameters of TestSupport's ExampleNSEC3 (hashes by ldns-nsec3-hash):
        // H(example.) with salt aabbccdd, 0 iterations = dd2if2e68kdccf63182ee63stusdmjic.
        let apex = try XCTUnwrap(NSEC3Digest(ownerLabelOf: testName("dd2if2e68kdccf63182ee63stusdmjic.example.")))
        let rdata: [UInt8] = [1, 0, 0, 0, 4, 0xAA, 0xBB, 0xCC, 0xDD, 20] + [UInt8](repeating: 0xFF, count: 20)
        try rdata.withUnsafeBytes { raw in
            let fields = try XCTUnwrap(NSEC3Fields(raw))
            XCTAssertFalse(fields.isOptOut)
            let computed = try XCTUnwrap(NSEC3Digest(hashing: testName("Example."), fields))
            apex.withUnsafeBytes { XCTAssertEqual(computed.compare($0), 0) }
        }
        XCTAssertNil(NSEC3Digest(ownerLabelOf: testName("dd2if2e68kdccf63182ee63stusdmji.example.")), "31 characters")
        XCTAssertNil(NSEC3Digest(ownerLabelOf: testName("dd2if2e68kdccf63182ee63stusdmjiz.example.")), "z is not base32hex")
        // Refused fields: above the iteration cap, unknown algorithm or flags, not 20 bytes.
        for bad: [UInt8] in [[1, 0, 0, 151, 0, 20], [2, 0, 0, 0, 0, 20], [1, 2, 0, 0, 0, 20], [1, 0, 0, 0, 0, 19]] {
            let full = bad + [UInt8](repeating: 0, count: 20)
            XCTAssertNil(full.withUnsafeBytes { NSEC3Fields($0) }, "\(bad)")
        }
        // Covering, the last span wrapping around.
        let low = [UInt8](repeating: 0x10, count: 20), mid = [UInt8](repeating: 0x80, count: 20)
        let high = [UInt8](repeating: 0xF0, count: 20)
        func digest(_ byte: UInt8) -> NSEC3Digest {
            var d = NSEC3Digest()
            for i in 0..<20 { d.bytes[i] = byte }
            return d
        }
        low.withUnsafeBytes { l in high.withUnsafeBytes { hi in mid.withUnsafeBytes { m in
            XCTAssertTrue(NSEC3Digest.covers(owner: l, next: hi, digest(0x80)))
            XCTAssertFalse(NSEC3Digest.covers(owner: l, next: hi, digest(0x10)), "a match is not a cover")
            XCTAssertFalse(NSEC3Digest.covers(owner: l, next: m, digest(0x90)))
            XCTAssertTrue(NSEC3Digest.covers(owner: hi, next: l, digest(0xF8)))
            XCTAssertTrue(NSEC3Digest.covers(owner: hi, next: l, digest(0x01)), "below the first owner")
            XCTAssertFalse(NSEC3Digest.covers(owner: hi, next: l, digest(0x80)))
        } } }
    }
}
