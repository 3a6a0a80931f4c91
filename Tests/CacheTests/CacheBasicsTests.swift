import XCTest
@testable import Cache

final class CacheBasicsTests: XCTestCase {
    func testLookupIsCaseInsensitiveAndReturnsStoredBytes() {
        var cache = makeCache()
        XCTAssertEqual(cache.put("WWW.Example.COM", typeA, [192, 0, 2, 1]), .stored)
        XCTAssertEqual(cache.bytes("www.example.com", typeA), [192, 0, 2, 1])
        XCTAssertEqual(cache.bytes("wWw.eXaMpLe.CoM", typeA), [192, 0, 2, 1])
        XCTAssertNil(cache.bytes("www.example.org", typeA))
        XCTAssertNil(cache.bytes("www.example.com", typeAAAA))
        XCTAssertTrue(cache.get("www.example.com", typeA, now: 0).isFresh)
        // Stored owner is lowercased.
        var owners: [[UInt8]] = []
        cache.forEachEntry { owners.append([UInt8]($0.owner)) }
        XCTAssertEqual(owners, [wire("www.example.com")])
        // Non-letters are not folded: '[' (0x5B) differs from '{' (0x7B).
        cache.put("a[b.test", typeA, [1])
        XCTAssertNil(cache.bytes("a{b.test", typeA))
        XCTAssertEqual(cache.bytes("A[B.TEST", typeA), [1])
    }

    func testLongNamesCompareEveryByte() {
        var cache = makeCache()
        let label = String(repeating: "x", count: 60)
        let long = "\(label).\(label).\(label).\(label.prefix(50))"
        XCTAssertEqual(wire(long).count, 235)
        cache.put(long, typeA, [9])
        XCTAssertEqual(cache.bytes(long.uppercased(), typeA), [9])
        var other = Array(long)
        other[other.count - 3] = "y"
        XCTAssertNil(cache.bytes(String(other), typeA))
    }

    func testTTLCapsApplyOnInsert() {
        var cache = makeCache(minTTL: 60, maxTTL: 3600)
        cache.put("low.test", typeA, [1], ttl: 5, now: 1000)
        cache.put("high.test", typeA, [2], ttl: 999_999, now: 1000)
        cache.put("mid.test", typeA, [3], ttl: 600, now: 1000)
        XCTAssertEqual(cache.get("low.test", typeA, now: 1000).remainingTTL, 60)
        XCTAssertEqual(cache.get("high.test", typeA, now: 1000).remainingTTL, 3600)
        XCTAssertEqual(cache.get("mid.test", typeA, now: 1000).remainingTTL, 600)
        XCTAssertEqual(cache.get("low.test", typeA, now: 1000).hit?.originalTTLSeconds, 60)
        XCTAssertEqual(cache.get("high.test", typeA, now: 1001).remainingTTL, 3599)
    }

    func testFreshThenStaleThenGone() {
        var cache = makeCache(staleMax: 100)
        cache.put("t.test", typeA, [7], ttl: 10, now: 1000)
        XCTAssertEqual(cache.get("t.test", typeA, now: 1000).remainingTTL, 10)
        XCTAssertEqual(cache.get("t.test", typeA, now: 1009).remainingTTL, 1)
        XCTAssertEqual(cache.get("t.test", typeA, now: 1010).expiredFor, 0)
        XCTAssertEqual(cache.get("t.test", typeA, now: 1109).expiredFor, 99)
        XCTAssertEqual(cache.bytes("t.test", typeA, now: 1109), [7])
        XCTAssertTrue(cache.get("t.test", typeA, now: 1110).isMiss)
        // Gone entries are reclaimed on sight, even if time "returns".
        XCTAssertTrue(cache.get("t.test", typeA, now: 1000).isMiss)
        XCTAssertEqual(cache.statistics.entryCount, 0)
        XCTAssertEqual(cache.statistics.reclaimCount, 1)
        XCTAssertEqual(cache.statistics.hitCount, 2)
        XCTAssertEqual(cache.statistics.staleHitCount, 3)
        XCTAssertEqual(cache.statistics.missCount, 2)
    }

    func testStaleMaxZeroDisablesStaleAnswers() {
        var cache = makeCache(staleMax: 0)
        cache.put("t.test", typeA, [7], ttl: 10, now: 0)
        XCTAssertTrue(cache.get("t.test", typeA, now: 9).isFresh)
        XCTAssertTrue(cache.get("t.test", typeA, now: 10).isMiss)
    }

    func testNXDOMAINAnswersEveryTypeAtTheName() {
        var cache = makeCache()
        XCTAssertEqual(cache.put("gone.test", 0xFFFF, [0xAA], kind: .nxDomain), .stored)
        for type in [typeA, typeAAAA, typeMX, 255] {
            let result = cache.get("GONE.test", type)
            XCTAssertEqual(result.hit?.kind, .nxDomain, "type \(type)")
            XCTAssertEqual(cache.bytes("gone.test", type), [0xAA])
        }
        XCTAssertTrue(cache.get("sub.gone.test", typeA).isMiss)
        XCTAssertTrue(cache.get("gone.test", 0).isMiss, "type 0 is not a query type")
        // Data at the name later means it exists: the NXDOMAIN entry goes.
        XCTAssertEqual(cache.put("gone.test", typeA, [1, 2, 3, 4]), .stored)
        XCTAssertEqual(cache.get("gone.test", typeA).hit?.kind, .rrset)
        XCTAssertTrue(cache.get("gone.test", typeAAAA).isMiss)
        XCTAssertEqual(cache.statistics.entryCount, 1)
    }

    func testNXDOMAINInsertedAfterDataWinsUnlessDataOutranksIt() {
        var cache = makeCache()
        cache.put("a.test", typeA, [1], rank: .insecure)
        cache.put("a.test", typeA, [0xEE], kind: .nxDomain, rank: .insecure)
        XCTAssertEqual(cache.get("a.test", typeA).hit?.kind, .nxDomain)
        cache.put("b.test", typeA, [1], rank: .secure, ttl: 100)
        cache.put("b.test", typeA, [0xEE], kind: .nxDomain, rank: .insecure, ttl: 300)
        XCTAssertEqual(cache.get("b.test", typeA, now: 50).hit?.kind, .rrset, "fresh secure data outranks")
        XCTAssertEqual(cache.get("b.test", typeAAAA, now: 50).hit?.kind, .nxDomain)
        XCTAssertEqual(cache.get("b.test", typeA, now: 150).hit?.kind, .nxDomain, "expired data does not")
        // A fresh secure NXDOMAIN refuses lower-ranked data at the name.
        cache.put("c.test", typeA, [0xEE], kind: .nxDomain, rank: .secure)
        XCTAssertEqual(cache.put("c.test", typeA, [1], rank: .insecure), .refusedLowerRank)
        XCTAssertEqual(cache.get("c.test", typeA).hit?.kind, .nxDomain)
    }

    func testNODATAAnswersOnlyItsType() {
        var cache = makeCache()
        cache.put("n.test", typeAAAA, [0xBB], kind: .noData)
        XCTAssertEqual(cache.get("n.test", typeAAAA).hit?.kind, .noData)
        XCTAssertEqual(cache.bytes("n.test", typeAAAA), [0xBB])
        XCTAssertTrue(cache.get("n.test", typeA).isMiss)
        // An RRset of that type replaces the NODATA (same key).
        XCTAssertEqual(cache.put("n.test", typeAAAA, [1], kind: .rrset), .replaced)
        XCTAssertEqual(cache.get("n.test", typeAAAA).hit?.kind, .rrset)
    }

    func testRankReplacementRules() {
        var cache = makeCache()
        XCTAssertEqual(cache.put("r.test", typeA, [1], rank: .secure, ttl: 100, now: 0), .stored)
        XCTAssertEqual(cache.put("r.test", typeA, [2], rank: .insecure, now: 10), .refusedLowerRank)
        XCTAssertEqual(cache.put("r.test", typeA, [2], rank: .authoritativeUnvalidated, now: 10), .refusedLowerRank)
        XCTAssertEqual(cache.bytes("r.test", typeA, now: 10), [1])
        XCTAssertEqual(cache.put("r.test", typeA, [3], rank: .secure, now: 10), .replaced, "equal rank replaces")
        XCTAssertEqual(cache.bytes("r.test", typeA, now: 10), [3])
        // Once the higher-ranked entry expires, lower ranks may replace it.
        XCTAssertEqual(cache.put("r.test", typeA, [4], rank: .insecure, now: 400), .replaced)
        XCTAssertEqual(cache.get("r.test", typeA, now: 400).hit?.rank, .insecure)
        // Higher rank always replaces.
        XCTAssertEqual(cache.put("r.test", typeA, [5], rank: .secure, now: 401), .replaced)
        XCTAssertEqual(cache.statistics.refusedLowerRankCount, 2)
        XCTAssertTrue(TrustRank.bogus < .indeterminate && TrustRank.indeterminate < .insecure
                      && TrustRank.insecure < .authoritativeUnvalidated
                      && TrustRank.authoritativeUnvalidated < .secure)
    }

    func testBogusIsNeverReturnedStale() {
        var cache = makeCache(staleMax: 86_400)
        cache.put("bad.test", typeA, [6], rank: .bogus, ttl: 60, now: 0)
        XCTAssertEqual(cache.get("bad.test", typeA, now: 59).hit?.rank, .bogus, "fresh bogus answers SERVFAIL")
        XCTAssertTrue(cache.get("bad.test", typeA, now: 60).isMiss)
        // Bogus TTLs are capped (RFC 9520 §3.2).
        cache.put("bad2.test", typeA, [6], rank: .bogus, ttl: 86_400, now: 0)
        XCTAssertEqual(cache.get("bad2.test", typeA, now: 0).remainingTTL, CacheLimits.bogusTTLMaxSeconds)
        XCTAssertTrue(cache.get("bad2.test", typeA, now: 300).isMiss)
        // A bogus NXDOMAIN is never stale either, so it stops shadowing data.
        cache.put("x.test", typeA, [1], rank: .insecure, ttl: 2, now: 0)
        cache.put("x.test", typeA, [2], kind: .nxDomain, rank: .bogus, ttl: 10, now: 0)
        XCTAssertEqual(cache.get("x.test", typeA, now: 1).hit?.kind, .rrset, "fresh insecure outranks bogus")
        XCTAssertEqual(cache.get("x.test", typeA, now: 5).hit?.kind, .nxDomain)
        XCTAssertTrue(cache.get("x.test", typeA, now: 10).isStale)
        XCTAssertEqual(cache.get("x.test", typeA, now: 10).hit?.kind, .rrset)
    }

    func testClockSyncFlagIsKept() {
        var cache = makeCache()
        cache.put("c.test", typeA, [1], awaitingClock: true)
        cache.put("d.test", typeA, [1])
        XCTAssertEqual(cache.get("c.test", typeA).hit?.isAwaitingClockSync, true)
        XCTAssertEqual(cache.get("d.test", typeA).hit?.isAwaitingClockSync, false)
    }

    func testRefreshInPlaceAndGrowth() {
        var cache = makeCache()
        cache.put("f.test", typeA, [1, 2, 3, 4, 5, 6, 7, 8])
        let occupied = cache.statistics.occupiedByteCount
        XCTAssertEqual(cache.put("f.test", typeA, [9, 9, 9]), .replaced)
        XCTAssertEqual(cache.statistics.inPlaceRefreshCount, 1)
        XCTAssertEqual(cache.statistics.occupiedByteCount, occupied, "in place: no new bytes")
        XCTAssertEqual(cache.bytes("f.test", typeA), [9, 9, 9])
        XCTAssertEqual(cache.put("f.test", typeA, [UInt8](repeating: 4, count: 200)), .replaced)
        XCTAssertEqual(cache.bytes("f.test", typeA), [UInt8](repeating: 4, count: 200))
        XCTAssertEqual(cache.statistics.entryCount, 1)
        XCTAssertNil(cache.audit())
    }

    func testOutdatedHandleGivesNil() {
        var cache = makeCache()
        cache.put("h.test", typeA, [1, 2])
        guard let hit = cache.get("h.test", typeA).hit else { return XCTFail("miss") }
        XCTAssertEqual(cache.withBlob(of: hit) { [UInt8]($0) }, [1, 2])
        cache.put("h.test", typeA, [3, 4])  // in-place refresh changes the stamp
        XCTAssertNil(cache.withBlob(of: hit) { [UInt8]($0) })
        guard let hit2 = cache.get("h.test", typeA).hit else { return XCTFail("miss") }
        cache.drop("h.test", typeA)
        XCTAssertNil(cache.withBlob(of: hit2) { [UInt8]($0) })
    }

    func testRemoveAndClear() {
        var cache = makeCache()
        cache.put("a.test", typeA, [1])
        cache.put("b.test", typeA, [2])
        let bHit = cache.get("b.test", typeA).hit
        cache.put("c.test", 0, [3], kind: .nxDomain)
        XCTAssertTrue(cache.drop("a.test", typeA))
        XCTAssertFalse(cache.drop("a.test", typeA))
        XCTAssertTrue(cache.get("a.test", typeA).isMiss)
        XCTAssertTrue(cache.drop("c.test", CacheLimits.nxDomainKeyType))
        XCTAssertTrue(cache.get("c.test", typeA).isMiss)
        XCTAssertEqual(cache.bytes("b.test", typeA), [2])
        cache.clear()
        XCTAssertNil(bHit.flatMap { cache.withBlob(of: $0) { [UInt8]($0) } }, "handles die with clear")
        XCTAssertTrue(cache.get("b.test", typeA).isMiss)
        XCTAssertEqual(cache.statistics.entryCount, 0)
        XCTAssertEqual(cache.statistics.occupiedByteCount, 0)
        XCTAssertNil(cache.audit())
        XCTAssertEqual(cache.put("b.test", typeA, [5]), .stored)
        XCTAssertEqual(cache.bytes("b.test", typeA), [5])
    }

    func testBadKeysAndSizesAreRefused() {
        var cache = makeCache()
        let empty: [UInt8] = []
        let tooLong = [UInt8](repeating: 1, count: 256)
        let blob: [UInt8] = [1]
        for owner in [empty, tooLong] {
            let result = owner.withUnsafeBytes { o in
                blob.withUnsafeBytes { b in
                    cache.insert(owner: o, type: typeA, rrClass: classIN, kind: .rrset, rank: .secure,
                                 ttlSeconds: 1, blob: b, nowSeconds: 0)
                }
            }
            XCTAssertEqual(result, .refusedInvalidKey)
            XCTAssertTrue(owner.withUnsafeBytes { cache.lookup(owner: $0, type: typeA, rrClass: 1, nowSeconds: 0) }.isMiss)
        }
        XCTAssertEqual(cache.put("t.test", 0, [1], kind: .rrset), .refusedInvalidKey)
        let maxBlob = cache.geometry.blobByteCountMax(ownerByteCount: wire("big.test").count)
        XCTAssertEqual(cache.put("big.test", typeA, [UInt8](repeating: 1, count: maxBlob + 1)), .refusedTooLarge)
        XCTAssertEqual(cache.put("big.test", typeA, [UInt8](repeating: 1, count: maxBlob)), .stored)
        XCTAssertEqual(cache.statistics.refusedInvalidKeyCount, 3)
        XCTAssertEqual(cache.statistics.refusedTooLargeCount, 1)
    }

    func testConfigurationIsValidated() {
        func reject(_ configuration: CacheConfiguration) -> CacheConfigurationError? {
            do { _ = try CacheGeometry(configuration); return nil } catch { return error }
        }
        XCTAssertEqual(reject(CacheConfiguration(arenaByteCount: 1000)), .arenaTooSmall)
        XCTAssertEqual(reject(CacheConfiguration(arenaByteCount: 1 << 31)), .arenaTooLarge)
        XCTAssertEqual(reject(CacheConfiguration(minTTLSeconds: 10, maxTTLSeconds: 5)), .ttlBoundsInverted)
        XCTAssertEqual(reject(CacheConfiguration(evictionStepsPerInsertMax: 1)), .evictionStepsTooFew)
        let geometry = try? CacheGeometry(CacheConfiguration())
        // 4 MiB arena + 8 × (65536 × 4/3 + 1) slots.
        XCTAssertEqual(geometry?.footprintByteCount, (4 << 20) + 8 * (65_536 * 4 / 3 + 1))
        XCTAssertEqual(geometry?.recordByteCountMax, RecordLayout.recordByteCount(ownerByteCount: 255,
                                                                                   blobByteCount: 65_535))
    }

    func testCaseFoldingMatchesScalarFolding() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<2000 {
            let word = generator.next()
            var expected: UInt64 = 0
            for byteIndex in 0..<8 {
                let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(byteIndex)))
                expected |= UInt64(CacheHash.lowercasedByte(byte)) << (8 * UInt64(byteIndex))
            }
            XCTAssertEqual(CacheHash.lowercased(word), expected)
        }
        for byte in 0...255 {
            let word = UInt64(byte) * 0x0101_0101_0101_0101
            let folded = UInt8(truncatingIfNeeded: CacheHash.lowercased(word))
            XCTAssertEqual(folded, (65...90).contains(byte) ? UInt8(byte + 32) : UInt8(byte))
        }
    }

    func testHashDependsOnSeed() {
        let owner = wire("example.com")
        let h1 = owner.withUnsafeBytes { CacheHash(seed: 1).nameHash($0) }
        let h2 = owner.withUnsafeBytes { CacheHash(seed: 2).nameHash($0) }
        let h1upper = wire("EXAMPLE.com").withUnsafeBytes { CacheHash(seed: 1).nameHash($0) }
        XCTAssertNotEqual(h1, h2)
        XCTAssertEqual(h1, h1upper)
    }
}
