// The chain of trust's status decisions (RFC 4035 §5, RFC 6840 §5.2, RFC
// 8624 §3), on the engine alone: what a cached DS/DNSKEY verdict means,
// which set a zone still needs, whether a zone must come signed. The cache
// is a dictionary of verdicts (TestVerdicts); no Resolver is involved.
import Crypto
import Cache
import DNSWire
import Fixed
import XCTest
@testable import Validator

final class ChainStatusTests: XCTestCase {
    /// A usable root DS (RSA/SHA-256, SHA-256 digest) and an unusable one
    /// (algorithm 200 and digest type 200: RFC 8624 lists neither).
    static let rootDS = ". 86400 IN DS 20326 8 2 e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d"
    static let unusableRootDS = ". 86400 IN DS 20326 200 200 e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d"
    static let exampleDS = ExampleZone.ds
    static let exampleUnusableDS = "example. 3600 IN DS 7776 13 200 5371b04bc8cc16d4b657ed96e61411bb4e4024648bd904663edaf0506bb63f46"

    let example = testName("example.")
    let www = testName("www.example.")

    /// RFC 4035 §5: DS first (the parent vouches for the keys), then the
    /// DNSKEY set, then nothing: the keys are secure.
    func testAZoneNeedsItsDSThenItsKeys() {
        let engine = ValidationEngine.forTests(anchorDS: [ChainStatusTests.rootDS])
        var cache = TestVerdicts()
        XCTAssertTrue(engine.keysNeeded(toAsk: www, .a, ofZone: example, isKeyFetch: false, cache: &cache,
                                        nowMs: 0)! == (example, .ds))
        cache.secure([ChainStatusTests.exampleDS])
        XCTAssertTrue(engine.keysNeeded(toAsk: www, .a, ofZone: example, isKeyFetch: false, cache: &cache,
                                        nowMs: 0)! == (example, .dnskey))
        cache.secure([ExampleZone.zsk, ExampleZone.ksk])
        XCTAssertNil(engine.keysNeeded(toAsk: www, .a, ofZone: example, isKeyFetch: false, cache: &cache, nowMs: 0))
        guard case .secure(let keys) = engine.keyStatus(example, cache: &cache, nowMs: 0) else {
            return XCTFail("secure keys")
        }
        XCTAssertEqual(keys.count, 2)
    }

    /// A zone's own DNSKEY set (and a key fetch) is vouched for by its DS
    /// set: only the DS set is needed before asking it.
    func testAZonesOwnKeysNeedOnlyItsDS() {
        let engine = ValidationEngine.forTests(anchorDS: [ChainStatusTests.rootDS])
        var cache = TestVerdicts()
        XCTAssertTrue(engine.keysNeeded(toAsk: example, .dnskey, ofZone: example, isKeyFetch: false, cache: &cache,
                                        nowMs: 0)! == (example, .ds))
        XCTAssertTrue(engine.keysNeeded(toAsk: example, .dnskey, ofZone: .root, isKeyFetch: true, cache: &cache,
                                        nowMs: 0)! == (example, .ds))
        cache.secure([ChainStatusTests.exampleDS])
        XCTAssertNil(engine.keysNeeded(toAsk: example, .dnskey, ofZone: example, isKeyFetch: false, cache: &cache,
                                       nowMs: 0))
        XCTAssertNil(engine.keysNeeded(toAsk: example, .dnskey, ofZone: .root, isKeyFetch: true, cache: &cache,
                                       nowMs: 0), "the DS set is known: the DNSKEY answer can be judged")
    }

    /// RFC 4035 §5.2, RFC 6840 §5.2: a DS set (or anchor) with no supported
    /// algorithm and digest type is no authentication path: insecure, and
    /// the keys are never fetched.
    func testUnusableDSSetsAndAnchorsMakeTheZoneInsecure() {
        let engine = ValidationEngine.forTests(anchorDS: [ChainStatusTests.rootDS])
        var cache = TestVerdicts()
        cache.secure([ChainStatusTests.exampleUnusableDS])
        guard case .insecure = engine.keyStatus(example, cache: &cache, nowMs: 0) else { return XCTFail("insecure") }
        XCTAssertNil(engine.keysNeeded(toAsk: www, .a, ofZone: example, isKeyFetch: false, cache: &cache, nowMs: 0))
        let unusableRoot = ValidationEngine.forTests(anchorDS: [ChainStatusTests.unusableRootDS])
        guard case .insecure = unusableRoot.dsStatus(.root, cache: &cache, nowMs: 0) else {
            return XCTFail("an unusable anchor is no anchor")
        }
        guard case .anchor(.ds, _) = engine.dsStatus(.root, cache: &cache, nowMs: 0) else {
            return XCTFail("a usable anchor stands in for the root's DS set")
        }
    }

    /// What a cached DS verdict means: a secure NODATA proving an unsigned
    /// delegation is insecure, a plain one is "no cut here", bogus keeps its
    /// EDE, and unvalidated data is no evidence at all.
    func testCachedDSVerdicts() {
        let engine = ValidationEngine.forTests(anchorDS: [ChainStatusTests.rootDS])
        var cache = TestVerdicts()
        cache.set("example.", .ds, CachedVerdict(kind: .noData, rank: .secure, provesUnsignedDelegation: true))
        guard case .insecure = engine.dsStatus(example, cache: &cache, nowMs: 0) else { return XCTFail("unsigned") }
        cache.set("example.", .ds, CachedVerdict(kind: .noData, rank: .secure))
        guard case .absent = engine.dsStatus(example, cache: &cache, nowMs: 0) else { return XCTFail("no cut") }
        cache.set("example.", .ds, CachedVerdict(kind: .rrset, rank: .bogus, bogusCode: .signatureExpired))
        guard case .bogus(.signatureExpired) = engine.keyStatus(example, cache: &cache, nowMs: 0) else {
            return XCTFail("bogus, with its EDE")
        }
        cache.set("example.", .ds, CachedVerdict(kind: .rrset, rank: .authoritativeUnvalidated))
        guard case .unknown = engine.dsStatus(example, cache: &cache, nowMs: 0) else { return XCTFail("not evidence") }
        cache.set("example.", .ds, CachedVerdict(kind: .rrset, rank: .insecure))
        guard case .insecure = engine.keyStatus(example, cache: &cache, nowMs: 0) else { return XCTFail("insecure") }
    }

    /// No anchor, or a negative one (RFC 7646): insecure without reading
    /// the cache.
    func testUncoveredNamesAreInsecureWithoutALookup() {
        var engine = ValidationEngine.forTests(anchorDS: [ChainStatusTests.rootDS])
        XCTAssertTrue(engine.addNegativeTrustAnchor(testName("corp.example.")))
        var cache = TestVerdicts()
        guard case .insecure = engine.keyStatus(testName("a.corp.example."), cache: &cache, nowMs: 0) else {
            return XCTFail("negative anchor")
        }
        let bare = ValidationEngine.forTests()
        guard case .insecure = bare.keyStatus(example, cache: &cache, nowMs: 0) else { return XCTFail("no anchor") }
        XCTAssertEqual(cache.lookupCount, 0)
        XCTAssertEqual(engine.signing(of: testName("corp.example."), cache: &cache, nowMs: 0), .unsigned)
    }

    /// Whether a zone must come signed (no EDNS fallback for it): at its
    /// anchor, or once its DS set is known, with no unsigned delegation
    /// proven on the way down.
    func testZoneSigning() {
        let engine = ValidationEngine.forTests(anchorDS: [ChainStatusTests.exampleDS])
        var cache = TestVerdicts()
        XCTAssertEqual(engine.signing(of: example, cache: &cache, nowMs: 0), .signed, "the anchor")
        XCTAssertEqual(engine.signing(of: testName("sub.example."), cache: &cache, nowMs: 0), .unknown)
        cache.set("sub.example.", .ds, CachedVerdict(kind: .rrset, rank: .authoritativeUnvalidated))
        XCTAssertEqual(engine.signing(of: testName("sub.example."), cache: &cache, nowMs: 0), .signed,
                       "a DS set seen (any rank)")
        cache.set("sub.example.", .ds, CachedVerdict(kind: .noData, rank: .secure, provesUnsignedDelegation: true))
        XCTAssertEqual(engine.signing(of: testName("deep.sub.example."), cache: &cache, nowMs: 0), .unsigned,
                       "below a proven unsigned delegation")
        XCTAssertEqual(engine.signing(of: testName("test."), cache: &cache, nowMs: 0), .unsigned, "no anchor above")
    }

    /// The footprint counts what init reserves: the buffers only when
    /// validating; the arena's rows are the footprint's, row by row.
    func testFootprintCountsWhatIsReserved() {
        let offArena = Arena(rows: ValidationEngine.footprint(reserving: false, nsecTableEntryCount: 0),
                             lateReservations: .count)
        let off = ValidationEngine(reserving: false, clockVouchedFor: false, nsecTableEntryCount: 0, arena: offArena)
        XCTAssertEqual(off.rrsetBuffer.count, 0)
        XCTAssertEqual(off.keysBuffer.count, 0)
        XCTAssertEqual(off.denialRecords.count, 0)
        XCTAssertEqual(off.nsecTable.capacity, 0)
        XCTAssertEqual(offArena.rows, Arena.table(ValidationEngine.footprint(reserving: false, nsecTableEntryCount: 0)))
        XCTAssertEqual(offArena.lateReservationCount, 0)
        XCTAssertEqual(offArena.freeByteCount, 0)
        let onArena = Arena(rows: ValidationEngine.footprint(reserving: true, nsecTableEntryCount: 8),
                            lateReservations: .count)
        let on = ValidationEngine(reserving: true, clockVouchedFor: false, nsecTableEntryCount: 8, arena: onArena)
        XCTAssertEqual(on.rrsetBuffer.count, Limits.messageByteCountMax)
        XCTAssertEqual(on.keysBuffer.count, ValidationEngine.smallBufferByteCount)
        XCTAssertEqual(on.denialRecords.count, ValidatorLimits.denialRecordsMax)
        XCTAssertEqual(on.nsecTable.capacity, 8)
        XCTAssertEqual(onArena.rows, Arena.table(ValidationEngine.footprint(reserving: true, nsecTableEntryCount: 8)))
        XCTAssertEqual(onArena.lateReservationCount, 0)
        XCTAssertEqual(onArena.freeByteCount, 0)
        XCTAssertEqual(Arena.byteCount(of: ValidationEngine.footprint(reserving: true, nsecTableEntryCount: 8))
                       - Arena.byteCount(of: ValidationEngine.footprint(reserving: false, nsecTableEntryCount: 0)),
                       Arena.byteCount(of: ValidatorScratch.footprint(reserving: true))
                       + Arena.carvingByteCount(Limits.messageByteCountMax)
                       + 5 * ValidationEngine.smallBufferByteCount + Arena.carvingByteCount(ValidationEngine.dsBufferByteCount)
                       + Arena.carvingByteCount(of: DenialRecord.self, count: ValidatorLimits.denialRecordsMax)
                       + Arena.byteCount(of: NSECTable.footprint(entryCount: 8))
                       + Arena.carvingByteCount(Signature.startUpByteCount))
    }
}
