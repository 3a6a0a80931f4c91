import XCTest
@testable import Cache
#if canImport(Glibc)
import Glibc
#endif

final class CacheEvictionTests: XCTestCase {
    /// 100,000 inserts of assorted sizes into a 64 KiB arena: the footprint
    /// never changes, the ring never holds more than the arena, the entry
    /// cap holds, and the books balance.
    func testFloodingNeverGrowsTheCache() {
        var cache = makeCache(arenaByteCount: 64 << 10)
        let footprint = cache.footprintByteCount
        var generator = SeededGenerator(seed: 7)
        var results: [CacheInsertResult: Int] = [:]
        for i in 0..<100_000 {
            let blob = [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: Int(generator.next() % 700))
            let result = cache.put("n\(i).example.com", typeA, blob, ttl: UInt32(generator.next() % 600),
                                   now: Int64(i / 100))
            results[result, default: 0] += 1
            XCTAssertLessThanOrEqual(cache.statistics.occupiedByteCount, cache.geometry.arenaByteCount)
            XCTAssertLessThanOrEqual(cache.statistics.entryCount, cache.geometry.entryCountMax)
            if i % 5000 == 0 { XCTAssertNil(cache.audit(), "after insert \(i)") }
        }
        XCTAssertEqual(cache.footprintByteCount, footprint)
        XCTAssertEqual(results[.stored], 100_000)
        XCTAssertLessThanOrEqual(cache.statistics.liveByteCountHighWater, cache.geometry.arenaByteCount)
        XCTAssertGreaterThan(cache.statistics.evictionCount + cache.statistics.reclaimCount, 90_000)
        XCTAssertEqual(cache.statistics.entryCount,
                       100_000 - cache.statistics.evictionCount - cache.statistics.reclaimCount)
        XCTAssertNil(cache.audit())
        // The newest entry is there, the oldest long gone.
        XCTAssertNotNil(cache.bytes("n99999.example.com", typeA, now: 999))
        XCTAssertNil(cache.bytes("n0.example.com", typeA, now: 999))
    }

    /// Entries looked up between passes of the eviction walk survive a
    /// flood; the same entries untouched are evicted.
    func testRecentlyUsedEntriesSurvive() {
        var cache = makeCache(arenaByteCount: 64 << 10)
        for i in 0..<20 {
            cache.put("hot\(i).test", typeA, [UInt8](repeating: 1, count: 40), ttl: 86_400)
            cache.put("cold\(i).test", typeA, [UInt8](repeating: 2, count: 40), ttl: 86_400)
        }
        for i in 0..<20_000 {
            if i % 100 == 0 {
                for h in 0..<20 { XCTAssertFalse(cache.get("hot\(h).test", typeA, now: 1).isMiss, "hot\(h) at \(i)") }
            }
            cache.put("filler\(i).test", typeA, [UInt8](repeating: 3, count: 40), ttl: 86_400, now: 1)
        }
        for h in 0..<20 {
            XCTAssertEqual(cache.bytes("hot\(h).test", typeA, now: 1), [UInt8](repeating: 1, count: 40))
            XCTAssertNil(cache.bytes("cold\(h).test", typeA, now: 1))
        }
        XCTAssertGreaterThan(cache.statistics.secondChanceCount, 0)
        XCTAssertNil(cache.audit())
    }

    /// Expired entries do not get a second chance even if used (stale data
    /// is only worth keeping while upstreams are down, when nothing is being
    /// inserted); past the stale window they are reclaimed, not evicted.
    func testExpiredGoBeforeUsedFreshAndGoneAreReclaimed() {
        var cache = makeCache(arenaByteCount: 64 << 10, staleMax: 1000)
        cache.put("short.test", typeA, [1], ttl: 10, now: 0)
        cache.put("long.test", typeA, [2], ttl: 86_400, now: 0)
        for i in 0..<50 { cache.put("gone\(i).test", typeA, [3], ttl: 1, now: 0) }
        XCTAssertTrue(cache.get("short.test", typeA, now: 500).isStale)
        XCTAssertTrue(cache.get("long.test", typeA, now: 500).isFresh)
        // Flood until the walk has passed the first 52 records (less than a lap).
        var i = 0
        while cache.statistics.evictionCount + cache.statistics.reclaimCount < 100 && i < 5000 {
            cache.put("f\(i).test", typeA, [UInt8](repeating: 4, count: 30), now: 1500)
            i += 1
        }
        XCTAssertEqual(cache.bytes("long.test", typeA, now: 1500), [2])
        XCTAssertNil(cache.bytes("short.test", typeA, now: 1500))
        XCTAssertGreaterThanOrEqual(cache.statistics.reclaimCount, 50)
    }

    /// With a tiny step budget and every entry recently used, an insert is
    /// refused as full; the clock hand still moved, so retries succeed.
    func testRefusedFullWhenEverythingIsHotAndTheBudgetIsSpent() {
        var cache = makeCache(arenaByteCount: 64 << 10, steps: CacheLimits.evictionStepsPerInsertMin)
        // 13-byte owners + 16-byte blobs make 64-byte records: 1024 fill the arena exactly.
        var i = 0
        while cache.statistics.evictionCount == 0 && i < 5000 {
            cache.put("k\(String(format: "%05d", i)).test", typeA, [UInt8](repeating: 5, count: 16))
            i += 1
        }
        XCTAssertEqual(cache.statistics.entryCount, cache.geometry.entryCountMax)
        var names: [[UInt8]] = []
        cache.forEachEntry { names.append([UInt8]($0.owner)) }
        for name in names {
            XCTAssertTrue(name.withUnsafeBytes { cache.lookup(owner: $0, type: typeA, rrClass: classIN, nowSeconds: 0) }.isFresh)
        }
        XCTAssertEqual(cache.put("new00.test", typeA, [UInt8](repeating: 6, count: 16)), .refusedFull)
        XCTAssertEqual(cache.statistics.refusedFullCount, 1)
        XCTAssertEqual(cache.statistics.refusalCount, 1)
        XCTAssertNil(cache.audit())
        var outcome = CacheInsertResult.refusedFull
        var attempts = 0
        while outcome == .refusedFull && attempts < 2000 {
            outcome = cache.put("new00.test", typeA, [UInt8](repeating: 6, count: 16))
            attempts += 1
        }
        XCTAssertEqual(outcome, .stored)
        XCTAssertNil(cache.audit())
    }

    /// A refused insert keeps the old entry (it is not dropped first).
    func testRefusedReplacementKeepsTheOldEntry() {
        var cache = makeCache(arenaByteCount: 64 << 10, steps: CacheLimits.evictionStepsPerInsertMin)
        var i = 0
        while cache.statistics.evictionCount == 0 && i < 5000 {
            cache.put("k\(String(format: "%05d", i)).test", typeA, [UInt8](repeating: 5, count: 16))
            i += 1
        }
        var names: [[UInt8]] = []
        cache.forEachEntry { names.append([UInt8]($0.owner)) }
        for name in names {
            _ = name.withUnsafeBytes { cache.lookup(owner: $0, type: typeA, rrClass: classIN, nowSeconds: 0) }
        }
        let victim = "k\(String(format: "%05d", i - 1)).test"
        XCTAssertEqual(cache.put(victim, typeA, [UInt8](repeating: 7, count: 500)), .refusedFull)
        XCTAssertEqual(cache.bytes(victim, typeA), [UInt8](repeating: 5, count: 16))
    }

    /// 100,000 operations on a warm cache allocate nothing (glibc's count
    /// of bytes in use does not move).
    func testOperationsDoNotAllocate() {
        #if canImport(Glibc) && arch(x86_64)
        guard let bytesInUse = mallocBytesInUse() else { return }
        var cache = makeCache(arenaByteCount: 64 << 10)
        let owners: [[UInt8]] = (0..<512).map { wire("host\($0).Example.NET") }
        let blob = [UInt8](repeating: 0xAB, count: 120)
        var hits = 0
        func run(_ count: Int, base: Int) {
            owners.withUnsafeBufferPointer { ownerList in
                blob.withUnsafeBytes { b in
                    for i in 0..<count {
                        ownerList[(i / 4) % ownerList.count].withUnsafeBytes { o in
                            let now = Int64((base + i) / 64)
                            switch i % 4 {
                            case 0, 1:
                                _ = cache.insert(owner: o, type: UInt16(1 + i % 3), rrClass: 1, kind: .rrset,
                                                 rank: .secure, ttlSeconds: 30, blob: b, nowSeconds: now)
                            case 2:
                                hits += cache.withEntry(owner: o, type: 1, rrClass: 1, nowSeconds: now) { r, blob in
                                    r.hit == nil ? 0 : blob.count
                                }
                            default:
                                _ = cache.remove(owner: o, type: 2, rrClass: 1)
                            }
                        }
                    }
                }
            }
        }
        run(1000, base: 0)  // warm up runtime caches
        let before = bytesInUse()
        run(100_000, base: 1000)
        let after = bytesInUse()
        // Growth is the defect; a small drop is the test runner freeing its own memory meanwhile.
        XCTAssertLessThanOrEqual(after, before, "bytes in use grew by \(Int(after) - Int(before))")
        XCTAssertGreaterThan(hits, 0)
        XCTAssertNil(cache.audit())
        #endif
    }
}

#if canImport(Glibc) && arch(x86_64)
/// glibc's `mallinfo2().uordblks` (bytes in use). malloc.h is not in the
/// Glibc module, so the function is found with dlsym; its 80-byte struct
/// result is returned through a hidden pointer (first argument on x86-64
/// System V), which is why this is x86-64 only.
func mallocBytesInUse() -> (() -> Int)? {
    typealias MallInfo2 = @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer
    guard let symbol = dlsym(nil, "mallinfo2") else { return nil }
    let function = unsafeBitCast(symbol, to: MallInfo2.self)
    return {
        var fields = [Int](repeating: 0, count: 10)  // struct mallinfo2: 10 × size_t
        _ = fields.withUnsafeMutableBytes { function($0.baseAddress!) }
        return fields[7]  // uordblks: arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks
    }
}
#endif
